package helpdesk

import (
	"slices"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// Field rules of the back ends, on top of support's: what the back end is
// missing for a ticket to land whole. Each names the custom field.
const (
	// RuleBackendField: the back end has no custom field {name} for this
	// ENT field (or the account may not see it). Params: name.
	RuleBackendField = "backend_field"
	// RuleBackendValue: the back end's field {name} does not accept
	// {value}. Params: name, value.
	RuleBackendValue = "backend_value"
	// RuleBackendDropped: the back end stored the ticket without this
	// field's value (found reading it back). Params: name, number.
	RuleBackendDropped = "backend_dropped"
)

// FieldDef is a back end's custom field as far as the checks need it.
type FieldDef struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	List     bool     `json:"list"`     // values must be among Values
	Multiple bool     `json:"multiple"` // takes several values
	Values   []string `json:"values,omitempty"`
}

// FormField is the field of the ticket (as support names it in errors)
// that an ENT field key holds.
func FormField(key string) string {
	switch key {
	case FieldFunction:
		return "reporter.function"
	case FieldPhone:
		return "reporter.phone"
	case FieldEstablishment:
		return "establishment.uai"
	case FieldCity:
		return "establishment.city"
	}
	return key
}

// CheckFields checks, before anything is sent, that every value of the
// ticket has a custom field to go to and is one it accepts. defs are the
// back end's fields by name. These are the values RT and Redmine would
// otherwise drop without a word.
func CheckFields(defs map[string]FieldDef, names Names, values map[string][]string) []support.FieldError {
	var errs []support.FieldError
	for _, k := range names.Keys() {
		vs := values[k]
		if len(vs) == 0 {
			continue
		}
		name := names[k]
		d, ok := lookup(defs, name)
		if !ok {
			errs = append(errs, support.FieldError{Field: FormField(k), Rule: RuleBackendField,
				Params: map[string]string{"name": name}})
			continue
		}
		for _, v := range vs {
			if d.List && !slices.ContainsFunc(d.Values, func(a string) bool { return strings.EqualFold(a, v) }) {
				errs = append(errs, support.FieldError{Field: FormField(k), Rule: RuleBackendValue,
					Params: map[string]string{"name": name, "value": v}})
				break
			}
		}
	}
	return errs
}

// lookup finds a field by name, whatever its case (RT and Redmine both
// match names without case).
func lookup(defs map[string]FieldDef, name string) (FieldDef, bool) {
	if d, ok := defs[name]; ok {
		return d, true
	}
	for n, d := range defs {
		if strings.EqualFold(n, name) {
			return d, true
		}
	}
	return FieldDef{}, false
}

// DoctorFields checks each ENT field's custom field: present, a list when
// it must be one (multiple for the population), and allowing every value
// the client writes. fix(key, name, def, problem) writes how to repair it
// on that back end; problem is "missing", "type" or "values" (then
// missing lists the values to add).
func DoctorFields(defs map[string]FieldDef, names Names, label func(key, name string) string,
	fix func(key, name string, missing []string, problem string) string) []support.Check {
	var out []support.Check
	for _, k := range names.Keys() {
		name := names[k]
		c := support.Check{Name: label(k, name), OK: true}
		d, ok := lookup(defs, name)
		allowed := Allowed(k)
		switch {
		case !ok:
			c.OK, c.Fix = false, fix(k, name, allowed, "missing")
		case allowed != nil && (!d.List || d.Multiple != Multiple(k)):
			c.OK, c.Fix = false, fix(k, name, allowed, "type")
		default:
			var missing []string
			for _, v := range allowed {
				if !slices.ContainsFunc(d.Values, func(a string) bool { return strings.EqualFold(a, v) }) {
					missing = append(missing, v)
				}
			}
			if len(missing) > 0 {
				c.OK, c.Fix = false, fix(k, name, missing, "values")
			}
		}
		out = append(out, c)
	}
	return out
}

// RuleOnBehalfNative: filing on behalf of an account (--for) needs the
// reference server, which knows the accounts; a helpdesk's requestor is
// whoever the ticket names.
const RuleOnBehalfNative = "on_behalf_native"

// CheckOnBehalf refuses a ticket filed on behalf of an account: a helpdesk
// back end cannot honour it, and filing it with the identity left empty
// would send a ticket nobody can answer.
func CheckOnBehalf(in support.TicketInput) error {
	if strings.TrimSpace(in.OnBehalfOf) == "" {
		return nil
	}
	return support.InvalidFields([]support.FieldError{{Field: "on_behalf_of", Rule: RuleOnBehalfNative}})
}
