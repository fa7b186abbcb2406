package locale

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// argWord is an argument's name in a usage line: a word in capitals
// (NUMBER, FILE, E-MAIL), compiled on first use.
var argWord = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*\b`)
})

// ArgWords returns the argument names of a usage line (the words in
// capitals), each once, in order.
func ArgWords(line string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range argWord().FindAllString(line, -1) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// ArgKey is the catalog key of an argument's name: "arg.number" for
// NUMBER, "arg.e_mail" for E-MAIL.
func ArgKey(word string) string {
	return "arg." + strings.ReplaceAll(strings.ToLower(word), "-", "_")
}

// Args writes the argument names of a usage line in lang: "show NUMBER"
// is "show NUMÉRO" in French. A name with no key is left as it is (a test
// of the command tree finds it).
func Args(lang, line string) string {
	return argWord().ReplaceAllStringFunc(line, func(w string) string {
		if k := ArgKey(w); Has(lang, k) {
			return T(lang, k, nil)
		}
		return w
	})
}

// Duration writes d for people, with the SI symbols both languages read
// (h, min, s, ms) and whole days in words: "2 min", "1 h 30 min",
// "30 jours" / "30 days".
func Duration(lang string, d time.Duration) string {
	if d < 0 {
		return "-" + Duration(lang, -d)
	}
	const day = 24 * time.Hour
	if d >= day && d%day == 0 {
		return N(lang, "duration.days", int(d/day), nil)
	}
	var parts []string
	for _, u := range []struct {
		unit time.Duration
		sym  string
	}{{time.Hour, "h"}, {time.Minute, "min"}, {time.Second, "s"}, {time.Millisecond, "ms"}} {
		if n := d / u.unit; n > 0 {
			parts = append(parts, strconv.FormatInt(int64(n), 10)+" "+u.sym)
			d -= n * u.unit
		}
	}
	if len(parts) == 0 {
		return "0 s"
	}
	return strings.Join(parts, " ")
}

// Label writes a label before its value, with the language's colon:
// "Historique :" in French, "History:" in English.
func Label(lang, label string) string {
	return T(lang, "format.label", map[string]string{"label": label})
}

// LabelCell is a label in a tabwriter column of label/value pairs: the
// French colon stands aligned before the values ("Objet   : …"), the
// English one sticks to its label ("Subject:  …").
func LabelCell(lang, label string) string {
	if lang == EN {
		return Label(lang, label) + "\t"
	}
	return label + "\t: "
}
