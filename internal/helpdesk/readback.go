package helpdesk

import (
	"slices"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// Dropped compares what was sent with what the back end stored, read back
// after the create, and returns the ENT field keys whose value was lost or
// changed (an unknown custom field, a value outside a list, a priority
// stored as 0), in the form's order. Only the keys of names are compared,
// plus the subject and the description.
func Dropped(sent, got support.TicketInput, names Names) []string {
	want, have := Values(sent), Values(got)
	var out []string
	if strings.TrimSpace(got.Subject) != sent.Subject {
		out = append(out, "subject")
	}
	if strings.TrimSpace(got.Description) != sent.Description {
		out = append(out, "description")
	}
	for _, k := range names.Keys() {
		w, h := slices.Clone(want[k]), slices.Clone(have[k])
		slices.Sort(w)
		slices.Sort(h)
		if !slices.Equal(w, h) {
			out = append(out, k)
		}
	}
	return out
}

// DroppedError is the error of a create whose read-back lost fields
// (Dropped's keys): the ticket n exists, so the error names it, so that
// nobody files it again, and each field, to complete in the help desk
// (system: "Request Tracker", "Redmine"). One key for every back end.
func DroppedError(system string, n support.Number, dropped []string, names Names) *support.Error {
	var fe []support.FieldError
	for _, k := range dropped {
		name := names[k]
		if name == "" {
			name = k // a field of the help desk's own (the subject, Redmine's priority)
		}
		fe = append(fe, support.FieldError{Field: FormField(k), Rule: RuleBackendDropped,
			Params: map[string]string{"name": name, "number": n.String()}})
	}
	e := support.InvalidFields(fe)
	e.Key, e.Params = "helpdesk.dropped", map[string]string{"number": n.String(), "system": system}
	return e
}
