package root_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ent-support/ent-support/internal/cmd/root"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
)

// tree builds the real command tree in lang, as the binary does.
func tree(lang string) *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Lang: lang, Getenv: func(string) string { return "" },
		Now: time.Now, Location: time.UTC, Cleanup: func() {}}
	return root.NewCmdRoot(f)
}

// commands lists every command of the tree, hidden ones and help included.
func commands(c *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{c}
	for _, s := range c.Commands() {
		out = append(out, commands(s)...)
	}
	return out
}

// help is c's whole help, as `c --help` prints it.
func help(c *cobra.Command) string {
	var b bytes.Buffer
	c.SetOut(&b)
	defer c.SetOut(nil)
	if err := c.Help(); err != nil {
		return err.Error()
	}
	return b.String()
}

// The words that betray English in a French text: cobra's and pflag's own
// (type names, "default", the headings), and the argument names of usage
// lines. Whole words, case-sensitive: French has "usage" and "options".
var englishWords = regexp.MustCompile(`(?:^|[^\p{L}\d_])(default|string|stringArray|stringSlice|duration|int|int64|bool|float64|` +
	`NUMBER|FILE|KEY|VALUE|STATUS|NAME|EMAIL|COMMAND|Usage|Flags|flags|Global Flags|Available Commands|Examples|` +
	`help for|Use "|DEPRECATED|the|and|or|with|of|for|to)(?:[^\p{L}\d_]|$)`)

// englishColon is a colon glued to its word before a space or the end,
// the English way; French puts a space before it ("Options :").
var englishColon = regexp.MustCompile(`[\p{L}\d)»"]:(\s|$)`)

// frenchMarks are French accents, guillemets and the French colon.
var (
	frenchLetters = regexp.MustCompile(`\p{L}*[àâçéèêëîïôûùüÿœæÀÂÇÉÈÊËÎÏÔÛÙÜŒÆ]\p{L}*`)
	frenchQuotes  = regexp.MustCompile(`[«»]`)
	frenchColon   = regexp.MustCompile(`\s:(\s|$)`)
	guessedPlural = regexp.MustCompile(`\p{L}\((s|es|ies|x)\)`)
	// A key printed instead of its message: the catalog lacks it.
	rawKey = regexp.MustCompile(`\b(cli|keep|form|rule|error|format|arg|man|field|follow|local)\.[a-z_]+\.[a-z_.]+\b`)
)

// frenchInEnglish are the French words an English text may hold: names
// of French things (the schools' "collèges", a school's name in an
// example) and the domain's values, which are French in both languages.
var frenchInEnglish = map[string]bool{"collèges": true, "Collège": true, "Côte": true, "Sécurité": true,
	"écran": true, "Ariane": true, "réseau": true, "résolu": true, "élèves": true, "Établissement": true,
	"éducation": true} // the Annuaire de l'éducation, the national directory of schools

// sameWords are the words French and English write alike: a message
// made only of them (and of names, codes, numbers, placeholders) may be
// the same in both catalogs.
var sameWords = map[string]bool{"Message": true, "Ticket": true, "Agent": true, "Parents": true, "version": true,
	"DESCRIPTION": true, "OPTIONS": true, "SYNOPSIS": true, "tab": true, "ID": true, "E": true, "MAIL": true,
	"Redmine": true, "Request": true, "Tracker": true, "RT": true, "date": true, "UAI": true, "URL": true,
	"CIDR": true, "N": true, "e": true, "mail": true}

var (
	placeholder = regexp.MustCompile(`\{[a-z_]+\}`)
	letters     = regexp.MustCompile(`\p{L}+`)
	quoted      = regexp.MustCompile(`«[^»]*»|"[^"]*"|“[^”]*”|'[^' ]*'|` + "`[^`]*`")
	commandLine = regexp.MustCompile(`(?m)^\s*(\$ )?(ent-support|ENT_SUPPORT_\w+=)\S*.*$`)
	flagName    = regexp.MustCompile(`(^|[^\p{L}\d-])--?[a-z][a-z0-9-]*`)
)

