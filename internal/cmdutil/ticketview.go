package cmdutil

import (
	"strings"

	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// Field is one labelled value of a ticket, as people read it.
type Field struct {
	Key   string // the API key (reporter.phone)
	Label string // Numéro de téléphone
	Value string
}

// TicketFields lays out the fields of a ticket in the order of the
// procedure, with the labels of the form and values the way people write
// them (phone 06 39 98 12 34, priority with its definition). The
// description is left out: it is multi-line and shown apart.
func TicketFields(lang string, in support.TicketInput) []Field {
	f := func(key, value string) Field {
		return Field{Key: key, Label: locale.FieldLabel(lang, key), Value: value}
	}
	est := in.Establishment.UAI
	if in.Establishment.Name != "" {
		est += " — " + in.Establishment.Name
	}
	if in.Establishment.City != "" {
		est += " (" + in.Establishment.City + ")"
	}
	pops := make([]string, len(in.Population))
	for i, p := range in.Population {
		pops[i] = PopulationLabel(lang, p)
	}
	return []Field{
		f("reporter.name", in.Reporter.Name),
		f("reporter.function", FunctionLabel(lang, in.Reporter.Function)),
		f("reporter.phone", support.FormatPhone(in.Reporter.Phone)),
		f("reporter.email", in.Reporter.Email),
		f("establishment.uai", est),
		f("subject", in.Subject),
		f("population", strings.Join(pops, ", ")),
		f("location", in.Location),
		f("priority", PriorityLabel(lang, in.Priority, true)),
	}
}

// label returns the catalog's label for key, or fallback when it has none.
func label(lang, key, fallback string) string {
	if locale.Has(lang, key) {
		return locale.T(lang, key, nil)
	}
	return fallback
}

// FunctionLabel names a function the way people say it.
func FunctionLabel(lang string, f support.Function) string {
	return label(lang, "cli.function."+string(f), string(f))
}

// PopulationLabel names a population the way people say it.
func PopulationLabel(lang string, p support.Population) string {
	return label(lang, "cli.population."+string(p), string(p))
}

// StatusLabel names a status the way people say it.
func StatusLabel(lang string, s support.Status) string {
	return label(lang, "cli.status."+string(s), string(s))
}

// PriorityLabel names a priority, with its definition from the procedure
// when long is true.
func PriorityLabel(lang string, p support.Priority, long bool) string {
	if long && locale.Has(lang, "cli.priority_long."+string(p)) {
		return locale.T(lang, "cli.priority_long."+string(p), nil)
	}
	return string(p)
}
