package support_test

import (
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

// validInput is a ticket as a reporter might type it: every field valid
// but untidy, so that Normalize has something to do on each.
func validInput() support.TicketInput {
	return support.TicketInput{
		Reporter: support.Reporter{
			Name:     "  Hélène   Dupont-Moreau ",
			Function: "Chef d'établissement",
			Phone:    "06.39.98.12.34",
			Email:    " helene.dupont@ac-lyon.fr ",
		},
		Establishment: support.Establishment{UAI: "0010001w", Name: " Lycée  du Parc ", City: "Lyon "},
		Subject:       "  Impossible   d'ouvrir le cahier de textes ",
		Population:    []support.Population{"Enseignant", "élèves", "enseignants"},
		Description:   "\r\nDepuis ce matin, le cahier de textes affiche une erreur 500.\r\nTous les professeurs sont concernés.\r\n\r\n",
		Location:      "Accueil>Vie scolaire >  Cahier de textes",
		Priority:      "Majeure",
	}
}

func TestNormalizeValid(t *testing.T) {
	got, errs := validInput().Normalize()
	if len(errs) != 0 {
		t.Fatalf("errors: %v", fieldsOf(errs))
	}
	want := support.TicketInput{
		Reporter: support.Reporter{
			Name:     "Hélène Dupont-Moreau",
			Function: support.ChefEtablissement,
			Phone:    "+33639981234",
			Email:    "helene.dupont@ac-lyon.fr",
		},
		Establishment: support.Establishment{UAI: "0010001W", Name: "Lycée du Parc", City: "Lyon"},
		Subject:       "Impossible d'ouvrir le cahier de textes",
		Population:    []support.Population{"enseignants", "eleves"},
		Description:   "Depuis ce matin, le cahier de textes affiche une erreur 500.\nTous les professeurs sont concernés.",
		Location:      "Accueil > Vie scolaire > Cahier de textes",
		Priority:      support.Majeure,
	}
	if d := diff(want, got); d != "" {
		t.Errorf("Normalize (-want +got):\n%s", d)
	}
	again, errs := got.Normalize()
	if len(errs) != 0 || diff(got, again) != "" {
		t.Errorf("Normalize is not idempotent: %v\n%s", fieldsOf(errs), diff(got, again))
	}
}

func TestNormalizeEmptyReportsEveryFieldInOrder(t *testing.T) {
	_, errs := support.TicketInput{}.Normalize()
	want := []string{
		"reporter.name/required", "reporter.function/required", "reporter.phone/required",
		"reporter.email/required", "establishment.uai/required", "subject/required",
		"population/required", "description/required", "location/required", "priority/required",
	}
	if d := diff(want, fieldsOf(errs)); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
}

func TestNormalizeReportsEveryBadField(t *testing.T) {
	in := support.TicketInput{
		Reporter:      support.Reporter{Name: "R2D2", Function: "enseignant", Phone: "12", Email: "x@"},
		Establishment: support.Establishment{UAI: "0010001X", Name: repeat("é", 151), City: repeat("é", 101)},
		Subject:       "Aïe",
		Population:    []support.Population{"tous", "martiens"},
		Description:   "trop court",
		Location:      "javascript:alert(1)",
		Priority:      "urgente",
	}
	_, errs := in.Normalize()
	want := []string{
		"reporter.name/name_chars", "reporter.function/function", "reporter.phone/phone",
		"reporter.email/email", "establishment.uai/uai_key", "establishment.name/length",
		"establishment.city/length", "subject/length", "population/population",
		"description/length", "location/location", "priority/priority",
	}
	if d := diff(want, fieldsOf(errs)); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	for _, e := range errs {
		if e.Field == "population" && e.Params["value"] != "martiens" {
			t.Errorf("population error names %q", e.Params["value"])
		}
	}
}

func TestNormalizeLengths(t *testing.T) {
	// Multi-byte characters: the bounds are in characters, not bytes.
	tests := []struct {
		name        string
		subject     string
		description string
		wantErrs    []string
	}{
		{"subject min-1", repeat("é", 4), repeat("€", 20), []string{"subject/length"}},
		{"subject min", repeat("é", 5), repeat("€", 20), nil},
		{"subject max", repeat("é", 150), repeat("€", 20), nil},
		{"subject max+1", repeat("é", 151), repeat("€", 20), []string{"subject/length"}},
		{"description min-1", "Sujet", repeat("€", 19), []string{"description/length"}},
		{"description min", "Sujet", repeat("€", 20), nil},
		{"description max", "Sujet", repeat("€", 20000), nil},
		{"description max+1", "Sujet", repeat("€", 20001), []string{"description/length"}},
		// CRLF counts as one line break: 10 lines of "€€\r\n" are 29 characters kept.
		{"description CRLF", "Sujet", strings.Repeat("€€\r\n", 10), nil},
		{"description CRLF short", "Sujet", strings.Repeat("€\r\n", 10), []string{"description/length"}}, // 19
		{"description blank", "Sujet", " \r\n\t\r\n ", []string{"description/required"}},
		{"subject blank", "   ", repeat("€", 20), []string{"subject/required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			in.Subject, in.Description = tt.subject, tt.description
			_, errs := in.Normalize()
			if d := diff(tt.wantErrs, fieldsOf(errs)); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
	in := validInput()
	in.Subject = repeat("é", 151)
	_, errs := in.Normalize()
	if d := diff(map[string]string{"min": "5", "max": "150", "length": "151"}, errs[0].Params); d != "" {
		t.Errorf("subject length params: %s", d)
	}
}

func TestNormalizeLineBreaks(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Première ligne\r\nDeuxième ligne\r\n", "Première ligne\nDeuxième ligne"},
		{"Première ligne\rDeuxième ligne (Mac OS 9)", "Première ligne\nDeuxième ligne (Mac OS 9)"},
		{"Première ligne\r\r\nDeuxième ligne", "Première ligne\n\nDeuxième ligne"},
		{"  Indentation gardée\n\tà l'intérieur\n", "Indentation gardée\n\tà l'intérieur"},
	}
	for _, tt := range tests {
		in := validInput()
		in.Description = tt.in
		got, errs := in.Normalize()
		if len(errs) != 0 || got.Description != tt.want {
			t.Errorf("description %q -> %q, %v; want %q", tt.in, got.Description, fieldsOf(errs), tt.want)
		}
	}
}

func TestNormalizeOptionalEstablishmentNameAndCity(t *testing.T) {
	in := validInput()
	in.Establishment.Name, in.Establishment.City = "", ""
	if _, errs := in.Normalize(); len(errs) != 0 {
		t.Errorf("errors: %v", fieldsOf(errs))
	}
	in.Establishment.Name, in.Establishment.City = repeat("é", 150), repeat("é", 100)
	if _, errs := in.Normalize(); len(errs) != 0 {
		t.Errorf("errors at the maxima: %v", fieldsOf(errs))
	}
}

func TestNormalizeKeepsUnknownPopulation(t *testing.T) {
	in := validInput()
	in.Population = []support.Population{"tous", "martiens"}
	out, errs := in.Normalize()
	if d := diff([]string{"population/population"}, fieldsOf(errs)); d != "" {
		t.Fatal(d)
	}
	// The output still holds what was refused, so that checking it again
	// refuses it again rather than passing it silently.
	if d := diff([]support.Population{"tous", "martiens"}, out.Population); d != "" {
		t.Error(d)
	}
	if _, errs := out.Normalize(); len(errs) != 1 || errs[0].Field != "population" {
		t.Errorf("output re-checked: %v", fieldsOf(errs))
	}
}
