package helpdesk

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/support"
)

func defsAll() map[string]FieldDef {
	defs := map[string]FieldDef{}
	for _, k := range FieldKeys {
		defs[DefaultNames[k]] = FieldDef{Name: DefaultNames[k], List: Allowed(k) != nil, Multiple: Multiple(k), Values: Allowed(k)}
	}
	return defs
}

func TestCheckFields(t *testing.T) {
	in := ticketIn(t)
	names := NamesFor(FieldKeys, nil)
	if errs := CheckFields(defsAll(), names, Values(in)); len(errs) > 0 {
		t.Fatalf("complete back end: %v", errs)
	}
	defs := defsAll()
	delete(defs, "Téléphone")
	pop := defs["Population concernée"]
	pop.Values = []string{"Enseignants"}
	defs["Population concernée"] = pop
	got := CheckFields(defs, names, Values(in))
	want := []support.FieldError{
		{Field: "reporter.phone", Rule: RuleBackendField, Params: map[string]string{"name": "Téléphone"}},
		{Field: "population", Rule: RuleBackendValue, Params: map[string]string{"name": "Population concernée", "value": "Élèves"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("CheckFields (-want +got):\n%s", d)
	}
}

func TestDoctorFields(t *testing.T) {
	defs := defsAll()
	delete(defs, "Commune")
	f := defs["Fonction"]
	f.Values = f.Values[:1]
	defs["Fonction"] = f
	p := defs["Population concernée"]
	p.Multiple = false
	defs["Population concernée"] = p
	checks := DoctorFields(defs, NamesFor(FieldKeys, nil), func(k, n string) string { return n },
		func(k, n string, missing []string, problem string) string {
			return problem + ":" + strings.Join(missing, "|")
		})
	got := map[string]string{}
	for _, c := range checks {
		if !c.OK {
			got[c.Name] = c.Fix
		}
	}
	want := map[string]string{
		"Commune":              "missing:",
		"Fonction":             "values:Adjoint|Correspondant ENT",
		"Population concernée": "type:Enseignants|Élèves|Parents|Personnels|Vie scolaire|Direction|Tous",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("failed checks (-want +got):\n%s", d)
	}
	if len(checks) != len(FieldKeys) {
		t.Errorf("%d checks for %d fields", len(checks), len(FieldKeys))
	}
}

// A helpdesk cannot file on behalf of an account: refused, naming the
// field, rather than sent with an empty requestor.
func TestCheckOnBehalf(t *testing.T) {
	if err := CheckOnBehalf(support.TicketInput{}); err != nil {
		t.Fatalf("no on_behalf_of: %v", err)
	}
	err := CheckOnBehalf(support.TicketInput{OnBehalfOf: "carla@example.org"})
	e := support.AsError(err)
	if e.Code != support.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "on_behalf_of" || e.Fields[0].Rule != RuleOnBehalfNative {
		t.Errorf("on_behalf_of given: %+v", e)
	}
}