// prose is the part of a text that is written for people: without what
// is quoted (values, names), command lines and flag names.
func prose(s string) string {
	s = commandLine.ReplaceAllString(s, "")
	s = quoted.ReplaceAllString(s, "Q")
	return flagName.ReplaceAllString(s, "${1}F")
}

// problems lists what is not in lang in s: English in French, French in
// English, plurals left to the reader.
func problems(lang, s string) []string {
	var out []string
	p := prose(s)
	if m := guessedPlural.FindString(strings.ReplaceAll(p, "http(s)", "")); m != "" {
		out = append(out, fmt.Sprintf("plural left to the reader %q (use key.one / key.other and locale.N)", m))
	}
	if lang == locale.FR {
		if m := englishWords.FindStringSubmatch(p); m != nil {
			out = append(out, fmt.Sprintf("English word %q", m[1]))
		}
		if m := englishColon.FindString(p); m != "" {
			out = append(out, fmt.Sprintf("English colon %q (French writes \" :\")", m))
		}
		return out
	}
	for _, w := range frenchLetters.FindAllString(p, -1) {
		if !frenchInEnglish[w] {
			out = append(out, fmt.Sprintf("French word %q", w))
			break
		}
	}
	if m := frenchQuotes.FindString(s); m != "" {
		out = append(out, fmt.Sprintf("French quotes %q (English writes \"…\")", m))
	}
	if m := frenchColon.FindString(p); m != "" {
		out = append(out, "French colon \" :\" (English writes \":\")")
	}
	return out
}

// untranslated reports whether fr and en are the same text made of words
// that differ between the languages.
func untranslated(fr, en string) bool {
	if fr != en {
		return false
	}
	for _, w := range letters.FindAllString(placeholder.ReplaceAllString(prose(fr), ""), -1) {
		if !sameWords[w] {
			return true
		}
	}
	return false
}

// Every command's help, in French and in English, is in one language:
// the texts, the flags' value names and defaults, the usage line's
// argument names. A failure names the language, the command, the flag
// and the offending word: the fix is a catalog key (or a back-quoted
// value name in a flag's description).
func TestEveryHelpIsInOneLanguage(t *testing.T) {
	trees := map[string]*cobra.Command{locale.FR: tree(locale.FR), locale.EN: tree(locale.EN)}
	byPath := map[string]map[string]*cobra.Command{}
	for lang, r := range trees {
		byPath[lang] = map[string]*cobra.Command{}
		for _, c := range commands(r) {
			byPath[lang][c.CommandPath()] = c
		}
	}
	if len(byPath[locale.FR]) < 30 {
		t.Fatalf("only %d commands in the tree", len(byPath[locale.FR]))
	}
	for _, lang := range []string{locale.FR, locale.EN} {
		for path, c := range byPath[lang] {
			where := fmt.Sprintf("%s: %q", lang, path)
			for _, p := range problems(lang, help(c)) {
				t.Errorf("%s --help: %s", where, p)
			}
			if s := rawKey.FindString(help(c)); s != "" {
				t.Errorf("%s --help shows the key %q: it is missing from the %s catalog", where, s, lang)
			}
			if c.Short == "" {
				t.Errorf("%s has no Short", where)
			}
			// The usage line's argument names each have a name in the catalogs.
			for _, w := range locale.ArgWords(c.Use) {
				if !locale.Has(lang, locale.ArgKey(w)) {
					t.Errorf("%s: argument %s of %q has no name in the catalog (add %q)", where, w, c.Use, locale.ArgKey(w))
				}
			}
			c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
				name, usage := root.FlagValueName(lang, fl)
				flag := fmt.Sprintf("%s --%s", where, fl.Name)
				if fl.Value.Type() != "bool" && (name == "" || name == "cli.help.type."+fl.Value.Type()) {
					t.Errorf("%s: no value name for type %s: add %q to the catalogs, or a back-quoted word to its description",
						flag, fl.Value.Type(), "cli.help.type."+fl.Value.Type())
				}
				for _, p := range problems(lang, name+" "+usage) {
					t.Errorf("%s: %s", flag, p)
				}
				if d, ok := root.FlagDefault(lang, fl); ok {
					for _, p := range problems(lang, d) {
						t.Errorf("%s: default %q: %s", flag, d, p)
					}
				}
			})
		}
	}
	// The same command in the other language says something else: a text
	// written in the code, not taken from the catalogs, is the same in both.
	for path, fc := range byPath[locale.FR] {
		ec := byPath[locale.EN][path]
		if ec == nil {
			t.Errorf("%q exists in French only", path)
			continue
		}
		for _, s := range [][2]string{{fc.Short, ec.Short}, {fc.Long, ec.Long}} {
			if untranslated(s[0], s[1]) {
				t.Errorf("%q: text not translated (the same in French and English): %q", path, s[0])
			}
		}
		fc.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if el := ec.LocalFlags().Lookup(fl.Name); el != nil && untranslated(fl.Usage, el.Usage) {
				t.Errorf("%q --%s: description not translated (the same in French and English): %q", path, fl.Name, fl.Usage)
			}
		})
	}
}

