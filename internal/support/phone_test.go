package support_test

import (
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

func TestParsePhone(t *testing.T) {
	tests := []struct{ in, want, rule string }{
		{in: "06 39 98 12 34", want: "+33639981234"},
		{in: "0639981234", want: "+33639981234"},
		{in: "06.39.98.12.34", want: "+33639981234"},
		{in: "06-39-98-12-34", want: "+33639981234"},
		{in: " 06 39.98-12 34 ", want: "+33639981234"},
		{in: "06\u00a039\u00a098\u00a012\u00a034", want: "+33639981234"}, // no-break spaces from a word processor
		{in: "06 12 34 56 78", want: "+33612345678"},
		{in: "+33639981234", want: "+33639981234"},
		{in: "+33 6 39 98 12 34", want: "+33639981234"},
		{in: "+33.6.39.98.12.34", want: "+33639981234"},
		{in: "0033 6 39 98 12 34", want: "+33639981234"},
		{in: "0033639981234", want: "+33639981234"},
		{in: "+33 (0)6 39 98 12 34", want: "+33639981234"},
		{in: "+33(0)639981234", want: "+33639981234"},
		{in: "0033 (0)6 39 98 12 34", want: "+33639981234"},
		// Wrong lengths.
		{in: "04 77 48 41 4", rule: support.RulePhone},
		{in: "06 39 98 12 34 1", rule: support.RulePhone},
		{in: "+33 4 77 48 41 4", rule: support.RulePhone},
		{in: "+33 6 39 98 12 34 1", rule: support.RulePhone},
		{in: "639981234", rule: support.RulePhone}, // 9 digits, no 0
		// The trunk 0 is not written after +33.
		{in: "+33 0 6 39 98 12 34", rule: support.RulePhone},
		{in: "+330639981234", rule: support.RulePhone},
		{in: "00 6 39 98 12 34", rule: support.RulePhone},
		{in: "0044 20 7946 0958", rule: support.RulePhone}, // another country
		{in: "+44 20 7946 0958", rule: support.RulePhone},
		{in: "00639981234", rule: support.RulePhone},
		{in: "0000000000", rule: support.RulePhone},
		// "(0)" belongs after the country code only: elsewhere it would
		// hide a digit too many.
		{in: "04 77 (0)48 41 41", rule: support.RulePhone},
		{in: "(0)6 39 98 12 34", rule: support.RulePhone},
		{in: "06 39 98 12 34(0)", rule: support.RulePhone},
		{in: "+33 (0)(0)6 39 98 12 34", rule: support.RulePhone},
		// Letters and other characters.
		{in: "04 77 48 41 4l", rule: support.RulePhone},
		{in: "tel: 0639981234", rule: support.RulePhone},
		{in: "04/77/48/41/41", rule: support.RulePhone},
		{in: "06 39 98 12 34+", rule: support.RulePhone},
		{in: "++33639981234", rule: support.RulePhone},
		{in: "０４７７４８４１４１", rule: support.RulePhone},
		{in: "", rule: support.RuleRequired},
		{in: " \t", rule: support.RuleRequired},
	}
	for _, tt := range tests {
		got, fe := support.ParsePhone(tt.in)
		checkFieldError(t, tt.in, fe, "reporter.phone", tt.rule)
		if tt.rule == "" && got != tt.want {
			t.Errorf("ParsePhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+33639981234", "06 39 98 12 34"},
		{"+33612345678", "06 12 34 56 78"},
		// Anything that is not a French E.164 is shown as it is.
		{"+3347748414", "+3347748414"},
		{"+441234567890", "+441234567890"},
		{"0639981234", "0639981234"},
		{"+33a77484141", "+33a77484141"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := support.FormatPhone(tt.in); got != tt.want {
			t.Errorf("FormatPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// What FormatPhone shows of a valid number reads back as that number.
		if tt.in != tt.want {
			if back, fe := support.ParsePhone(tt.want); fe != nil || back != tt.in {
				t.Errorf("ParsePhone(FormatPhone(%q)) = %q, %v", tt.in, back, fe)
			}
		}
	}
}
