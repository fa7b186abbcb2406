package support_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ent-support/ent-support/internal/support"
)

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"CG42N1-1042", "cg42n1-1042", "1042", "#1042", "0", "-1", "CG42N1--1",
		"999999999999999999", "9999999999999999999", "ABCDEFGHIJKLMNOP-1", "#", " # 1", "ſ-1", "+1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, fe := support.ParseNumber(s)
		if fe != nil {
			if fe.Field != "number" || (fe.Rule != support.RuleNumber && fe.Rule != support.RuleRequired) {
				t.Fatalf("ParseNumber(%q): unexpected error %+v", s, *fe)
			}
			if !n.IsZero() {
				t.Fatalf("ParseNumber(%q) returned %#v with an error", s, n)
			}
			return
		}
		if n.Seq <= 0 || (n.Prefix != "" && !support.ValidPrefix(n.Prefix)) {
			t.Fatalf("ParseNumber(%q) = %#v: not a valid number", s, n)
		}
		// A number reads back from what is shown of it, and from its text form.
		back, fe := support.ParseNumber(n.String())
		if fe != nil || back != n {
			t.Fatalf("ParseNumber(%q) = %#v, but its String %q re-parses as %#v, %v", s, n, n.String(), back, fe)
		}
		b, _ := n.MarshalText()
		var u support.Number
		if err := u.UnmarshalText(b); err != nil || u != n {
			t.Fatalf("text round trip of %#v: %#v, %v", n, u, err)
		}
		// The lower-case form is accepted too, as the same number.
		if low, fe := support.ParseNumber(strings.ToLower(n.String())); fe != nil || low != n {
			t.Fatalf("lower case of %q: %#v, %v", n.String(), low, fe)
		}
	})
}

var uaiShape = regexp.MustCompile(`^[0-9]{7}[A-Z]$`)

func FuzzParseUAI(f *testing.F) {
	for _, s := range []string{"0010001W", "0010001w", " 001 0001 W ", "0010001X", "001001W", "00A0001W", "", "0010001ſ", "0010001ı"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, fe := support.ParseUAI(s)
		if fe != nil {
			if fe.Field != "establishment.uai" {
				t.Fatalf("ParseUAI(%q): field %q", s, fe.Field)
			}
			switch fe.Rule {
			case support.RuleRequired, support.RuleUAIFormat:
			case support.RuleUAIKey:
				// The code suggested is the same digits with the right key,
				// and is itself accepted.
				exp := fe.Params["expected"]
				if got, fe2 := support.ParseUAI(exp); fe2 != nil || got != exp {
					t.Fatalf("ParseUAI(%q) suggests %q, which is refused: %v", s, exp, fe2)
				}
			default:
				t.Fatalf("ParseUAI(%q): unexpected rule %q", s, fe.Rule)
			}
			return
		}
		if !uaiShape.MatchString(u) {
			t.Fatalf("ParseUAI(%q) = %q: not 7 digits and a letter", s, u)
		}
		if key := support.UAIKey(u[:7]); u[7] != key {
			t.Fatalf("ParseUAI(%q) = %q: the key should be %c", s, u, key)
		}
		if again, fe := support.ParseUAI(u); fe != nil || again != u {
			t.Fatalf("ParseUAI(%q) = %q, which re-parses as %q, %v", s, u, again, fe)
		}
		// The digits accepted are the digits typed.
		if !strings.Contains(asciiDigits(s), u[:7]) {
			t.Fatalf("ParseUAI(%q) = %q: digits not in the input", s, u)
		}
	})
}

var e164FR = regexp.MustCompile(`^\+33[1-9][0-9]{8}$`)

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"06 39 98 12 34", "06.39.98.12.34", "+33 6 39 98 12 34", "0033639981234",
		"+33 (0)6 39 98 12 34", "+330639981234", "04 77 (0)48 41 41", "", "0000000000", "+33(0)(0)639981234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, fe := support.ParsePhone(s)
		if fe != nil {
			if fe.Field != "reporter.phone" || (fe.Rule != support.RulePhone && fe.Rule != support.RuleRequired) {
				t.Fatalf("ParsePhone(%q): unexpected error %+v", s, *fe)
			}
			return
		}
		if !e164FR.MatchString(p) {
			t.Fatalf("ParsePhone(%q) = %q: not +33 and 9 digits", s, p)
		}
		// The 9 digits kept were typed, in that order, at the end.
		if !strings.HasSuffix(asciiDigits(s), p[3:]) {
			t.Fatalf("ParsePhone(%q) = %q: digits not from the input", s, p)
		}
		if again, fe := support.ParsePhone(p); fe != nil || again != p {
			t.Fatalf("ParsePhone(%q) = %q, which re-parses as %q, %v", s, p, again, fe)
		}
		shown := support.FormatPhone(p)
		if len(shown) != 14 || shown[0] != '0' {
			t.Fatalf("FormatPhone(%q) = %q", p, shown)
		}
		if back, fe := support.ParsePhone(shown); fe != nil || back != p {
			t.Fatalf("ParsePhone(FormatPhone(%q)) = %q, %v", p, back, fe)
		}
	})
}

