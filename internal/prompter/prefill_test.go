package prompter

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

var identity = []string{fName, fFunction, fPhone, fEmail, fUAI}

// A reporter whose profile gave every identity field: the first question
// is the ticket's subject, and what the profile said is what the form
// returns.
func TestFormAsksNoIdentityWhenKnown(t *testing.T) {
	in := validInput()
	in.Subject = ""
	req := newRequest(in)
	req.Known = identity
	scr, done := fill(t, Options{}, req)
	scr.field("Objet de la demande")
	for _, q := range []string{"┃ Nom et prénom", "┃ Fonction", "┃ Numéro de téléphone", "┃ Adresse e-mail", "┃ Établissement"} {
		if scr.sees(q) {
			t.Errorf("the form asks %q:\n%s", q, scr.text())
		}
	}
	scr.keys("Messagerie inaccessible", keyEnter)
	scr.quitAt(t, done, "Population concernée")
	if got := req.Input.Reporter; got != validInput().Reporter {
		t.Errorf("reporter %+v, want the profile's", got)
	}
	if req.Input.Subject != "Messagerie inaccessible" {
		t.Errorf("subject %q", req.Input.Subject)
	}
}

// Only what is missing is asked: the phone, and nothing else of the
// identity.
func TestFormAsksOnlyTheMissingPhone(t *testing.T) {
	in := validInput()
	in.Reporter.Phone = ""
	req := newRequest(in)
	req.Known = []string{fName, fFunction, fEmail, fUAI}
	scr, done := fill(t, Options{}, req)
	scr.field("Numéro de téléphone")
	if scr.sees("┃ Nom et prénom") || scr.sees("┃ Adresse e-mail") {
		t.Errorf("more than the phone is asked:\n%s", scr.text())
	}
	scr.keys("06 12 34 56 78", keyEnter)
	scr.quitAt(t, done, "Objet de la demande")
	if got := req.Input.Reporter.Phone; got != "+33612345678" {
		t.Errorf("phone %q", got)
	}
}

// A known field the server refused is asked all the same.
func TestFormAsksAKnownFieldWithAProblem(t *testing.T) {
	req := newRequest(validInput())
	req.Known = identity
	req.Problems = []support.FieldError{{Field: fEmail, Rule: support.RuleEmail}}
	scr, done := fill(t, Options{}, req)
	scr.quitAt(t, done, "Adresse e-mail")
}

// Several establishments: a choice of the reporter's own, named; the
// function follows the one chosen.
func TestFormChoosesAmongMine(t *testing.T) {
	in := validInput()
	in.Establishment = support.Establishment{}
	req := newRequest(in)
	req.Known = []string{fName, fFunction, fPhone, fEmail}
	req.Mine = []Membership{
		{Establishment: support.Establishment{UAI: "0421234N", Name: "Collège du Pilat", City: "Saint-Genest-Malifaux"}, Function: support.ChefEtablissement},
		{Establishment: support.Establishment{UAI: "0690001B", Name: "Lycée du Parc", City: "Lyon"}, Function: support.CorrespondantENT},
	}
	req.Lookup = directory{
		"0421234N": req.Mine[0].Establishment, "0690001B": req.Mine[1].Establishment,
	}.lookup
	scr, done := fill(t, Options{}, req)
	scr.field("Établissement")
	scr.waitFor("Collège du Pilat, Saint-Genest-Malifaux (0421234N) — Chef d'établissement")
	scr.waitFor("Lycée du Parc, Lyon (0690001B) — Correspondant(e) ENT")
	scr.keys(keyDown, keyEnter)
	scr.quitAt(t, done, "Objet de la demande")
	if got := req.Input.Establishment; got.UAI != "0690001B" || got.Name != "Lycée du Parc" {
		t.Errorf("establishment %+v", got)
	}
	if got := req.Input.Reporter.Function; got != support.CorrespondantENT {
		t.Errorf("function %q, want the one held at the Lycée du Parc", got)
	}
}

