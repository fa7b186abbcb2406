package entcmd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/servertest"
	"github.com/ent-support/ent-support/internal/support"
)

// TestNetworkTextNeverReachesTheTerminalRaw: a server (ours compromised,
// a proxy, or a helpdesk that stores anything) answers with escape
// sequences and bidi overrides in a comment, a subject, an author and an
// error: `show`, `list` and the error message print them made visible,
// with no raw ESC, BEL, C1 or bidi control; `show --json` stays exact.
func TestNetworkTextNeverReachesTheTerminalRaw(t *testing.T) {
	const evil = "\x1b]0;pwned\x07\x1b[2J"
	at := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	tk := support.Ticket{TicketSummary: support.TicketSummary{
		Number: support.Number{Prefix: "CG42N1", Seq: 1},
		TicketInput: support.TicketInput{
			Reporter:      support.Reporter{Name: "Claire Martin", Function: "chef_etablissement", Phone: "+33639981234", Email: "claire.martin@ac-lyon.fr"},
			Establishment: support.Establishment{UAI: "0421234N", Name: "Collège du Pilat", City: "Bourg-Argental"},
			Subject:       "Messagerie " + evil, Population: []support.Population{"tous"},
			Description: "Ligne 1\nLigne 2", Location: "Accueil > Messagerie", Priority: "majeure",
		},
		Status: "nouveau", CreatedAt: at, UpdatedAt: at,
	}, Comments: []support.Comment{{ID: 1, Author: "agent\u202Efdp.exe", Role: "agent",
		Body: "Bonjour " + evil + " texte \u202Einversé\u2066\nseconde ligne \u009b31m", CreatedAt: at}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/v1/tickets":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"tickets": []support.TicketSummary{tk.TicketSummary}})
		case r.URL.Path == "/api/v1/tickets/1":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(tk)
		default:
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusTeapot)
			json.NewEncoder(w).Encode(map[string]any{"title": "Refus " + evil, "detail": "Refus " + evil + "\u202E", "status": 418})
		}
	}))
	defer srv.Close()
	c := newClient(t, srv.URL)
	raw := func(name, s string) {
		t.Helper()
		if i := strings.IndexFunc(s, func(r rune) bool {
			return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) ||
				(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
		}); i >= 0 {
			t.Errorf("%s: raw control %q at %d in %q", name, s[i:i+1], i, s)
		}
	}

	code, out, errs := c.run("show", "1")
	if code != 0 {
		t.Fatalf("show: exit %d: %s", code, errs)
	}
	raw("show stdout", out)
	raw("show stderr", errs)
	for _, want := range []string{"Messagerie ␛]0;pwned␇␛[2J", "agent<U+202E>fdp.exe", "Bonjour ␛]0;pwned␇␛[2J texte <U+202E>inversé<U+2066>", "seconde ligne <U+009B>31m"} {
		if !strings.Contains(out, want) {
			t.Errorf("show: %q not shown in\n%s", want, out)
		}
	}

	code, out, errs = c.run("list")
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, errs)
	}
	raw("list stdout", out)
	if !strings.Contains(out, "Messagerie ␛]0;pwned␇␛[2J") {
		t.Errorf("list: %s", out)
	}

	code, out, errs = c.run("show", "2")
	if code == 0 {
		t.Fatalf("show 2: exit 0")
	}
	raw("error stderr", errs)
	raw("error stdout", out)

	// JSON is exact: the same text, escaped by JSON itself.
	code, out, _ = c.run("show", "1", "--json")
	var back support.Ticket
	if code != 0 || json.Unmarshal([]byte(out), &back) != nil || back.Comments[0].Body != tk.Comments[0].Body {
		t.Fatalf("show --json changed the text: exit %d, %q", code, out)
	}

	// --jq and --template print strings raw: on a terminal they are
	// shown, never obeyed; through a pipe they stay exact.
	c.env = append(c.env, "ENT_SUPPORT_FORCE_TTY=1")
	for _, args := range [][]string{{"show", "1", "--jq", ".comments[0].body"},
		{"show", "1", "--template", "{{.subject}} {{(index .comments 0).author}}"}, {"list", "--jq", ".[].subject"}} {
		code, out, errs = c.run(args...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errs)
		}
		raw(strings.Join(args, " "), out)
		if !strings.Contains(out, "␛]0;pwned␇␛[2J") {
			t.Errorf("%q: %q", args, out)
		}
	}
	c.env = c.env[:len(c.env)-1]
	if code, out, _ = c.run("show", "1", "--jq", ".subject"); code != 0 || out != tk.Subject+"\n" {
		t.Errorf("show --jq through a pipe changed the text: exit %d, %q", code, out)
	}
}

