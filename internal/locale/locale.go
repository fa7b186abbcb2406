// Package locale holds the French and English messages of ent-support and
// picks the language: French by default, English when LANG (or LC_ALL,
// LC_MESSAGES) starts with "en", or per request from Accept-Language.
//
// Translations are data: catalog/<lang>/*.json, one flat object of
// key -> message per file, merged. Each layer keeps its own file (core,
// cli, server...) so they can grow independently; a test fails when a key
// exists in one language only.
package locale

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ent-support/ent-support/internal/support"
)

// Languages.
const (
	FR = "fr"
	EN = "en"
)

//go:embed catalog
var files embed.FS

// One catalog per language, each read on first use: a command reads only
// the language it speaks, and --version or a TAB completion that prints no
// message reads none.
var catalogs = map[string]func() loaded{
	FR: sync.OnceValue(func() loaded { return load(FR) }),
	EN: sync.OnceValue(func() loaded { return load(EN) }),
}

type loaded struct {
	m   map[string]string
	err error
}

// catalogSize is about the number of keys of a language, so that the map
// is not grown and rehashed a dozen times while it is read.
const catalogSize = 1536

func load(lang string) loaded {
	entries, err := fs.ReadDir(files, "catalog/"+lang)
	if err != nil {
		return loaded{map[string]string{}, err}
	}
	m := make(map[string]string, catalogSize)
	for _, e := range entries {
		name := path.Join("catalog", lang, e.Name())
		b, err := files.ReadFile(name)
		if err != nil {
			return loaded{m, err}
		}
		err = parseFlat(b, func(k, v string) error {
			if _, dup := m[k]; dup {
				return fmt.Errorf("catalog %s: key %q defined twice", lang, k)
			}
			m[k] = v
			return nil
		})
		if errors.Is(err, errNotFlat) {
			var part map[string]string
			if err = json.Unmarshal(b, &part); err == nil {
				err = errNotFlat
			}
		}
		if err != nil {
			return loaded{m, fmt.Errorf("catalog %s/%s: %w", lang, e.Name(), err)}
		}
	}
	return loaded{m, nil}
}

func catalog(lang string) map[string]string {
	if lang != EN {
		lang = FR
	}
	return catalogs[lang]().m
}

// Keys returns the sorted keys of a language's catalog, and the load error.
func Keys(lang string) ([]string, error) {
	m := catalog(lang)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if lang != EN {
		lang = FR
	}
	return keys, catalogs[lang]().err
}

// Has reports whether key exists in the language's catalog, as one
// message or as plural forms (key.one, key.other).
func Has(lang, key string) bool {
	m := catalog(lang)
	_, ok := m[key]
	if !ok {
		_, ok = m[key+".other"]
	}
	return ok
}

// T returns the message of key in lang with its {param} placeholders
// replaced. An unknown key returns the key itself, so a missing message is
// visible rather than silent.
//
// A message that depends on a number has one key per plural form (key.one,
// key.other, see N): T picks the form of params["count"] in lang, and
// .other when the count is not a plain number ("20+").
func T(lang, key string, params map[string]string) string {
	m := catalog(lang)
	msg, ok := m[key]
	if !ok {
		if msg, ok = m[key+".other"]; !ok {
			return key
		}
		if n, err := strconv.Atoi(params["count"]); err == nil {
			if form, ok := m[key+"."+PluralForm(lang, n)]; ok {
				msg = form
			}
		}
	}
	if len(params) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	pairs := make([]string, 0, 2*len(params))
	for k, v := range params {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(msg)
}

// FromEnv picks the language from the environment: LC_ALL, then
// LC_MESSAGES, then LANG; "en..." means English, anything else French.
func FromEnv(getenv func(string) string) string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := getenv(v); s != "" {
			return fromTag(s)
		}
	}
	return FR
}

// FromAcceptLanguage picks the language of an HTTP request: the first of
// fr or en in the header's order of preference, French when neither.
func FromAcceptLanguage(h string) string {
	best, bestQ := FR, -1.0
	for i, part := range strings.Split(h, ",") {
		tag, q := strings.TrimSpace(part), 1.0
		if j := strings.Index(tag, ";"); j >= 0 {
			fmt.Sscanf(strings.TrimSpace(tag[j+1:]), "q=%g", &q)
			tag = strings.TrimSpace(tag[:j])
		}
		l := strings.ToLower(tag)
		if !strings.HasPrefix(l, "fr") && !strings.HasPrefix(l, "en") {
			continue
		}
		// Earlier entries win ties: the header's order is the user's.
		if q > bestQ || (q == bestQ && i == 0) {
			best, bestQ = fromTag(l), q
		}
	}
	return best
}

func fromTag(s string) string {
	if strings.HasPrefix(strings.ToLower(s), "en") {
		return EN
	}
	return FR
}

// FieldLabel returns the label people know a field by ("Numéro de
// téléphone"), or the field's key when it has none.
func FieldLabel(lang, field string) string {
	if k := "field." + field; Has(lang, k) {
		return T(lang, k, nil)
	}
	return field
}

// Rule returns the message of a field error's rule, without the field.
func Rule(lang string, fe support.FieldError) string {
	k := "rule." + fe.Rule
	if Has(lang, "rule."+fe.Field+"."+fe.Rule) {
		k = "rule." + fe.Field + "." + fe.Rule
	}
	if !Has(lang, k) && fe.Message != "" {
		return fe.Message
	}
	return T(lang, k, sizeParams(lang, fe))
}

// Field returns a field error as one line naming the field and the rule:
// "Numéro de téléphone (reporter.phone) : ...". A message already written
// by a server is kept as it is.
func Field(lang string, fe support.FieldError) string {
	if fe.Message != "" {
		return fe.Message
	}
	return T(lang, "format.field_error", map[string]string{
		"label": FieldLabel(lang, fe.Field), "field": fe.Field, "message": Rule(lang, fe),
	})
}

// Message returns the one-line message of an error in lang: the catalog's
// message for a support.Error with a key, the server's text otherwise.
func Message(lang string, err error) string {
	e := support.AsError(err)
	if e.Key != "" && Has(lang, e.Key) {
		return T(lang, e.Key, e.Params)
	}
	if e.Message != "" {
		return e.Message
	}
	if k := "code." + e.Code; Has(lang, k) {
		return T(lang, k, nil)
	}
	return err.Error()
}
