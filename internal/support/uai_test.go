package support_test

import (
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

func TestParseUAI(t *testing.T) {
	tests := []struct {
		in, want, rule, expected string
	}{
		{in: "0010001W", want: "0010001W"}, // the documented example
		{in: "0010001w", want: "0010001W"},
		{in: "  0010001W\t", want: "0010001W"},
		{in: "001 0001 w", want: "0010001W"},
		{in: "0421234N", want: "0421234N"},
		{in: "0000000A", want: "0000000A"},
		{in: "9999999P", want: "9999999P"},
		{in: "0750650Z", want: "0750650Z"},
		// Wrong key letter: the error gives the whole corrected code.
		{in: "0010001X", rule: support.RuleUAIKey, expected: "0010001W"},
		{in: "0010001a", rule: support.RuleUAIKey, expected: "0010001W"},
		{in: "0421234I", rule: support.RuleUAIKey, expected: "0421234N"}, // I is never a key
		// Wrong shape.
		{in: "001001W", rule: support.RuleUAIFormat},
		{in: "00100011W", rule: support.RuleUAIFormat},
		{in: "0010001", rule: support.RuleUAIFormat},
		{in: "0010001WW", rule: support.RuleUAIFormat},
		{in: "00A0001W", rule: support.RuleUAIFormat},
		{in: "O010001W", rule: support.RuleUAIFormat}, // letter O for zero
		{in: "00100012", rule: support.RuleUAIFormat},
		{in: "0010001-", rule: support.RuleUAIFormat},
		{in: "００１０００１W", rule: support.RuleUAIFormat}, // full-width digits
		{in: "0010001É", rule: support.RuleUAIFormat},
		{in: "", rule: support.RuleRequired},
		{in: "   ", rule: support.RuleRequired},
	}
	for _, tt := range tests {
		got, fe := support.ParseUAI(tt.in)
		checkFieldError(t, tt.in, fe, "establishment.uai", tt.rule)
		if tt.rule == "" && got != tt.want {
			t.Errorf("ParseUAI(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if tt.expected != "" && fe != nil && fe.Params["expected"] != tt.expected {
			t.Errorf("ParseUAI(%q) expected param = %q, want %q", tt.in, fe.Params["expected"], tt.expected)
		}
	}
}

func TestUAIKeyEveryLetterReachable(t *testing.T) {
	// The alphabet has 23 letters (no I, O, Q): n mod 23 for n = 0..22 must
	// give each of them once.
	seen := map[byte]bool{}
	for n := 0; n < 23; n++ {
		d := []byte("0000000")
		d[5], d[6] = byte('0'+n/10), byte('0'+n%10)
		seen[support.UAIKey(string(d))] = true
	}
	if len(seen) != 23 || seen['I'] || seen['O'] || seen['Q'] {
		t.Errorf("keys reached: %v", seen)
	}
}
