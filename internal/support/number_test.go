package support_test

import (
	"encoding/json"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want support.Number
		rule string
	}{
		{in: "CG42N1-1042", want: support.Number{Prefix: "CG42N1", Seq: 1042}},
		{in: "cg42n1-1042", want: support.Number{Prefix: "CG42N1", Seq: 1042}},
		{in: "Cg42N1-1042", want: support.Number{Prefix: "CG42N1", Seq: 1042}},
		{in: "  CG42N1-1042 ", want: support.Number{Prefix: "CG42N1", Seq: 1042}},
		{in: "1042", want: support.Number{Seq: 1042}},
		{in: "#1042", want: support.Number{Seq: 1042}},
		{in: "#CG42N1-7", want: support.Number{Prefix: "CG42N1", Seq: 7}},
		{in: "1", want: support.Number{Seq: 1}},
		{in: "A-1", want: support.Number{Prefix: "A", Seq: 1}},
		{in: "ABCDEFGHIJKLMNOP-1", want: support.Number{Prefix: "ABCDEFGHIJKLMNOP", Seq: 1}}, // 16, the longest prefix
		{in: "999999999999999999", want: support.Number{Seq: 999999999999999999}},            // 18 digits
		{in: "0", rule: support.RuleNumber},
		{in: "CG42N1-0", rule: support.RuleNumber},
		{in: "-1042", rule: support.RuleNumber},
		{in: "CG42N1--1042", rule: support.RuleNumber},
		{in: "+1042", rule: support.RuleNumber},
		{in: "1000000000000000000", rule: support.RuleNumber}, // 19 digits
		{in: "99999999999999999999999", rule: support.RuleNumber},
		{in: "ABCDEFGHIJKLMNOPQ-1", rule: support.RuleNumber}, // 17-letter prefix
		{in: "4CG-1042", rule: support.RuleNumber},            // prefix starts with a digit
		{in: "CG_42-1042", rule: support.RuleNumber},
		{in: "CG42N1 1042", rule: support.RuleNumber},
		{in: "CG42N1-", rule: support.RuleNumber},
		{in: "CG42N1-10a", rule: support.RuleNumber},
		{in: "CG42N1-1042.0", rule: support.RuleNumber},
		{in: "1 042", rule: support.RuleNumber},
		{in: "##1042", rule: support.RuleNumber},
		{in: "１０４２", rule: support.RuleNumber},
		{in: "", rule: support.RuleRequired},
		{in: "  ", rule: support.RuleRequired},
		{in: "#", rule: support.RuleRequired},
	}
	for _, tt := range tests {
		got, fe := support.ParseNumber(tt.in)
		checkFieldError(t, tt.in, fe, "number", tt.rule)
		if tt.rule == "" && got != tt.want {
			t.Errorf("ParseNumber(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestNumberText(t *testing.T) {
	tests := []struct {
		n    support.Number
		text string
	}{
		{support.Number{Prefix: "CG42N1", Seq: 1042}, "CG42N1-1042"},
		{support.Number{Seq: 1042}, "1042"},
		{support.Number{Prefix: "X9", Seq: 999999999999999999}, "X9-999999999999999999"},
	}
	for _, tt := range tests {
		if s := tt.n.String(); s != tt.text {
			t.Errorf("String() = %q, want %q", s, tt.text)
		}
		b, err := tt.n.MarshalText()
		if err != nil || string(b) != tt.text {
			t.Errorf("MarshalText() = %q, %v", b, err)
		}
		var back support.Number
		if err := back.UnmarshalText(b); err != nil || back != tt.n {
			t.Errorf("UnmarshalText(%q) = %#v, %v", b, back, err)
		}
		// As a JSON value, a Number is a string.
		j, err := json.Marshal(struct{ N support.Number }{tt.n})
		if err != nil || string(j) != `{"N":"`+tt.text+`"}` {
			t.Errorf("json = %s, %v", j, err)
		}
		var v struct{ N support.Number }
		if err := json.Unmarshal(j, &v); err != nil || v.N != tt.n {
			t.Errorf("json back = %#v, %v", v.N, err)
		}
	}
}

func TestNumberZeroRoundTrips(t *testing.T) {
	// A ticket not numbered yet (a draft, the outbox) must survive JSON.
	var zero support.Number
	if !zero.IsZero() {
		t.Fatal("zero Number is not IsZero")
	}
	j, err := json.Marshal(struct{ N support.Number }{zero})
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ N support.Number }
	if err := json.Unmarshal(j, &v); err != nil || !v.N.IsZero() {
		t.Errorf("zero Number through JSON %s: %#v, %v", j, v.N, err)
	}
}

func TestNumberUnmarshalTextRefuses(t *testing.T) {
	var n support.Number
	err := n.UnmarshalText([]byte("CG42N1-x"))
	if support.ErrorCode(err) != support.EINVALID {
		t.Fatalf("err = %v, want EINVALID", err)
	}
	if e := support.AsError(err); len(e.Fields) != 1 || e.Fields[0].Rule != support.RuleNumber {
		t.Errorf("fields = %+v", e.Fields)
	}
	if !n.IsZero() {
		t.Errorf("n changed on error: %#v", n)
	}
}

func TestValidPrefix(t *testing.T) {
	for p, want := range map[string]bool{
		"CG42N1": true, "A": true, "A1": true, "ABCDEFGHIJKLMNOP": true,
		"": false, "1A": false, "cg42": false, "ABCDEFGHIJKLMNOPQ": false, "A-B": false, "É": false,
	} {
		if got := support.ValidPrefix(p); got != want {
			t.Errorf("ValidPrefix(%q) = %v, want %v", p, got, want)
		}
	}
}
