package prompter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/servertest"
)

// realServer is `ent-support server` in its own process, on a fresh
// SQLite file, with an establishment in its directory and one reporter.
type realServer struct {
	url, adminToken string
	bin, dir        string
}

// startRealServer starts the server process, waits until it listens and
// stops it (SIGINT) at the end of the test.
func startRealServer(t *testing.T, dir, bin string) *realServer {
	t.Helper()
	s := &realServer{adminToken: "ents_tmux_prefill_admin_token_0123456789", bin: bin, dir: dir}
	p := servertest.Start(t, servertest.Options{Bin: bin, Env: []string{"HOME=" + dir}, Token: s.adminToken,
		Args: []string{"--prefix", "CG42N1"}})
	s.url = p.URL()
	s.admin(t, "admin", "establishment", "add", "--uai", "0421234N", "--name", "Collège du Pilat", "--city", "Saint-Genest-Malifaux")
	return s
}

// env is the client's environment against this server with token.
func (s *realServer) env(token string) []string {
	return []string{
		"HOME=" + s.dir, "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color", "LANG=fr_FR.UTF-8", "LC_ALL=C.UTF-8",
		"ENT_SUPPORT_SERVER=" + s.url, "ENT_SUPPORT_TOKEN=" + token,
		"ENT_SUPPORT_CONFIG_DIR=" + filepath.Join(s.dir, "config"), "ENT_SUPPORT_STATE_DIR=" + filepath.Join(s.dir, "state"),
	}
}

// admin runs the binary as the admin and returns its standard output.
func (s *realServer) admin(t *testing.T, args ...string) string {
	t.Helper()
	return s.run(t, s.adminToken, args...)
}

func (s *realServer) run(t *testing.T, token string, args ...string) string {
	t.Helper()
	cmd := exec.Command(s.bin, args...)
	cmd.Env = s.env(token)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("ent-support %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

// reporter adds Marie Curie, head of the Collège du Pilat, and returns her token.
func (s *realServer) reporter(t *testing.T, phone string) string {
	t.Helper()
	args := []string{"admin", "user", "add", "--name", "Marie Curie", "--email", "m.curie@ac-lyon.fr", "--role", "reporter",
		"--function", "chef_etablissement", "--uai", "0421234N"}
	if phone != "" {
		args = append(args, "--phone", phone)
	}
	return strings.TrimSpace(s.admin(t, args...))
}

// me is GET /api/v1/me with token, read straight off the wire.
func (s *realServer) me(t *testing.T, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var u map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&u); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /me: %d %v", resp.StatusCode, err)
	}
	return u
}

// newInTmux runs `ent-support new` in a real terminal as token.
func (s *realServer) newInTmux(t *testing.T, name, token string) *tmux {
	t.Helper()
	env := s.env(token)
	tm := &tmux{t: t, socket: fmt.Sprintf("ent-support-%s-%d", name, os.Getpid()), env: env}
	t.Cleanup(tm.kill)
	tm.run("-u", "-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "50", "-s", "t",
		"env -i "+shellJoin(env)+" "+shellQuote(s.bin)+" new; echo EXIT=$?; sleep 600")
	return tm
}

// ticketFields types the ticket's own fields, from the subject to the
// priority: élèves, majeure.
func (m *tmux) ticketFields() {
	m.t.Helper()
	m.replace("Messagerie inaccessible")
	m.keys("Enter")
	m.waitFor("┃ Population concernée")
	m.keys("g", "Down", "Space", "Enter") // élèves
	m.waitFor("┃ Description précise")
	m.text("Depuis ce matin, la messagerie affiche une erreur 500.")
	m.keys("Tab")
	m.waitFor("┃ URL de l'établissement ou fil d'Ariane")
	m.replace("Accueil > Messagerie")
	m.keys("Enter")
	m.waitFor("┃ Degré de priorité")
	m.waitFor("Majeure : une fonctionnalité majeure d'un service est indisponible")
	m.keys("g", "Down", "Enter") // majeure
}

// notAsked fails the test for each question title the screen shows.
func notAsked(t *testing.T, screen string, titles ...string) {
	t.Helper()
	for _, q := range titles {
		if strings.Contains(screen, q) {
			t.Errorf("the form asks %q:\n%s", q, screen)
		}
	}
}