// TestBashCompletesTicketNumbersInARealTerminal: in bash, in a real
// terminal (tmux), with `source <(ent-support completion bash)` as its
// documentation says, `ent-support show <TAB><TAB>` lists the numbers of
// the tickets on a real server with their subjects, and `show C<TAB>`
// completes to the server's prefix, then lists whole numbers.
func TestBashCompletesTicketNumbersInARealTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a terminal")
	}
	// cobra's bash script reads the command line with bash-completion's
	// _get_comp_words_by_ref, as every Debian and Homebrew bash has it.
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	for _, tool := range []string{"tmux", "bash", bashCompletion} {
		_, err := exec.LookPath(tool)
		if filepath.IsAbs(tool) {
			_, err = os.Stat(tool)
		}
		if err != nil {
			if ci := os.Getenv("CI"); ci != "" && ci != "0" && ci != "false" {
				t.Fatalf("%s is needed for the real-terminal completion test on CI: install it", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	bin, err := exec.LookPath("ent-support")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	srv, err := servertest.Start(bin, append(os.Environ(), "ENT_SUPPORT_BOOTSTRAP_TOKEN="+bootstrapToken,
		"ENT_SUPPORT_DATA_DIR="+filepath.Join(work, "server-data"), "TMPDIR="+work),
		filepath.Join(work, "server.log"), filepath.Join(work, "server-addr"),
		"--database", "sqlite:"+filepath.Join(work, "server.db"), "--prefix", "CG42N1", "--open-directory")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	c := newClient(t, srv.URL())
	for _, subject := range []string{"Messagerie inaccessible", "Cahier de textes vide"} {
		if code, _, errs := c.run("new", "--no-input", "--from-file", "ticket.yaml", "--subject", subject); code != 0 {
			t.Fatalf("new: exit %d: %s", code, errs)
		}
	}

	// Only what the shell needs: no user's rc file.
	env := []string{"HOME=" + work, "PATH=" + filepath.Dir(bin) + ":/usr/bin:/bin", "TERM=xterm-256color",
		"LANG=C.UTF-8", "ENT_SUPPORT_SERVER=" + srv.URL(), "ENT_SUPPORT_TOKEN=" + bootstrapToken,
		"ENT_SUPPORT_CONFIG_DIR=" + filepath.Join(work, "config"), "ENT_SUPPORT_STATE_DIR=" + filepath.Join(work, "state"),
		"ENT_SUPPORT_CACHE_DIR=" + filepath.Join(work, "cache"), "PS1=$ ", "HISTFILE="}
	sh := &shellPane{t: t, socket: fmt.Sprintf("ent-completion-%d", os.Getpid())}
	t.Cleanup(func() { _ = sh.tmux("kill-server").Run() })
	if out, err := sh.tmux("-u", "-f", "/dev/null", "new-session", "-d", "-x", "160", "-y", "40", "-s", "t",
		"env -i "+strings.Join(quoteAll(env), " ")+" bash --norc --noprofile").CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	sh.send("-l", "source "+bashCompletion+"; source <(ent-support completion bash)")
	sh.send("Enter")
	sh.send("-l", "ent-support show ")
	sh.send("Tab")
	sh.send("Tab")
	screen := sh.waitFor("Cahier de textes vide", "Messagerie inaccessible")
	for _, want := range []string{"1  (Messagerie inaccessible (Nouveau))", "2  (Cahier de textes vide (Nouveau))"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the list lacks %q:\n%s", want, screen)
		}
	}
	// A letter typed: what all have in common is put in, then whole
	// numbers are listed.
	sh.send("C-u")
	sh.send("-l", "clear")
	sh.send("Enter")
	sh.send("-l", "ent-support show C")
	sh.send("Tab")
	sh.waitFor("$ ent-support show CG42N1-")
	sh.send("Tab")
	sh.send("Tab")
	sh.waitFor("CG42N1-1  (Messagerie inaccessible (Nouveau))", "CG42N1-2  (Cahier de textes vide (Nouveau))")
	if _, err := os.Stat(filepath.Join(work, "cache", "completion")); err != nil {
		t.Errorf("no cache kept: %v", err)
	}
}

// shellPane is a shell in a tmux session of its own.
type shellPane struct {
	t      *testing.T
	socket string
}

func (p *shellPane) tmux(args ...string) *exec.Cmd {
	return exec.Command("tmux", append([]string{"-L", p.socket}, args...)...)
}

// send sends keys (tmux send-keys arguments: "-l", text; or key names).
func (p *shellPane) send(keys ...string) {
	p.t.Helper()
	if out, err := p.tmux(append([]string{"send-keys", "-t", "t"}, keys...)...).CombinedOutput(); err != nil {
		p.t.Fatalf("tmux send-keys: %v\n%s", err, out)
	}
}

// waitFor waits (15 s at most) until the pane shows every want, and
// returns the pane's text.
func (p *shellPane) waitFor(wants ...string) string {
	p.t.Helper()
	var screen string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		out, err := p.tmux("capture-pane", "-p", "-t", "t").Output()
		if err != nil {
			p.t.Fatalf("tmux capture-pane: %v", err)
		}
		screen = string(out)
		all := true
		for _, w := range wants {
			all = all && strings.Contains(screen, w)
		}
		if all {
			return screen
		}
	}
	p.t.Fatalf("the terminal never showed %q:\n%s", wants, screen)
	return ""
}

// quoteAll quotes each word for sh.
func quoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return out
}
