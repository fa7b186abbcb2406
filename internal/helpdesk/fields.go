// Package helpdesk is what the back ends for helpdesks a territory already
// runs (Request Tracker, Redmine) share, so that each adapter holds only the
// calls of its own API:
//
//   - which custom field receives each ENT field, by name, with French
//     defaults a profile may rename (Names);
//   - how ENT values are written into those fields and read back (Values,
//     Decode), and the allowed values of the list fields;
//   - the body of a ticket: the description, then a footer with the
//     reporter and a unique marker (Body, ParseBody), which is how a
//     create is made exactly-once on systems without idempotency keys
//     (Marker, Journal);
//   - numbers: the profile's prefix plus the back end's integer id
//     (Numbers);
//   - a ticket's story from its events (Story), and a polite polling
//     follower (Poller);
//   - reading a created ticket back to find what the back end silently
//     dropped (Dropped).
//
// It imports only the standard library and support.
package helpdesk

import (
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/ent-support/ent-support/internal/support"
)

// ENT field keys: the keys of Backend.Fields in a profile, and of Names.
const (
	FieldFunction      = "function"
	FieldPhone         = "phone"
	FieldEstablishment = "establishment"
	FieldCity          = "city"
	FieldPopulation    = "population"
	FieldLocation      = "location"
	// FieldPriority is a custom field on RT only (Redmine has its own
	// priorities, found by name).
	FieldPriority = "priority"
)

// FieldKeys lists the ENT field keys in the order of the form.
var FieldKeys = []string{FieldFunction, FieldPhone, FieldEstablishment, FieldCity, FieldPopulation, FieldLocation, FieldPriority}

// DefaultNames are the French custom-field names each ENT field goes to.
var DefaultNames = map[string]string{
	FieldFunction:      "Fonction",
	FieldPhone:         "Téléphone",
	FieldEstablishment: "Établissement",
	FieldCity:          "Commune",
	FieldPopulation:    "Population concernée",
	FieldLocation:      "URL ou fil d'Ariane",
	FieldPriority:      "Priorité ENT",
}

// Names maps ENT field keys to the back end's custom-field names.
type Names map[string]string

// NamesFor returns the defaults with the profile's overrides (blank ones
// ignored), for the keys given (RT uses every key; Redmine all but
// FieldPriority).
func NamesFor(keys []string, overrides map[string]string) Names {
	n := Names{}
	for _, k := range keys {
		n[k] = DefaultNames[k]
		if v := strings.TrimSpace(overrides[k]); v != "" {
			n[k] = v
		}
	}
	return n
}

// Keys returns the ENT keys of n in the form's order.
func (n Names) Keys() []string {
	var out []string
	for _, k := range FieldKeys {
		if _, ok := n[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

// UnknownFieldKeys returns the keys of a profile's field overrides that
// name no ENT field, sorted: a typo there would otherwise be ignored.
func UnknownFieldKeys(overrides map[string]string) []string {
	var out []string
	for k := range overrides {
		if _, ok := DefaultNames[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Labels: how the list values are written in the back end (French, as an
// agent reads them), and read back with support's lenient parsers.
var (
	functionLabels = map[support.Function]string{
		support.ChefEtablissement: "Chef d'établissement",
		support.Adjoint:           "Adjoint",
		support.CorrespondantENT:  "Correspondant ENT",
	}
	populationLabels = map[support.Population]string{
		"enseignants": "Enseignants", "eleves": "Élèves", "parents": "Parents", "personnels": "Personnels",
		"vie_scolaire": "Vie scolaire", "direction": "Direction", "tous": "Tous",
	}
)

// Allowed returns the values a list field must allow, in order, or nil
// for a free-text field.
func Allowed(key string) []string {
	switch key {
	case FieldFunction:
		out := make([]string, 0, len(support.Functions))
		for _, f := range support.Functions {
			out = append(out, functionLabels[f])
		}
		return out
	case FieldPopulation:
		out := make([]string, 0, len(support.Populations))
		for _, p := range support.Populations {
			out = append(out, populationLabels[p])
		}
		return out
	case FieldPriority:
		out := make([]string, 0, len(support.Priorities))
		for _, p := range support.Priorities {
			out = append(out, string(p))
		}
		return out
	}
	return nil
}

// Multiple reports whether the field takes several values.
func Multiple(key string) bool { return key == FieldPopulation }

// Values returns what each ENT field of in is written as, by key: one
// value, or several for the population. in is normalised.
func Values(in support.TicketInput) map[string][]string {
	est := in.Establishment.UAI
	if in.Establishment.Name != "" {
		est = in.Establishment.Name + " (" + in.Establishment.UAI + ")"
	}
	pops := make([]string, 0, len(in.Population))
	for _, p := range in.Population {
		pops = append(pops, populationLabels[p])
	}
	v := map[string][]string{
		FieldFunction:      {functionLabels[in.Reporter.Function]},
		FieldPhone:         {in.Reporter.Phone},
		FieldEstablishment: {est},
		FieldPopulation:    pops,
		FieldLocation:      {in.Location},
		FieldPriority:      {string(in.Priority)},
	}
	if in.Establishment.City != "" {
		v[FieldCity] = []string{in.Establishment.City}
	}
	return v
}

var uaiInParens = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(.*?)\s*\(([0-9]{7}[A-Za-z])\)$`) })

// Decode fills the ENT fields of t from the values read back, by key;
// what cannot be read stays empty (and Dropped reports it).
func Decode(values map[string][]string, t *support.TicketInput) {
	first := func(k string) string {
		if vs := values[k]; len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
		return ""
	}
	if f, ok := support.ParseFunction(first(FieldFunction)); ok {
		t.Reporter.Function = f
	}
	t.Reporter.Phone = first(FieldPhone)
	est := first(FieldEstablishment)
	t.Establishment = support.Establishment{City: first(FieldCity)}
	if m := uaiInParens().FindStringSubmatch(est); m != nil {
		t.Establishment.Name, t.Establishment.UAI = m[1], strings.ToUpper(m[2])
	} else if uai, fe := support.ParseUAI(est); fe == nil {
		t.Establishment.UAI = uai
	} else {
		t.Establishment.Name = est
	}
	t.Population = nil
	for _, v := range values[FieldPopulation] {
		if p, ok := support.ParsePopulation(v); ok {
			t.Population = append(t.Population, p)
		}
	}
	t.Location = first(FieldLocation)
	if p, ok := support.ParsePriority(first(FieldPriority)); ok {
		t.Priority = p
	}
}
