package support

import (
	"strings"
	"testing"
)

func TestParseCommentBody(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		hasFiles bool
		want     string
		rule     string
	}{
		{"text", "  Toujours en panne.\r\nVoir capture.\r ", false, "Toujours en panne.\nVoir capture.", ""},
		{"one character", "x", false, "x", ""},
		{"empty without files", " \n ", false, "", RuleRequired},
		{"empty with files", "", true, "", ""},
		{"at the limit", strings.Repeat("é", CommentMax), false, strings.Repeat("é", CommentMax), ""},
		{"over the limit", strings.Repeat("é", CommentMax+1), false, strings.Repeat("é", CommentMax+1), RuleLength},
		{"escape sequence", "voir \x1b[2J", true, "voir \x1b[2J", RuleControlChars},
		{"bidi override", "a\u202eb", false, "a\u202eb", RuleControlChars},
		{"tabs kept", "a\tb", false, "a\tb", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fe := ParseCommentBody(tt.body, tt.hasFiles)
			if got != tt.want {
				t.Errorf("body = %q, want %q", got, tt.want)
			}
			rule := ""
			if fe != nil {
				rule = fe.Rule
				if fe.Field != "comment.body" {
					t.Errorf("field = %q, want comment.body", fe.Field)
				}
			}
			if rule != tt.rule {
				t.Errorf("rule = %q, want %q", rule, tt.rule)
			}
		})
	}
}
