//go:build unix

package prompter

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestAccessibleTerminalAsksNothing runs the real binary, `ent-support new`
// with ACCESSIBLE=1 on the embedded server, in a pseudo-terminal that never
// answers a query, as screen readers' set-ups often do. Not one escape
// byte may reach that terminal (no background-colour or cursor query, no
// colour), the first question must come at once (within a second, not
// after a query's 5-second wait), and the form must say before it that
// the ticket will reach no support agent; at the end, that it did not.
func TestAccessibleTerminalAsksNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives a terminal")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ent-support")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ent-support")
	build.Dir = moduleRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfgDir, dataDir := filepath.Join(dir, "config"), filepath.Join(dir, "data")
	cmd := exec.Command(bin, "new")
	cmd.Env = []string{
		"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color", "ACCESSIBLE=1",
		"LANG=fr_FR.UTF-8", "LC_ALL=C.UTF-8",
		"ENT_SUPPORT_CONFIG_DIR=" + cfgDir, "ENT_SUPPORT_DATA_DIR=" + dataDir,
		"ENT_SUPPORT_SYSTEM_CONFIG=" + filepath.Join(dir, "etc", "config.yaml"),
	}
	start := time.Now()
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		tty.Close()
	})

	term := &ptyScreen{seen: make(chan struct{}, 1)}
	go io.Copy(term, tty) // ends with EIO when the command exits

	first := term.waitFor(t, "Nom et prénom", 10*time.Second)
	if d := first.Sub(start); d > time.Second {
		t.Errorf("first question after %v, want at once (under 1s)", d)
	}
	notice := "Attention : aucun serveur n'est configuré. Ce ticket restera sur cet ordinateur et n'atteindra aucun agent du support."
	if text := term.text(); !strings.Contains(text[:strings.Index(text, "Nom et prénom")], notice) {
		t.Errorf("no notice before the first question:\n%s", text)
	}

	// The rest of the ticket, one line per question, as a person types it.
	answers := []string{"Claire Martin", "2", "06 39 98 12 34", "claire.martin@ac-lyon.fr",
		"0010001W", "École du Bourg", "Montbrison", "Messagerie inaccessible", "2",
		"Depuis ce matin, la messagerie affiche une erreur 500.", ".", "Accueil > Messagerie", "2",
		"", "o"}
	if _, err := io.WriteString(tty, strings.Join(answers, "\n")+"\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err // for the clean-up
		if err != nil {
			t.Fatalf("ent-support new: %v\n%s", err, term.text())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("ent-support new did not finish:\n%s", term.text())
	}
	term.waitFor(t, "CG42N1-1\r\n", 5*time.Second)
	term.waitFor(t, "Le ticket CG42N1-1 est resté sur cet ordinateur : il n'a atteint aucun agent du support.", 5*time.Second)
	if text := term.text(); strings.ContainsRune(text, '\x1b') {
		t.Errorf("escape sequences written to the terminal:\n%q", text)
	}
}

// ptyScreen gathers what a pseudo-terminal shows.
type ptyScreen struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen chan struct{}
}

func (s *ptyScreen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	select {
	case s.seen <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (s *ptyScreen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor returns when want was first seen (to a few milliseconds), or
// fails the test after timeout.
func (s *ptyScreen) waitFor(t *testing.T, want string, timeout time.Duration) time.Time {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if strings.Contains(s.text(), want) {
			return time.Now()
		}
		select {
		case <-s.seen:
		case <-deadline:
			t.Fatalf("%q not shown within %v:\n%s", want, timeout, s.text())
			return time.Time{}
		}
	}
}
