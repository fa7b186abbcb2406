package prompter

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ent-support/ent-support/internal/redmine/redminetest"
	"github.com/ent-support/ent-support/internal/support"
)

// TestTmuxNewOnRedmine: the form, typed in a real terminal, files the
// ticket in the real Redmine of .ci/redmine (a profile of kind redmine):
// Redmine has no directory, so the form asks the establishment's name and
// city; the number carries the profile's prefix, and show reads back from
// Redmine's custom fields what was typed.
func TestTmuxNewOnRedmine(t *testing.T) {
	e := redminetest.Real(t)
	dir, bin := buildForTmux(t)
	png := writePNG(t, dir)
	cfg := filepath.Join(dir, "config")
	if err := os.MkdirAll(cfg, 0o700); err != nil {
		t.Fatal(err)
	}
	profile := fmt.Sprintf("profiles:\n  default:\n    server: %s\n    token: %s\n    backend: {kind: redmine, project: %s, tracker: %s, prefix: CG42N1}\n",
		e.URL, e.Key, e.Project, e.Tracker)
	if err := os.WriteFile(filepath.Join(cfg, "config.yaml"), []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color", "LANG=fr_FR.UTF-8",
		"LC_ALL=C.UTF-8", "ENT_SUPPORT_CONFIG_DIR=" + cfg, "ENT_SUPPORT_STATE_DIR=" + filepath.Join(dir, "state")}
	tm := startNew(t, "redmine", bin, env)
	// Redmine says who holds the key (a Rapporteur: a reporter), so the
	// name is the account's and is not asked again; the form opens on the
	// function.
	for _, step := range []struct{ question, answer string }{
		{"┃ Fonction", ""}, {"┃ Numéro de téléphone", "06 39 98 12 34"},
		{"┃ Adresse e-mail", "claire.martin@ac-lyon.fr"}, {"┃ Établissement (code UAI)", "0421234N"},
	} {
		tm.waitFor(step.question)
		if step.answer == "" {
			tm.keys("g", "Down") // adjoint
		} else {
			tm.replace(step.answer)
		}
		tm.keys("Enter")
	}
	if !tm.establishmentIfAsked() {
		t.Error("Redmine has no directory: the establishment's name and town must be asked")
	}
	tm.ticketFields()
	number := tm.attachAndSend(png)

	show := exec.Command(bin, "show", number, "--json")
	show.Env = env
	out, err := show.Output()
	if err != nil {
		t.Fatalf("show %s: %v", number, err)
	}
	var got support.Ticket
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.Reporter.Name != "Camille Dupont" || got.Reporter.Function != support.Adjoint || got.Reporter.Phone != "+33639981234" ||
		got.Establishment != (support.Establishment{UAI: "0421234N", Name: "Collège du Pilat", City: "Saint-Genest-Malifaux"}) ||
		len(got.Population) != 1 || got.Population[0] != "eleves" || got.Location != "Accueil > Messagerie" ||
		got.Priority != support.Majeure || len(got.Attachments) != 1 || got.Attachments[0].Name != "capture.png" {
		t.Fatalf("show --json:\n%s", out)
	}
}
