package prompter

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/support"
)

// Every field typed in order, a wrong phone refused in French then fixed,
// a screenshot attached and checked by content.
func TestFormFillsEveryField(t *testing.T) {
	png := writePNG(t, t.TempDir())
	req := newRequest(support.TicketInput{})
	scr, done := fill(t, Options{}, req)

	scr.field("Nom et prénom")
	scr.keys("Claire Martin", keyEnter)
	scr.field("Fonction")
	scr.keys(keyDown, keyEnter) // adjoint
	scr.field("Numéro de téléphone")
	scr.keys("12 34", keyEnter)
	scr.waitFor("doit être un numéro français")
	scr.keys(keyCtrlU, "06 39 98 12 34")
	scr.waitFor("✓ 06 39 98 12 34")
	scr.keys(keyEnter)
	scr.field("Adresse e-mail")
	scr.keys("claire.martin@ac-lyon.fr", keyEnter)
	scr.field("Établissement (code UAI)")
	scr.keys("0421234N")
	scr.waitFor("Collège du Pilat — Saint-Genest-Malifaux")
	scr.keys(keyEnter)
	scr.field("Objet de la demande")
	scr.keys("Messagerie inaccessible", keyEnter)
	scr.field("Population concernée")
	scr.keys(keyEnter) // nothing ticked: refused
	scr.waitFor("cochez au moins une population")
	scr.keys(keyDown, " ", keyDown, " ", keyEnter) // élèves, parents
	scr.field("Description précise")
	scr.keys("Depuis ce matin, la messagerie", keyEnter, "affiche une erreur 500.", keyTab)
	scr.field("URL de l'établissement ou fil d'Ariane")
	scr.keys("Accueil>Messagerie")
	scr.waitFor("fil d'Ariane : Accueil > Messagerie")
	scr.keys(keyEnter)
	scr.field("Degré de priorité")
	scr.waitFor("Bloquante : l'ENT est indisponible")
	scr.keys(keyDown, keyEnter) // majeure
	scr.field("Ajouter une capture d'écran ?")
	scr.keys(png)
	scr.waitFor("capture.png : image/png")
	scr.keys(keyEnter)
	scr.waitFor("Pièce jointe ajoutée : capture.png (image/png")
	scr.field("Ajouter une capture d'écran ?")
	scr.waitFor("Déjà jointes : capture.png")
	scr.keys(keyEnter)

	r := wait(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
	want := support.TicketInput{
		Reporter: support.Reporter{Name: "Claire Martin", Function: support.Adjoint,
			Phone: "+33639981234", Email: "claire.martin@ac-lyon.fr"},
		Establishment: support.Establishment{UAI: "0421234N", Name: "Collège du Pilat", City: "Saint-Genest-Malifaux"},
		Subject:       "Messagerie inaccessible",
		Population:    []support.Population{"eleves", "parents"},
		Description:   "Depuis ce matin, la messagerie\naffiche une erreur 500.",
		Location:      "Accueil > Messagerie",
		Priority:      support.Majeure,
	}
	if diff := cmp.Diff(want, req.Input); diff != "" {
		t.Errorf("input (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{png}, req.Attachments); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
	if _, errs := req.Input.Normalize(); len(errs) != 0 {
		t.Errorf("the form returned an invalid ticket: %v", errs)
	}
}

// "Autre" explains who may contact support and does not let the form go on.
func TestFunctionOtherIsRefused(t *testing.T) {
	req := newRequest(support.TicketInput{Reporter: support.Reporter{Name: "Jean Dupont"}})
	scr, done := fill(t, Options{}, req)
	scr.field("Nom et prénom")
	scr.keys(keyEnter)
	scr.field("Fonction")
	scr.keys(keyDown, keyDown, keyDown)
	// Said as soon as "Autre" is highlighted, and again on Enter.
	scr.waitFor("seules les équipes de direction")
	scr.keys(keyEnter)
	scr.waitFor("* seules les équipes de direction")
	time.Sleep(200 * time.Millisecond)
	if scr.sees("┃ Numéro de téléphone") {
		t.Fatal("the form went on with the function Autre")
	}
	scr.keys(keyCtrlC)
	r := wait(t, done)
	if !errors.Is(r.err, ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", r.err)
	}
	if req.Input.Reporter.Function != "" {
		t.Errorf("function = %q, want it left empty", req.Input.Reporter.Function)
	}
	if req.Input.Reporter.Name != "Jean Dupont" {
		t.Errorf("name = %q", req.Input.Reporter.Name)
	}
}

// Valid fields are shown pre-filled and kept when the person just goes on.
func TestPrefilledFieldsAreKept(t *testing.T) {
	in := validInput()
	req := newRequest(in)
	scr, done := fill(t, Options{}, req)
	scr.field("Nom et prénom")
	scr.waitFor("> Claire Martin")
	scr.keys(keyEnter)
	scr.field("Fonction")
	scr.keys(keyEnter)
	scr.field("Numéro de téléphone")
	scr.keys(keyEnter)
	scr.field("Adresse e-mail")
	scr.keys(keyEnter)
	scr.field("Établissement (code UAI)")
	scr.keys(keyEnter)
	scr.field("Objet de la demande")
	scr.keys(keyEnter)
	scr.field("Population concernée")
	scr.keys(keyEnter)
	scr.field("Description précise")
	scr.keys(keyTab)
	scr.field("URL de l'établissement ou fil d'Ariane")
	scr.keys(keyEnter)
	scr.field("Degré de priorité")
	scr.keys(keyEnter)
	scr.field("Ajouter une capture d'écran ?")
	scr.keys(keyEnter)
	r := wait(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
	want, _ := in.Normalize()
	want.Establishment.Name, want.Establishment.City = "Collège du Pilat", "Saint-Genest-Malifaux"
	if diff := cmp.Diff(want, req.Input); diff != "" {
		t.Errorf("input (-want +got):\n%s", diff)
	}
}

// A problem the server found is shown beside its field, pre-filled for fixing.
func TestProblemsAreShownBesideTheirField(t *testing.T) {
	in := validInput()
	in.Reporter.Email = "claire.martin@ac-lyon"
	req := newRequest(in)
	req.Problems = []support.FieldError{{Field: "reporter.email", Rule: support.RuleEmail}}
	scr, done := fill(t, Options{}, req)
	scr.field("Nom et prénom")
	scr.keys(keyEnter, keyEnter, keyEnter)
	scr.field("Adresse e-mail")
	scr.waitFor("⚠ doit être une adresse e-mail valide")
	scr.keys(keyEnter)
	scr.waitFor("doit être une adresse e-mail valide")
	scr.keys(".fr", keyEnter)
	scr.field("Établissement (code UAI)")
	scr.keys(keyCtrlC)
	r := wait(t, done)
	if !errors.Is(r.err, ErrCancelled) {
		t.Fatalf("err = %v", r.err)
	}
	if got := req.Input.Reporter.Email; got != "claire.martin@ac-lyon.fr" {
		t.Errorf("email = %q", got)
	}
}

// Ctrl-C, Esc or the end of the terminal: ErrCancelled, and what was typed
// is in req.Input for the draft, even the field being typed.
func TestCancelKeepsWhatWasTyped(t *testing.T) {
	for name, stop := range map[string]func(*screen){
		"ctrl-c":          func(s *screen) { s.keys(keyCtrlC) },
		"esc":             func(s *screen) { s.keys(keyEsc) },
		"closed terminal": func(s *screen) { s.in.Close() },
	} {
		t.Run(name, func(t *testing.T) {
			req := newRequest(support.TicketInput{})
			scr, done := fill(t, Options{}, req)
			scr.field("Nom et prénom")
			scr.keys("Claire Martin", keyEnter)
			scr.field("Fonction")
			scr.keys(keyEnter)
			scr.field("Numéro de téléphone")
			scr.keys("04 77 48")
			scr.waitFor("> 04 77 48")
			stop(scr)
			r := wait(t, done)
			if !errors.Is(r.err, ErrCancelled) {
				t.Fatalf("err = %v, want ErrCancelled", r.err)
			}
			want := support.Reporter{Name: "Claire Martin", Function: support.ChefEtablissement, Phone: "04 77 48"}
			if diff := cmp.Diff(want, req.Input.Reporter); diff != "" {
				t.Errorf("reporter (-want +got):\n%s", diff)
			}
			// Fields never reached keep what the request had.
			if req.Input.Priority != "" || len(req.Input.Population) != 0 {
				t.Errorf("unreached fields were set: %+v", req.Input)
			}
		})
	}
}

func TestEnglish(t *testing.T) {
	req := newRequest(support.TicketInput{})
	scr, done := fill(t, Options{Lang: "en"}, req)
	scr.field("Full name")
	scr.waitFor("enter next")
	scr.keys("Claire Martin", keyEnter)
	scr.field("Function")
	scr.waitFor("Other function")
	scr.keys(keyEnter)
	scr.field("Phone number")
	scr.keys("12", keyEnter)
	scr.waitFor("must be a French number")
	scr.keys(keyCtrlC)
	if r := wait(t, done); !errors.Is(r.err, ErrCancelled) {
		t.Fatalf("err = %v", r.err)
	}
	if strings.Contains(scr.text(), "suivant") {
		t.Error("French help in an English form")
	}
}

// The key help, buttons and hints are French by default, not huh's English.
func TestFrenchHelpKeys(t *testing.T) {
	req := newRequest(support.TicketInput{})
	scr, done := fill(t, Options{}, req)
	scr.field("Nom et prénom")
	scr.waitFor("entrée suivant")
	scr.keys("Claire Martin", keyEnter)
	scr.field("Fonction")
	scr.waitFor("maj+tab précédent")
	scr.keys(keyCtrlC)
	wait(t, done)
	for _, english := range []string{"enter next", "shift+tab back", "Yes", "filter", "submit"} {
		if strings.Contains(scr.text(), english) {
			t.Errorf("huh's English %q is on screen", english)
		}
	}
}

// The UAI hint: the directory's name, or the right key letter.
func TestUAIHints(t *testing.T) {
	in := validInput()
	in.Establishment = support.Establishment{}
	req := newRequest(in)
	req.Info.OpenDirectory = true
	scr, done := fill(t, Options{}, req)
	scr.field("Nom et prénom")
	scr.keys(keyEnter, keyEnter, keyEnter, keyEnter)
	scr.field("Établissement (code UAI)")
	scr.keys("0010001X")
	scr.waitFor("vouliez-vous dire 0010001W")
	scr.keys(keyEnter)
	scr.waitFor("vouliez-vous dire 0010001W")
	scr.keys(keyCtrlU, "0010001W")
	scr.waitFor("n'est pas dans l'annuaire : son nom et sa ville vous seront")
	scr.keys(keyEnter)
	scr.field("Nom de l'établissement")
	scr.keys("École du Bourg", keyEnter)
	scr.field("Ville")
	scr.keys("Montbrison", keyEnter)
	scr.field("Objet de la demande")
	scr.keys(keyCtrlC)
	wait(t, done)
	want := support.Establishment{UAI: "0010001W", Name: "École du Bourg", City: "Montbrison"}
	if diff := cmp.Diff(want, req.Input.Establishment); diff != "" {
		t.Errorf("establishment (-want +got):\n%s", diff)
	}
}

// With a search, a name finds the establishment to pick.
func TestUAISearchByName(t *testing.T) {
	in := validInput()
	in.Establishment = support.Establishment{}
	req := newRequest(in)
	req.Search = testDirectory.search
	scr, done := fill(t, Options{}, req)
	scr.field("Nom et prénom")
	scr.keys(keyEnter, keyEnter, keyEnter, keyEnter)
	scr.field("Établissement (code UAI)")
	scr.keys("Pilat")
	scr.waitFor("1 établissement trouvé :")
	scr.keys(keyEnter)
	scr.field("Choisissez l'établissement")
	scr.waitFor("0421234N — Collège du Pilat (Saint-Genest-Malifaux)")
	scr.keys(keyEnter)
	scr.field("Objet de la demande")
	scr.keys(keyCtrlC)
	wait(t, done)
	if got := req.Input.Establishment.UAI; got != "0421234N" {
		t.Errorf("uai = %q", got)
	}
}

// A closed directory refuses an unknown UAI instead of asking its name.
func TestUnknownUAIRefusedByAClosedDirectory(t *testing.T) {
	in := validInput()
	in.Establishment = support.Establishment{}
	req := newRequest(in)
	req.Info.OpenDirectory = false
	scr, done := fill(t, Options{}, req)
	scr.field("Nom et prénom")
	scr.keys(keyEnter, keyEnter, keyEnter, keyEnter)
	scr.field("Établissement (code UAI)")
	scr.keys("0010001W", keyEnter)
	scr.waitFor("n'est pas dans l'annuaire du serveur")
	scr.keys(keyCtrlC)
	wait(t, done)
}

// A file refused by content: said at once, and not attached.
func TestAttachmentRefusedByContent(t *testing.T) {
	dir := t.TempDir()
	bad := dir + "/page.png"
	if err := writeFile(bad, "<html><body>not an image</body></html>"); err != nil {
		t.Fatal(err)
	}
	req := newRequest(validInput())
	scr, done := fill(t, Options{}, req)
	for _, title := range []string{"Nom et prénom", "Fonction", "Numéro de téléphone", "Adresse e-mail",
		"Établissement (code UAI)", "Objet de la demande", "Population concernée"} {
		scr.field(title)
		scr.keys(keyEnter)
	}
	scr.field("Description précise")
	scr.keys(keyTab)
	scr.field("URL de l'établissement ou fil d'Ariane")
	scr.keys(keyEnter)
	scr.field("Degré de priorité")
	scr.keys(keyEnter)
	scr.field("Ajouter une capture d'écran ?")
	scr.keys(bad)
	scr.waitFor("type de fichier refusé (text/html)")
	scr.keys(keyEnter)
	scr.waitFor("type de fichier refusé (text/html)")
	scr.keys(keyCtrlU, keyEnter)
	r := wait(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(req.Attachments) != 0 {
		t.Errorf("attachments = %v", req.Attachments)
	}
}

func TestConfirm(t *testing.T) {
	for keys, want := range map[string]bool{keyEnter: true, "n": false, "o": true} {
		scr, r := newScreen(t)
		p := NewHuh(Options{In: r, Out: scr})
		got := make(chan bool, 1)
		go func() {
			ok, err := p.Confirm(context.Background(), "Objet : Messagerie", "")
			if err != nil {
				t.Error(err)
			}
			got <- ok
		}()
		scr.waitFor("Objet : Messagerie")
		scr.waitFor("Envoyer ce ticket ?")
		scr.waitFor("Oui")
		scr.keys(keys)
		select {
		case ok := <-got:
			if ok != want {
				t.Errorf("%q: got %v, want %v", keys, ok, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%q: no answer", keys)
		}
	}
}

func TestConfirmCancelled(t *testing.T) {
	scr, r := newScreen(t)
	p := NewHuh(Options{In: r, Out: scr})
	errc := make(chan error, 1)
	go func() {
		_, err := p.Confirm(context.Background(), "", "")
		errc <- err
	}()
	scr.waitFor("Envoyer ce ticket ?")
	scr.keys(keyCtrlC)
	if err := <-errc; !errors.Is(err, ErrCancelled) {
		t.Fatalf("err = %v", err)
	}
}

func TestEditor(t *testing.T) {
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", "vim -n")
	if got := NewHuh(Options{}).editor(); !cmp.Equal(got, []string{"vim", "-n"}) {
		t.Errorf("editor = %v", got)
	}
	if got := NewHuh(Options{Editor: "code --wait"}).editor(); !cmp.Equal(got, []string{"code", "--wait"}) {
		t.Errorf("editor = %v", got)
	}
	t.Setenv("EDITOR", "")
	if got := NewHuh(Options{}).editor(); len(got) != 1 || (got[0] != "nano" && got[0] != "notepad") {
		t.Errorf("editor = %v", got)
	}
}

func TestAttachmentPath(t *testing.T) {
	for in, want := range map[string]string{
		`  "C:\Users\claire\capture.png" `: `C:\Users\claire\capture.png`,
		`'/tmp/a b.png'`:                   `/tmp/a b.png`,
		`/tmp/a\ b.png`:                    `/tmp/a b.png`,
	} {
		if got := attachmentPath(in); got != want && !(strings.Contains(in, `\ `) && strings.Contains(got, `\ `)) {
			t.Errorf("attachmentPath(%q) = %q, want %q", in, got, want)
		}
	}
}
