package comment

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/support"
)

// Flags → options.
func TestNewCmdCommentFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    CommentOptions
		wantErr bool
	}{
		{"message", []string{"1042", "--message", "Toujours en panne"}, CommentOptions{Number: "1042", Message: "Toujours en panne"}, false},
		{"file and attachments", []string{"CG42N1-7", "--message-file", "-", "--attach", "a.png", "--attach", "b.pdf", "--json"},
			CommentOptions{Number: "CG42N1-7", MessageFile: "-", Attach: []string{"a.png", "b.pdf"}, JSON: true}, false},
		{"no number", []string{"--message", "x"}, CommentOptions{}, true},
		{"message and message file", []string{"1", "--message", "x", "--message-file", "f"}, CommentOptions{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _, _ := cmdtest.Factory(t, cmdtest.NewTickets())
			var got *CommentOptions
			cmd := NewCmdComment(f, func(o *CommentOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(f.IOStreams.ErrOut)
			cmd.SetErr(f.IOStreams.ErrOut)
			err := cmd.Execute()
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tt.want, got, cmpopts.IgnoreFields(CommentOptions{}, "IO", "Lang", "Tickets", "Info", "Identity", "Ctx")); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

// pngFile writes a small real PNG signature padded to size bytes.
func pngFile(t *testing.T, dir, name string, size int) string {
	t.Helper()
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	b = append(b, make([]byte, max(0, size-len(b)))...)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Options → behaviour.
func TestCommentRun(t *testing.T) {
	dir := t.TempDir()
	capture := pngFile(t, dir, "capture.png", 2000)
	big := pngFile(t, dir, "big.png", 3000)
	exe := filepath.Join(dir, "setup.png")
	os.WriteFile(exe, append([]byte("MZ\x90\x00"), make([]byte, 300)...), 0o600)
	msgFile := filepath.Join(dir, "msg.txt")
	os.WriteFile(msgFile, []byte("Depuis un fichier.\r\n"), 0o600)

	tests := []struct {
		name      string
		opts      CommentOptions
		stdin     string
		wantOut   string
		wantBody  string
		wantFiles int
		wantRules []string // field rules of an error; nothing sent
		wantCode  string
	}{
		{name: "message", opts: CommentOptions{Number: "1", Message: "Toujours en panne."}, wantOut: "1\n", wantBody: "Toujours en panne."},
		{name: "file and message", opts: CommentOptions{Number: "cg42n1-1", Message: "Voir capture", Attach: []string{capture}}, wantOut: "1\n", wantBody: "Voir capture", wantFiles: 1},
		{name: "files only", opts: CommentOptions{Number: "1", Attach: []string{capture}}, wantOut: "1\n", wantFiles: 1},
		{name: "message file", opts: CommentOptions{Number: "1", MessageFile: msgFile}, wantOut: "1\n", wantBody: "Depuis un fichier."},
		{name: "stdin", opts: CommentOptions{Number: "1", MessageFile: "-"}, stdin: "Depuis l'entrée.\n", wantOut: "1\n", wantBody: "Depuis l'entrée."},
		{name: "json", opts: CommentOptions{Number: "1", Message: "x", JSON: true}, wantOut: `"body": "x"`, wantBody: "x"},
		{name: "empty message", opts: CommentOptions{Number: "1", Message: "  "}, wantRules: []string{support.RuleRequired}},
		{name: "every problem at once", opts: CommentOptions{Number: "1", Message: "a\x1b[2Jb", Attach: []string{exe, big, filepath.Join(dir, "absent.png")}},
			wantRules: []string{support.RuleControlChars, support.RuleFileType, support.RuleFileSize, support.RuleFileUnreadable}},
		{name: "unknown ticket", opts: CommentOptions{Number: "99", Message: "x"}, wantCode: support.ENOTFOUND},
		{name: "bad number", opts: CommentOptions{Number: "abc", Message: "x"}, wantCode: support.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := cmdtest.NewTickets()
			fake.Info_.Limits.MaxFileSize = 2500
			fake.Tickets = []*support.Ticket{{TicketSummary: support.TicketSummary{Number: support.Number{Prefix: "CG42N1", Seq: 1}}}}
			f, in, out, _ := cmdtest.Factory(t, fake)
			in.WriteString(tt.stdin)
			opts := tt.opts
			opts.IO, opts.Lang, opts.Tickets, opts.Info = f.IOStreams, f.Lang, f.Tickets, f.Info
			err := commentRun(&opts)
			comments := fake.Tickets[0].Comments
			if tt.wantRules != nil || tt.wantCode != "" {
				if len(comments) != 0 {
					t.Errorf("a comment was sent: %+v", comments)
				}
				if tt.wantCode != "" {
					if code := support.ErrorCode(err); code != tt.wantCode {
						t.Errorf("error %v: code %q, want %q", err, code, tt.wantCode)
					}
					return
				}
				var rules []string
				for _, fe := range support.AsError(err).Fields {
					rules = append(rules, fe.Rule)
				}
				if diff := cmp.Diff(tt.wantRules, rules); diff != "" {
					t.Errorf("rules of %v (-want +got):\n%s", err, diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(comments) != 1 || comments[0].Body != tt.wantBody || len(comments[0].Attachments) != tt.wantFiles {
				t.Fatalf("comments = %+v", comments)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout %q, want %q", out.String(), tt.wantOut)
			}
			if tt.wantFiles > 0 {
				if b, _ := os.ReadFile(capture); string(fake.Files[comments[0].Attachments[0].ID]) != string(b) {
					t.Error("the file sent differs from the file on disk")
				}
			}
		})
	}
}