// Someone who remembers only the town: typing it lists the matches at
// once, under the field; Enter offers them to choose from.
func TestUAISearchByTownAsYouType(t *testing.T) {
	in := validInput()
	in.Establishment = support.Establishment{}
	req := newRequest(in)
	req.Known = []string{fName, fFunction, fPhone, fEmail}
	town := directory{
		"0421234N": {UAI: "0421234N", Name: "Collège du Pilat", City: "Saint-Genest-Malifaux"},
		"0420002Z": {UAI: "0420002Z", Name: "Lycée Jean Monnet", City: "Saint-Étienne"},
		"0420003A": {UAI: "0420003A", Name: "Collège Gambetta", City: "Saint-Étienne"},
	}
	req.Lookup = town.lookup
	req.Search = func(_ context.Context, q string) ([]support.Establishment, error) {
		var out []support.Establishment
		for _, e := range []support.Establishment{town["0420003A"], town["0420002Z"], town["0421234N"]} {
			if strings.Contains(strings.ToLower(e.Name+" "+e.City), strings.ToLower(q)) {
				out = append(out, e)
			}
		}
		return out, nil
	}
	scr, done := fill(t, Options{}, req)
	scr.field("Établissement (code UAI)")
	scr.keys("Saint-É")
	scr.waitFor("2 établissements trouvés :")
	scr.waitFor("0420003A — Collège Gambetta (Saint-Étienne)")
	scr.waitFor("0420002Z — Lycée Jean Monnet (Saint-Étienne)")
	if scr.sees("Saint-Genest-Malifaux") {
		t.Errorf("a town that does not match is listed:\n%s", scr.text())
	}
	scr.keys("tienne", keyEnter)
	scr.field("Choisissez l'établissement")
	scr.keys(keyDown, keyEnter)
	scr.quitAt(t, done, "Objet de la demande")
	if got := req.Input.Establishment; got.UAI != "0420002Z" || got.City != "Saint-Étienne" {
		t.Errorf("establishment %+v", got)
	}
}

// Accessible mode leaves out the same questions, and offers the
// reporter's establishments as numbered choices.
func TestAccessibleAsksNoKnownIdentity(t *testing.T) {
	in := validInput()
	in.Establishment = support.Establishment{}
	in.Subject = ""
	req := newRequest(in)
	req.Known = []string{fName, fFunction, fPhone, fEmail}
	req.Mine = []Membership{
		{Establishment: support.Establishment{UAI: "0421234N", Name: "Collège du Pilat", City: "Saint-Genest-Malifaux"}, Function: support.ChefEtablissement},
		{Establishment: support.Establishment{UAI: "0690001B"}, Function: support.Adjoint},
	}
	lines := []string{"2", "Lycée Ami", "Lyon", "Messagerie inaccessible"}
	var out bytes.Buffer
	p := NewHuh(Options{Accessible: true, In: strings.NewReader(strings.Join(lines, "\n") + "\n"), Out: &out})
	err := p.FillTicket(context.Background(), req)
	if err != ErrCancelled { // the input ends before the population
		t.Fatalf("FillTicket: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, q := range []string{"Nom et prénom", "Fonction", "Numéro de téléphone", "Adresse e-mail"} {
		if strings.Contains(text, q) {
			t.Errorf("asks %q:\n%s", q, text)
		}
	}
	if !strings.Contains(text, "1. Collège du Pilat, Saint-Genest-Malifaux (0421234N) — Chef d'établissement") {
		t.Errorf("the reporter's establishments are not offered:\n%s", text)
	}
	if !strings.Contains(text, "Nom de l'établissement") {
		t.Errorf("an establishment the directory lacks: its name is not asked:\n%s", text)
	}
	if req.Input.Establishment != (support.Establishment{UAI: "0690001B", Name: "Lycée Ami", City: "Lyon"}) ||
		req.Input.Reporter.Function != support.Adjoint {
		t.Errorf("establishment %+v, function %q", req.Input.Establishment, req.Input.Reporter.Function)
	}
}

// quitAt waits for the field titled title, then interrupts the form and
// waits for it to end.
func (s *screen) quitAt(t *testing.T, done <-chan result, title string) {
	t.Helper()
	s.field(title)
	s.keys(keyCtrlC)
	wait(t, done)
}