// typeTicket types the ticket's own fields, from the subject on, and
// confirms the summary, which must show the identity no one typed.
func typeTicket(t *testing.T, tm *tmux, identity ...string) {
	t.Helper()
	tm.ticketFields()
	tm.waitFor("┃ Ajouter une capture d'écran ?")
	tm.keys("Enter")
	screen := tm.waitFor("Envoyer ce ticket")
	for _, w := range identity {
		if !strings.Contains(screen, w) {
			t.Errorf("the summary does not show %q:\n%s", w, screen)
		}
	}
	tm.waitFor("o Oui")
	tm.keys("Enter")
}

var identityTitles = []string{"┃ Nom et prénom", "┃ Fonction", "┃ Numéro de téléphone", "┃ Adresse e-mail", "┃ Établissement"}

// TestTmuxReporterIsAskedNoIdentity: a reporter with one establishment
// and a complete profile runs `ent-support new` in a real terminal
// against a real server process: the first question is the subject, no
// identity question comes at any point, nothing is offered to save, and
// the ticket carries their identity.
func TestTmuxReporterIsAskedNoIdentity(t *testing.T) {
	dir, bin := buildForTmux(t)
	s := startRealServer(t, dir, bin)
	token := s.reporter(t, "06 39 98 12 34")

	tm := s.newInTmux(t, "prefill", token)
	notAsked(t, tm.waitFor("┃ Objet de la demande"), identityTitles...)
	typeTicket(t, tm, "Marie Curie", "06 39 98 12 34", "m.curie@ac-lyon.fr", "0421234N", "Collège du Pilat")
	screen := tm.waitFor("EXIT=")
	if !strings.Contains(screen, "EXIT=0") {
		t.Fatalf("ent-support new failed:\n%s", screen)
	}
	if strings.Contains(screen, "Enregistrer") {
		t.Errorf("nothing differs from the profile, yet saving is offered:\n%s", screen)
	}
	number := regexp.MustCompile(`CG42N1-\d+`).FindString(screen)
	if number == "" {
		t.Fatalf("no ticket number:\n%s", screen)
	}
	out := s.run(t, token, "show", number)
	for _, want := range []string{"Marie Curie", "06 39 98 12 34", "m.curie@ac-lyon.fr", "0421234N", "Collège du Pilat",
		"Saint-Genest-Malifaux", "Messagerie inaccessible"} {
		if !strings.Contains(out, want) {
			t.Errorf("show does not give %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?i)chef d'établissement`).MatchString(out) {
		t.Errorf("show does not give the function held at the Collège du Pilat:\n%s", out)
	}
}

// TestTmuxPhoneTypedIsSavedToTheProfile: a reporter whose profile has no
// phone is asked only the phone, types it, files the ticket, and answers
// yes when asked to save it; GET /me then gives it.
func TestTmuxPhoneTypedIsSavedToTheProfile(t *testing.T) {
	dir, bin := buildForTmux(t)
	s := startRealServer(t, dir, bin)
	token := s.reporter(t, "")

	tm := s.newInTmux(t, "save", token)
	notAsked(t, tm.waitFor("┃ Numéro de téléphone"), "┃ Nom et prénom", "┃ Fonction", "┃ Adresse e-mail")
	tm.replace("06 12 34 56 78")
	tm.waitFor("✓ 06 12 34 56 78")
	tm.keys("Enter")
	notAsked(t, tm.waitFor("┃ Objet de la demande"), "┃ Établissement")
	typeTicket(t, tm, "Marie Curie", "06 12 34 56 78", "Collège du Pilat")
	tm.waitFor("Enregistrer le numéro 06 12 34 56 78 dans votre profil")
	tm.keys("Enter") // Oui
	screen := tm.waitFor("EXIT=")
	if !strings.Contains(screen, "EXIT=0") || !strings.Contains(screen, "Profil enregistré : le numéro 06 12 34 56 78.") {
		t.Fatalf("after saving:\n%s", screen)
	}
	if got := s.me(t, token)["phone"]; got != "+33612345678" {
		t.Errorf("GET /me gives the phone %v, want +33612345678", got)
	}
}
