package prompter

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ent-support/ent-support/internal/rt/rttest"
)

// TestTmuxNewIntoRT: the same form, in a real terminal, files into the
// Request Tracker of .ci/rt: the correspondent types every field (RT has
// no directory, so the establishment's name and town are asked), attaches
// a screenshot, confirms; `show` then reads the ticket back from RT.
func TestTmuxNewIntoRT(t *testing.T) {
	e := rttest.Load(t)
	dir, bin := buildForTmux(t)
	png := writePNG(t, dir)
	cfgDir := filepath.Join(dir, "config")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		t.Fatal(err)
	}
	profile := fmt.Sprintf("profiles:\n  default:\n    server: %s\n    backend: {kind: rt, queue: %q, prefix: CG42N1}\n", e.URL, e.Queue)
	if err := os.WriteFile(filepath.Join(cfgDir, "config.yaml"), []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color", "LANG=fr_FR.UTF-8", "LC_ALL=C.UTF-8",
		"ENT_SUPPORT_CONFIG_DIR=" + cfgDir, "ENT_SUPPORT_STATE_DIR=" + filepath.Join(dir, "state"),
		"ENT_SUPPORT_TOKEN=" + e.CorrToken,
	}
	tm := startNew(t, "rt", bin, env)

	tm.waitFor("┃ Nom et prénom")
	tm.replace("Camille Dupont")
	tm.keys("Enter")
	tm.waitFor("┃ Fonction")
	tm.keys("g", "Down", "Down", "Enter") // correspondant ENT
	tm.waitFor("┃ Numéro de téléphone")
	tm.replace("06 39 98 12 34")
	tm.keys("Enter")
	tm.waitFor("┃ Adresse e-mail")
	tm.replace(e.CorrEmail) // the requestor: the account that reads the ticket back
	tm.keys("Enter")
	tm.waitFor("┃ Établissement (code UAI)")
	tm.replace("0421234N")
	tm.keys("Enter")
	if !tm.establishmentIfAsked() {
		t.Error("RT has no directory: the establishment's name and town must be asked")
	}
	tm.ticketFields()
	number := tm.attachAndSend(png)
	showGives(t, bin, env, number, "Camille Dupont", "06 39 98 12 34", e.CorrEmail, "0421234N", "Collège du Pilat",
		"Messagerie inaccessible", "Depuis ce matin, la messagerie affiche une erreur 500.", "Accueil > Messagerie",
		"majeure", "capture.png")
}
