package prompter

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/support"
)

// On a pipe that gives everything in one read, every question gets its own
// line, in the order of the procedure, with French prompts and the same
// refusals as the form.
func TestAccessibleReadsEveryFieldInOrder(t *testing.T) {
	png := writePNG(t, t.TempDir())
	lines := []string{
		"Claire Martin",
		"4", // Autre: refused, asked again
		"2",
		"12 34", // refused
		"06 39 98 12 34",
		"claire.martin@ac-lyon.fr",
		"0010001W", // not in the directory, which is open: name and city asked
		"École du Bourg",
		"Montbrison",
		"Messagerie inaccessible",
		"", // nothing ticked: refused
		"2 parents",
		"Depuis ce matin, la messagerie",
		"affiche une erreur 500.",
		".",
		"Accueil>Messagerie",
		"2",
		png,
		"",
		"o", // Confirm
	}
	var out bytes.Buffer
	req := newRequest(support.TicketInput{})
	p := NewHuh(Options{Accessible: true, In: strings.NewReader(strings.Join(lines, "\n") + "\n"), Out: &out})
	if err := p.FillTicket(context.Background(), req); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	ok, err := p.Confirm(context.Background(), "Résumé", "")
	if err != nil || !ok {
		t.Fatalf("Confirm = %v, %v\n%s", ok, err, out.String())
	}
	want := support.TicketInput{
		Reporter: support.Reporter{Name: "Claire Martin", Function: support.Adjoint,
			Phone: "+33639981234", Email: "claire.martin@ac-lyon.fr"},
		Establishment: support.Establishment{UAI: "0010001W", Name: "École du Bourg", City: "Montbrison"},
		Subject:       "Messagerie inaccessible",
		Population:    []support.Population{"eleves", "parents"},
		Description:   "Depuis ce matin, la messagerie\naffiche une erreur 500.",
		Location:      "Accueil > Messagerie",
		Priority:      support.Majeure,
	}
	if diff := cmp.Diff(want, req.Input); diff != "" {
		t.Errorf("input (-want +got):\n%s\n%s", diff, out.String())
	}
	if diff := cmp.Diff([]string{png}, req.Attachments); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
	text := out.String()
	order := []string{"Nom et prénom", "Fonction", "seules les équipes de direction", "Numéro de téléphone",
		"Erreur : doit être un numéro français", "Adresse e-mail", "Établissement (code UAI)",
		"Nom de l'établissement", "Ville", "Objet de la demande", "Population concernée",
		"Erreur : cochez au moins une population", "Description précise", "URL de l'établissement ou fil d'Ariane",
		"Degré de priorité", "1. Bloquante : l'ENT est indisponible", "Ajouter une capture d'écran ?",
		"Pièce jointe ajoutée : capture.png (image/png", "Résumé", "Envoyer ce ticket ? (o/n, Entrée : oui)"}
	at := 0
	for _, w := range order {
		i := strings.Index(text[at:], w)
		if i < 0 {
			t.Fatalf("%q not found after position %d in:\n%s", w, at, text)
		}
		at += i + len(w)
	}
	for _, english := range []string{"Enter a number", "Select up to", "Choose [y/N]", "Invalid"} {
		if strings.Contains(text, english) {
			t.Errorf("huh's English %q in accessible mode", english)
		}
	}
	if strings.Contains(text, "\x1b[") {
		t.Error("escape sequences in accessible mode: a screen reader would read them")
	}
}

// The end of input cancels, keeping the answers given, instead of
// accepting defaults (huh's accessible mode returns nil there).
func TestAccessibleEndOfInputCancels(t *testing.T) {
	var out bytes.Buffer
	req := newRequest(support.TicketInput{})
	p := NewHuh(Options{Accessible: true, In: strings.NewReader("Claire Martin\n1\n04 77"), Out: &out})
	err := p.FillTicket(context.Background(), req)
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("err = %v", err)
	}
	want := support.Reporter{Name: "Claire Martin", Function: support.ChefEtablissement}
	if diff := cmp.Diff(want, req.Input.Reporter); diff != "" {
		t.Errorf("reporter (-want +got):\n%s", diff)
	}
}

// Pre-filled answers are kept with Enter alone.
func TestAccessiblePrefilled(t *testing.T) {
	in := validInput()
	var out bytes.Buffer
	req := newRequest(in)
	// name, function, phone, email, uai, subject, population, description (".": keep), location, priority, attachments
	answers := strings.Repeat("\n", 7) + ".\n" + "\n\n\n"
	p := NewHuh(Options{Accessible: true, In: strings.NewReader(answers), Out: &out})
	if err := p.FillTicket(context.Background(), req); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want, _ := in.Normalize()
	want.Establishment.Name, want.Establishment.City = "Collège du Pilat", "Saint-Genest-Malifaux"
	if diff := cmp.Diff(want, req.Input); diff != "" {
		t.Errorf("input (-want +got):\n%s", diff)
	}
	if !strings.Contains(out.String(), "Valeur actuelle : Claire Martin") {
		t.Errorf("the current value is not said:\n%s", out.String())
	}
}

func TestAccessibleEnglish(t *testing.T) {
	var out bytes.Buffer
	p := NewHuh(Options{Accessible: true, Lang: "en", In: strings.NewReader("maybe\nn\n"), Out: &out})
	ok, err := p.Confirm(context.Background(), "", "")
	if err != nil || ok {
		t.Fatalf("Confirm = %v, %v", ok, err)
	}
	if !strings.Contains(out.String(), "Send this ticket? (y/n, Enter: yes)") || !strings.Contains(out.String(), "Error: answer y (yes) or n (no)") {
		t.Errorf("output:\n%s", out.String())
	}
}