// Every message of the catalogs is in its language, and a message that
// is the same in both is made of words both languages share.
func TestEveryMessageIsInOneLanguage(t *testing.T) {
	keys, err := locale.Keys(locale.FR)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		fr, en := locale.T(locale.FR, k, nil), locale.T(locale.EN, k, nil)
		for _, lang := range []string{locale.FR, locale.EN} {
			msg := map[string]string{locale.FR: fr, locale.EN: en}[lang]
			for _, p := range problems(lang, placeholder.ReplaceAllString(msg, "X")) {
				t.Errorf("%s %s: %s in %q", lang, k, p, msg)
			}
		}
		if !strings.HasSuffix(k, ".example") && untranslated(fr, en) {
			t.Errorf("%s: the same in French and English: %q", k, fr)
		}
	}
}

// Plural forms: French says 0 and 1 in the singular, English only 1; a
// message with forms has them all, in both languages.
func TestPlurals(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{locale.FR, 0, "0 autre ticket attend"}, {locale.FR, 1, "1 autre ticket attend"},
		{locale.FR, 2, "2 autres tickets attendent"},
		{locale.EN, 0, "0 other tickets wait"}, {locale.EN, 1, "1 other ticket waits"},
		{locale.EN, 2, "2 other tickets wait"},
	} {
		if got := locale.N(c.lang, "keep.outbox.others", c.n, nil); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s, %d: %q, want %q…", c.lang, c.n, got, c.want)
		}
	}
	// T picks the form from a {count} param; a count written its own way is plural.
	if got := locale.T(locale.EN, "form.uai.matches", map[string]string{"count": "1"}); !strings.HasPrefix(got, "1 establishment found") {
		t.Errorf("T with count 1: %q", got)
	}
	if got := locale.N(locale.FR, "form.uai.matches", 20, map[string]string{"count": "20+"}); !strings.HasPrefix(got, "20+ établissements trouvés") {
		t.Errorf("N with count 20+: %q", got)
	}
	if got := locale.Duration(locale.FR, 30*24*time.Hour); got != "30 jours" {
		t.Errorf("30 days in French: %q", got)
	}
	if got := locale.Duration(locale.EN, 90*time.Second); got != "1 min 30 s" {
		t.Errorf("90 s: %q", got)
	}
	for _, lang := range []string{locale.FR, locale.EN} {
		keys, _ := locale.Keys(lang)
		has := map[string]bool{}
		for _, k := range keys {
			has[k] = true
		}
		for _, k := range keys {
			if base, ok := strings.CutSuffix(k, ".one"); ok && !has[base+".other"] {
				t.Errorf("%s: %s has no .other form", lang, k)
			}
		}
	}
}
