package prompter

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/redmine/redminetest"
	"github.com/ent-support/ent-support/internal/support"
)

// TestTmuxNewOnRedmine: the same form, typed in a real terminal, files the
// ticket in the real Redmine of .ci/redmine (a profile of kind redmine):
// Redmine has no directory, so the form asks the establishment's name and
// city; the number carries the profile's prefix, and show reads back what
// was typed from Redmine's custom fields.
func TestTmuxNewOnRedmine(t *testing.T) {
	e := redminetest.Real(t)
	dir, bin := buildForTmux(t)
	png := writePNG(t, dir)
	cfg := filepath.Join(dir, "config")
	if err := os.MkdirAll(cfg, 0o700); err != nil {
		t.Fatal(err)
	}
	profile := fmt.Sprintf("profiles:\n  default:\n    server: %s\n    token: %s\n    backend: {kind: redmine, project: %s, tracker: %s, prefix: RMT}\n",
		e.URL, e.Key, e.Project, e.Tracker)
	if err := os.WriteFile(filepath.Join(cfg, "config.yaml"), []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color", "LANG=fr_FR.UTF-8",
		"LC_ALL=C.UTF-8", "ENT_SUPPORT_CONFIG_DIR=" + cfg, "ENT_SUPPORT_STATE_DIR=" + filepath.Join(dir, "state")}
	tm := &tmux{t: t, socket: fmt.Sprintf("ent-support-redmine-%d", os.Getpid()), env: env}
	t.Cleanup(tm.kill)
	tm.run("-u", "-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "50", "-s", "t",
		"env -i "+shellJoin(env)+" "+shellQuote(bin)+" new; echo EXIT=$?; sleep 600")
	screen := fillNewForm(tm, png)
	number := regexp.MustCompile(`RMT-\d+`).FindString(screen)
	if !strings.Contains(screen, "EXIT=0") || number == "" {
		t.Fatalf("ent-support new on Redmine:\n%s", screen)
	}
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
	if got.Reporter.Function != support.Adjoint || got.Reporter.Phone != "+33477484141" ||
		got.Establishment != (support.Establishment{UAI: "0421234N", Name: "Collège du Pilat", City: "Saint-Genest-Malifaux"}) ||
		len(got.Population) != 1 || got.Population[0] != "eleves" || got.Location != "Accueil > Messagerie" ||
		got.Priority != support.Majeure || len(got.Attachments) != 1 || got.Attachments[0].Name != "capture.png" {
		t.Fatalf("show --json:\n%s", out)
	}
}
