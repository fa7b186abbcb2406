package prompter

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const tmuxAdminToken = "ents_tmux_bootstrap_token_0123456789abcdef"

// startServerForTmux runs `ent-support server` (the binary under test) on
// a free loopback port and returns its address.
func startServerForTmux(t *testing.T, dir, bin string) string {
	t.Helper()
	ready := filepath.Join(dir, "ready")
	cmd := exec.Command(bin, "server", "--addr", "127.0.0.1:0", "--database", "sqlite:"+filepath.Join(dir, "server.db"),
		"--ready-file", ready, "--prefix", "CG42N1")
	cmd.Env = append(os.Environ(), "ENT_SUPPORT_BOOTSTRAP_TOKEN="+tmuxAdminToken, "ENT_SUPPORT_DATA_DIR="+filepath.Join(dir, "server-data"))
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
		if strings.Contains(log.String(), tmuxAdminToken) {
			t.Errorf("the server logged the token")
		}
	})
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(ready); err == nil && len(bytes.TrimSpace(b)) > 0 {
			return string(bytes.TrimSpace(b))
		}
	}
	t.Fatalf("the server did not start:\n%s", log.String())
	return ""
}

// TestTmuxAuthLoginHidesTheToken: `auth login` in a real terminal asks the
// server then the token; the token never shows on the screen, in the form
// nor in accessible mode; it is checked, kept (in the file: there is no
// session bus here), and `auth status` then finds it.
func TestTmuxAuthLoginHidesTheToken(t *testing.T) {
	dir, bin := buildForTmux(t)
	addr := startServerForTmux(t, dir, bin)
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