func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{"https://ent.example.fr/cdt", "http://a", "HTTP://A/b?c#d", "https://", "ftp://x",
		"javascript:alert(1)", "Accueil > Disciplines > SVT", "A>B", " A  >B ", "A", "A > > B", "A >\nB",
		strings.Repeat("a>", 700) + "a", "http://x > y", "https://[::1]:80/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, fe := support.ParseLocation(s)
		if fe != nil {
			if fe.Field != "location" || (fe.Rule != support.RuleLocation && fe.Rule != support.RuleRequired) {
				t.Fatalf("ParseLocation(%q): unexpected error %+v", s, *fe)
			}
			return
		}
		if !utf8.ValidString(l) || utf8.RuneCountInString(l) > support.LocationMax || strings.ContainsAny(l, "\r\n") {
			t.Fatalf("ParseLocation(%q) = %q: breaks the rule it checks", s, l)
		}
		if again, fe := support.ParseLocation(l); fe != nil || again != l {
			t.Fatalf("ParseLocation(%q) = %q, which re-parses as %q, %v", s, l, again, fe)
		}
		low := strings.ToLower(l)
		if strings.HasPrefix(low, "http://") || strings.HasPrefix(low, "https://") {
			return
		}
		segs := strings.Split(l, " > ")
		if len(segs) < 2 {
			t.Fatalf("ParseLocation(%q) = %q: a breadcrumb of one segment", s, l)
		}
		for _, seg := range segs {
			if seg == "" || seg != strings.Join(strings.Fields(seg), " ") || strings.Contains(seg, ">") {
				t.Fatalf("ParseLocation(%q) = %q: segment %q not normalised", s, l, seg)
			}
		}
	})
}

// fieldOrder is the order of the ticket's fields: Normalize reports its
// errors in this order.
var fieldOrder = []string{"reporter.name", "reporter.function", "reporter.phone", "reporter.email",
	"establishment.uai", "establishment.name", "establishment.city", "subject", "population",
	"description", "location", "priority"}

func reported(errs []support.FieldError) map[string]bool {
	m := map[string]bool{}
	for _, e := range errs {
		m[e.Field] = true
	}
	return m
}

// FuzzTicketJSON follows the `new --from-file` path: the JSON is decoded
// into a TicketInput and normalised.
func FuzzTicketJSON(f *testing.F) {
	valid, _ := json.Marshal(validInput())
	f.Add(valid)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"reporter":{"name":"--","phone":"+33 (0)6 39 98 12 34"},"population":["tous","x"]}`))
	f.Add([]byte(`{"description":"a\r\r\nb","location":"a>b","subject":"\u00e9\u00e9\u00e9\u00e9\u00e9"}`))
	f.Add([]byte(`{"population":null,"priority":"MAJEURE","establishment":{"uai":"0010001x"}}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in support.TicketInput
		if err := json.Unmarshal(data, &in); err != nil {
			return
		}
		out, errs := in.Normalize()
		last := -1
		for _, e := range errs {
			i := slices.Index(fieldOrder, e.Field)
			if i < 0 || i < last || e.Rule == "" {
				t.Fatalf("error %+v out of place in %v", e, fieldsOf(errs))
			}
			last = i
		}
		again, errs2 := out.Normalize()
		if len(errs) == 0 {
			// Idempotent on its own output.
			if len(errs2) != 0 || diff(out, again) != "" {
				t.Fatalf("Normalize not idempotent: %v\n%s", fieldsOf(errs2), diff(out, again))
			}
			// What the client sends, the server accepts as it is.
			j, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			var wire support.TicketInput
			if err := json.Unmarshal(j, &wire); err != nil {
				t.Fatal(err)
			}
			if server, errs3 := wire.Normalize(); len(errs3) != 0 || diff(out, server) != "" {
				t.Fatalf("after JSON: %v\n%s", fieldsOf(errs3), diff(out, server))
			}
			return
		}
		// Never accepts what it reports: a field reported stays reported
		// when its output is checked again, and a field passed stays passed.
		r1, r2 := reported(errs), reported(errs2)
		for _, fld := range fieldOrder {
			if r1[fld] != r2[fld] {
				t.Fatalf("field %s reported %v then %v (%v then %v)", fld, r1[fld], r2[fld], fieldsOf(errs), fieldsOf(errs2))
			}
		}
	})
}

func asciiDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
