package prompter

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/servertest"
)

const tmuxAdminToken = "ents_tmux_bootstrap_token_0123456789abcdef"

// startServerForTmux runs `ent-support server` (the binary under test) on
// a free loopback port and returns its address; at the end of the test,
// its log must not hold the token.
func startServerForTmux(t *testing.T, bin string) string {
	t.Helper()
	p := servertest.Start(t, servertest.Options{Bin: bin, Token: tmuxAdminToken, Args: []string{"--prefix", "CG42N1"}})
	// Registered after Start's, so run before it: the log is read once
	// the server stopped.
	t.Cleanup(func() {
		p.Stop()
		if strings.Contains(p.Log(), tmuxAdminToken) {
			t.Errorf("the server logged the token")
		}
	})
	return p.Addr
}

// TestTmuxAuthLoginHidesTheToken: `auth login` in a real terminal asks the
// server then the token; the token never shows on the screen, in the form
// nor in accessible mode; it is checked, kept (in the file: there is no
// session bus here), and `auth status` then finds it.
func TestTmuxAuthLoginHidesTheToken(t *testing.T) {
	dir, bin := buildForTmux(t)
	addr := startServerForTmux(t, bin)
	cfgDir := filepath.Join(dir, "config")
	env := []string{
		"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color",
		"LANG=fr_FR.UTF-8", "LC_ALL=C.UTF-8",
		"ENT_SUPPORT_CONFIG_DIR=" + cfgDir, "ENT_SUPPORT_DATA_DIR=" + filepath.Join(dir, "data"),
		"ENT_SUPPORT_STATE_DIR=" + filepath.Join(dir, "state"),
		"DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(dir, "no-such-bus"),
	}
	var tm *tmux
	start := func(name string, extra ...string) {
		tm = &tmux{t: t, socket: fmt.Sprintf("ent-support-auth-%s-%d", name, os.Getpid()), env: env}
		t.Cleanup(tm.kill)
		e := append(append([]string{}, env...), extra...)
		tm.run("-u", "-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "50", "-s", "t",
			"env -i "+shellJoin(e)+" "+shellQuote(bin)+" auth login; echo EXIT=$?; sleep 600")
	}

	// typeSecret types the token, checks that no part of it shows, and
	// sends it.
	typeSecret := func() {
		t.Helper()
		tm.text(tmuxAdminToken)
		time.Sleep(200 * time.Millisecond)
		if s := tm.screen(); strings.Contains(s, "tmux_bootstrap") {
			t.Fatalf("the token shows as it is typed:\n%s", s)
		}
		tm.keys("Enter")
	}

	start("form")
	tm.waitFor("┃ Adresse du serveur d'assistance")
	tm.replace("ftp://" + addr)
	tm.keys("Enter")
	tm.waitFor("doit être une URL http(s) complète")
	tm.replace("http://" + addr)
	tm.keys("Enter")
	tm.waitFor("┃ Jeton pour http://" + addr + " (il ne s'affiche pas)")
	typeSecret()
	screen := tm.waitFor("EXIT=")
	for _, want := range []string{"EXIT=0", "jeton rangé dans ", "credentials.json (lisible par vous seul)", "Compte : Administrateur", "Rôle : administrateur"} {
		if !strings.Contains(screen, want) {
			t.Errorf("after login, the terminal lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, tmuxAdminToken) {
		t.Errorf("the token shows after login:\n%s", screen)
	}
	tm.kill()

	status := func() string {
		t.Helper()
		c := exec.Command(bin, "auth", "status")
		c.Env = env
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("auth status: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := status(); !strings.Contains(out, "du fichier "+filepath.Join(cfgDir, "credentials.json")) {
		t.Errorf("auth status:\n%s", out)
	}

	// Accessible mode: one question a line; Enter keeps the profile's server.
	start("a11y", "ACCESSIBLE=1")
	tm.waitFor("Adresse du serveur d'assistance")
	tm.waitFor("Valeur actuelle : http://" + addr)
	tm.keys("Enter")
	tm.waitFor("Jeton pour http://" + addr + " (il ne s'affiche pas) :")
	typeSecret()
	screen = tm.waitFor("EXIT=")
	if !strings.Contains(screen, "EXIT=0") || !strings.Contains(screen, "Compte : Administrateur") || strings.Contains(screen, "tmux_bootstrap") {
		t.Errorf("accessible login:\n%s", screen)
	}
}
