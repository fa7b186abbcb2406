package locale

import (
	"strconv"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// N returns the message of key for a count n, in the plural form that n
// takes in lang, with {count} set to n unless params sets it (a caller may
// write the count its own way: "20+").
//
// A message that depends on a number is kept in the catalogs as one key
// per form: key.one and key.other (key.many where a language has it,
// else .other stands for it). Which form a number takes is the language's
// rule, from the Unicode CLDR through golang.org/x/text: in French 0 and 1
// are singular ("0 ticket", "1 ticket", "2 tickets"), in English only 1
// is ("0 tickets", "1 ticket").
func N(lang, key string, n int, params map[string]string) string {
	p := map[string]string{"count": strconv.Itoa(n)}
	for k, v := range params {
		p[k] = v
	}
	if _, err := strconv.Atoi(p["count"]); err != nil {
		// A count written its own way takes n's form.
		if form := key + "." + PluralForm(lang, n); Has(lang, form) {
			return T(lang, form, p)
		}
	}
	return T(lang, key, p)
}

// PluralForm names the plural form of n in lang: "one", "many" or
// "other".
func PluralForm(lang string, n int) string {
	tag := language.French
	if lang == EN {
		tag = language.English
	}
	if n < 0 {
		n = -n
	}
	switch plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0) {
	case plural.One:
		return "one"
	case plural.Many:
		return "many"
	}
	return "other"
}
