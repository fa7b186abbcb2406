package locale

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

// Every key must exist in both languages, with the same placeholders.
func TestCatalogsHaveTheSameKeys(t *testing.T) {
	fr, err := Keys(FR)
	if err != nil {
		t.Fatal(err)
	}
	en, err := Keys(EN)
	if err != nil {
		t.Fatal(err)
	}
	in := func(keys []string) map[string]bool {
		m := map[string]bool{}
		for _, k := range keys {
			m[k] = true
		}
		return m
	}
	frs, ens := in(fr), in(en)
	for k := range frs {
		if !ens[k] {
			t.Errorf("key %q is French only", k)
		}
	}
	for k := range ens {
		if !frs[k] {
			t.Errorf("key %q is English only", k)
		}
	}
	ph := regexp.MustCompile(`\{[a-z_]+\}`)
	for k := range frs {
		if !ens[k] {
			continue
		}
		a, b := ph.FindAllString(T(FR, k, nil), -1), ph.FindAllString(T(EN, k, nil), -1)
		set := func(xs []string) map[string]bool { return in(xs) }
		if sa, sb := set(a), set(b); len(sa) != len(sb) {
			t.Errorf("key %q: placeholders differ: fr %v, en %v", k, a, b)
		} else {
			for p := range sa {
				if !sb[p] {
					t.Errorf("key %q: placeholder %s missing in English", k, p)
				}
			}
		}
	}
}

// Every rule of the domain and every error code has a message.
func TestEveryRuleAndCodeHasAMessage(t *testing.T) {
	rules := []string{support.RuleRequired, support.RuleLength, support.RuleNameChars, support.RuleFunction,
		support.RulePhone, support.RuleEmail, support.RuleUAIFormat, support.RuleUAIKey, support.RuleUAIUnknown,
		support.RulePopulation, support.RulePriority, support.RuleLocation, support.RuleNumber, support.RuleRole,
		support.RuleFileType, support.RuleFileSize, support.RuleTicketSize, support.RuleFileEmpty,
		support.RuleFileCount, support.RuleFileUnreadable, support.RuleUnknownKey, support.RuleSyntax,
		support.RuleStatus, support.RuleDate, support.RuleLimit, support.RuleControlChars, support.RuleAssignee}
	codes := []string{support.EINVALID, support.EUNAUTHENTICATED, support.EFORBIDDEN, support.ENOTFOUND,
		support.ECONFLICT, support.ETOOLARGE, support.EUNAVAILABLE, support.ERATELIMITED, support.EINTERNAL}
	for _, lang := range []string{FR, EN} {
		for _, r := range rules {
			if !Has(lang, "rule."+r) {
				t.Errorf("%s: no message for rule %q", lang, r)
			}
		}
		for _, c := range codes {
			if !Has(lang, "code."+c) {
				t.Errorf("%s: no message for code %q", lang, c)
			}
		}
	}
}

func TestFieldNamesTheFieldAndTheRule(t *testing.T) {
	fe := support.FieldError{Field: "reporter.phone", Rule: support.RulePhone}
	if got, want := Field(FR, fe), "Numéro de téléphone (reporter.phone) : doit être un numéro français"; got[:len(want)] != want {
		t.Errorf("fr: got %q", got)
	}
	if got, want := Field(EN, fe), "Phone number (reporter.phone): must be a French number"; got[:len(want)] != want {
		t.Errorf("en: got %q", got)
	}
	fe = support.FieldError{Field: "establishment.uai", Rule: support.RuleUAIKey, Params: map[string]string{"expected": "0010001W"}}
	if got := Rule(FR, fe); got != "la lettre clé ne correspond pas aux 7 chiffres : vouliez-vous dire 0010001W ?" {
		t.Errorf("got %q", got)
	}
	// A message written by a server is kept.
	if got := Field(EN, support.FieldError{Field: "x", Rule: "y", Message: "from server"}); got != "from server" {
		t.Errorf("got %q", got)
	}
}

func TestLanguageChoice(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{nil, FR},
		{map[string]string{"LANG": "en"}, EN},
		{map[string]string{"LANG": "en_GB.UTF-8"}, EN},
		{map[string]string{"LANG": "fr_FR.UTF-8"}, FR},
		{map[string]string{"LANG": "C.UTF-8"}, FR},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_ALL": "fr_FR.UTF-8"}, FR},
		{map[string]string{"LANG": "fr_FR", "LC_MESSAGES": "en_US"}, EN},
	} {
		if got := FromEnv(env(tc.env)); got != tc.want {
			t.Errorf("FromEnv(%v) = %s, want %s", tc.env, got, tc.want)
		}
	}
	for h, want := range map[string]string{
		"": FR, "en": EN, "en-US,en;q=0.9": EN, "fr-FR,fr;q=0.9,en;q=0.8": FR,
		"de-DE,en;q=0.5": EN, "de": FR, "fr;q=0.4,en;q=0.8": EN, "*": FR,
	} {
		if got := FromAcceptLanguage(h); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %s, want %s", h, got, want)
		}
	}
}

func TestUnknownKeyIsVisible(t *testing.T) {
	if got := T(FR, "no.such.key", nil); got != "no.such.key" {
		t.Errorf("got %q", got)
	}
}

// An example shown to people must itself be valid: a UAI in a message
// with a wrong key letter teaches the mistake the form then refuses.
func TestExampleUAIsAreValid(t *testing.T) {
	uai := regexp.MustCompile(`\b[0-9]{7}[A-Z]\b`)
	for _, lang := range []string{FR, EN} {
		keys, _ := Keys(lang)
		for _, k := range keys {
			for _, code := range uai.FindAllString(T(lang, k, nil), -1) {
				if _, fe := support.ParseUAI(code); fe != nil {
					t.Errorf("%s %s: example UAI %s is invalid (%s)", lang, k, code, fe.Rule)
				}
			}
		}
	}
}

// TestNoSupportNumberAsExample: the support and maintenance lines are shown
// only by `contact` (from the server's or the procedure's channels, never
// from a message); no message uses them, or the retired address, as an
// example a reporter would copy as their own.
func TestNoSupportNumberAsExample(t *testing.T) {
	for _, lang := range []string{FR, EN} {
		keys, err := Keys(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			msg := T(lang, k, nil)
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, msg)
			for _, n := range []string{"477484141", "805694205"} {
				if strings.Contains(digits, n) {
					t.Errorf("%s %s uses the support line %s: %q", lang, k, n, msg)
				}
			}
			if strings.Contains(msg, "ent@loire.fr") {
				t.Errorf("%s %s names the retired address: %q", lang, k, msg)
			}
		}
	}
}
