package support

import "testing"

func TestControlCharactersAreRefused(t *testing.T) {
	base := TicketInput{
		Reporter:      Reporter{Name: "Marie Curie", Function: "adjoint", Phone: "0639981234", Email: "m@example.org"},
		Establishment: Establishment{UAI: "0010001W"},
		Subject:       "Le cahier de textes est vide",
		Population:    []Population{"eleves"},
		Description:   "Depuis ce matin\n\tla page reste blanche.",
		Location:      "Accueil > Vie scolaire",
		Priority:      "majeure",
	}
	if _, errs := base.Normalize(); len(errs) != 0 {
		t.Fatalf("a description with newlines and tabs is refused: %v", errs)
	}
	for _, tc := range []struct {
		field string
		edit  func(*TicketInput)
	}{
		{"subject", func(in *TicketInput) { in.Subject = "Titre \x1b[2J effacé" }},
		{"subject", func(in *TicketInput) { in.Subject = "Titre avec \u202e inversé" }},
		{"description", func(in *TicketInput) { in.Description += "\x00 caractère nul au milieu" }},
		{"description", func(in *TicketInput) { in.Description += " \x1b]0;titre\x07 pour le terminal" }},
		{"establishment.name", func(in *TicketInput) { in.Establishment.Name = "Collège\x1b[31m" }},
		{"establishment.city", func(in *TicketInput) { in.Establishment.City = "Ville\x00" }},
	} {
		in := base
		tc.edit(&in)
		_, errs := in.Normalize()
		if len(errs) != 1 || errs[0].Field != tc.field || errs[0].Rule != RuleControlChars {
			t.Errorf("%s: got %v, want one %s error", tc.field, errs, RuleControlChars)
		}
	}
}
