package entcmd

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/servertest"
	"github.com/ent-support/ent-support/internal/testenv"
	"github.com/mattn/go-runewidth"

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
			if testenv.InCI() {
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
	srv := servertest.Start(t, servertest.Options{Bin: bin, Token: bootstrapToken, Args: []string{"--prefix", "CG42N1", "--open-directory"}})
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

// termSession is one command run in a real terminal: a tmux session of
// its own and of a given size. Everything the command writes is also
// logged (tmux pipe-pane), so that what is drawn then erased — a
// progress line — can be checked as well as the final screen.
type termSession struct {
	t      *testing.T
	socket string
	log    string
}

var termSessions atomic.Int32

// startTerm runs args (the real binary) in a width×height terminal, in
// c's directory with c's environment and nothing else (env -i): no
// PAGER, no NO_COLOR from the machine. It needs tmux: skipped without
// it, except on CI (CI=true), where a missing tmux must not pass.
func startTerm(t *testing.T, c *client, width, height int, extraEnv []string, args ...string) *termSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is needed for the real-terminal tests on CI: install it")
		}
		t.Skip("tmux not installed")
	}
	dir := t.TempDir()
	s := &termSession{t: t, socket: fmt.Sprintf("ent-support-term-%d-%d", os.Getpid(), termSessions.Add(1)),
		log: filepath.Join(dir, "pane.log")}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	env := append([]string{"HOME=" + c.dir, "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color",
		"LANG=fr_FR.UTF-8", "LC_ALL=C.UTF-8", "ENT_SUPPORT_SERVER=" + c.server, "ENT_SUPPORT_TOKEN=" + bootstrapToken,
		"ENT_SUPPORT_CONFIG_DIR=" + filepath.Join(c.dir, "config"), "ENT_SUPPORT_STATE_DIR=" + filepath.Join(c.dir, "state"),
		"ENT_SUPPORT_DATA_DIR=" + filepath.Join(c.dir, "data")}, extraEnv...)
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
	var line strings.Builder
	// The command waits for the log to be on before it starts.
	gate := filepath.Join(dir, "go")
	fmt.Fprintf(&line, "until [ -e %s ]; do sleep 0.05; done; cd %s && env -i", quote(gate), quote(c.dir))
	for _, e := range env {
		line.WriteString(" " + quote(e))
	}
	line.WriteString(" " + quote(c.bin))
	for _, a := range args {
		line.WriteString(" " + quote(a))
	}
	line.WriteString("; echo EXIT=$?; sleep 600")
	s.tmux("-u", "-f", "/dev/null", "new-session", "-d", "-x", strconv.Itoa(width), "-y", strconv.Itoa(height),
		"-s", "t", line.String())
	s.tmux("pipe-pane", "-t", "t", "-o", "cat >> "+quote(s.log))
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *termSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *termSession) screen() string { return s.tmux("capture-pane", "-p", "-t", "t") }

// waitFor polls the screen until want shows, and returns the screen.
func (s *termSession) waitFor(want string) string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		screen := s.screen()
		if strings.Contains(screen, want) {
			return screen
		}
		// The pane prints EXIT= when the command is over: no use waiting.
		if time.Now().After(deadline) || strings.Contains(screen, "EXIT=") {
			s.t.Fatalf("waited for %q in vain; the terminal shows:\n%s", want, screen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// written is everything the command wrote to the terminal so far.
func (s *termSession) written() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// TestTerminalListFitsNarrowWidth: in a terminal 72 columns wide, the
// table of `list` fits: one line per ticket, none wider than the screen,
// the subject cut with "…", the status in colour; the same list on a pipe
// keeps whole subjects, tab-separated.
func TestTerminalListFitsNarrowWidth(t *testing.T) {
	s := newServerProc(t)
	c := newClient(t, s.url())
	long := "La messagerie affiche une erreur 500 à chaque connexion depuis la mise à jour de lundi"
	for range 3 {
		c.file(long)
	}
	term := startTerm(t, c, 72, 20, nil, "list")
	screen := term.waitFor("EXIT=")
	if !strings.Contains(screen, "EXIT=0") {
		t.Fatalf("list failed:\n%s", screen)
	}
	var rows int
	for _, line := range strings.Split(strings.TrimRight(screen, "\n"), "\n") {
		line = strings.TrimRight(line, " ")
		switch {
		case line == "" || line == "EXIT=0":
		case strings.HasPrefix(line, "NUMÉRO "):
		case strings.HasPrefix(line, "CG42N1-"):
			rows++
			if !strings.HasSuffix(line, "…") {
				t.Errorf("subject not cut: %q", line)
			}
		default:
			t.Errorf("a line that is neither the header nor a ticket (wrapped?): %q", line)
		}
		if w := runewidth.StringWidth(line); w > 72 {
			t.Errorf("line of %d columns on a 72-column terminal: %q", w, line)
		}
	}
	if rows != 3 {
		t.Errorf("%d ticket lines, want 3:\n%s", rows, screen)
	}
	if out := term.written(); !strings.Contains(out, "\x1b[36mNouveau\x1b[0m") {
		t.Errorf("no colour for the status on a terminal:\n%q", out)
	}
	_, out, _ := c.run("list")
	if strings.Count(out, "\t"+long+"\n") != 3 || strings.Contains(out, "\x1b") {
		t.Errorf("on a pipe, whole subjects and no colour:\n%q", out)
	}
}

// TestTerminalShowLongTicketPaged: a ticket taller than the terminal goes
// through the default pager (less -FRX): its first lines and less's
// prompt show, the command waits until q; --no-pager prints it directly.
func TestTerminalShowLongTicketPaged(t *testing.T) {
	if _, err := exec.LookPath("less"); err != nil {
		t.Skip("less not installed")
	}
	s := newServerProc(t)
	c := newClient(t, s.url())
	var desc strings.Builder
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&desc, "Ligne %d du constat.\n", i)
	}
	if err := os.WriteFile(filepath.Join(c.dir, "desc.txt"), []byte(desc.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	n := c.file("Un long constat", "--description-file", "desc.txt")
	if n == "" {
		t.Fatal("not filed")
	}
	term := startTerm(t, c, 100, 20, nil, "show", n)
	screen := term.waitFor(n + " — Un long constat")
	time.Sleep(300 * time.Millisecond)
	screen = term.screen()
	if strings.Contains(screen, "EXIT=") || strings.Contains(screen, "Ligne 40 du constat.") {
		t.Fatalf("not paged: the whole ticket went by:\n%s", screen)
	}
	term.tmux("send-keys", "-t", "t", "q")
	screen = term.waitFor("EXIT=")
	if !strings.Contains(screen, "EXIT=0") {
		t.Fatalf("show through the pager:\n%s", screen)
	}

	direct := startTerm(t, c, 100, 20, nil, "show", n, "--no-pager")
	screen = direct.waitFor("EXIT=")
	if !strings.Contains(screen, "EXIT=0") || !strings.Contains(direct.written(), "Ligne 40 du constat.") {
		t.Fatalf("--no-pager:\n%s", screen)
	}
	// A pager that cannot start: the ticket is printed anyway.
	broken := startTerm(t, c, 100, 20, []string{"PAGER=/nonexistent/pager"}, "show", n)
	screen = broken.waitFor("EXIT=")
	if !strings.Contains(screen, "EXIT=0") || !strings.Contains(broken.written(), "Ligne 40 du constat.") {
		t.Fatalf("with a pager that cannot start:\n%s", screen)
	}
}

// TestTerminalUploadProgress: an 8 MiB screenshot sent from a terminal
// draws a progress line on it (bytes, rate, time left), erased once sent.
func TestTerminalUploadProgress(t *testing.T) {
	s := newServerProc(t)
	// About 3 MiB/s towards the server: the upload of 8 MiB lasts long
	// enough, past what the kernel's buffers take at once, for the line to
	// show a rate and a time left.
	c := newClient(t, throttledProxy(t, s.addr, 64<<10, 20*time.Millisecond))
	pngFile(t, c.dir, 8<<20)
	term := startTerm(t, c, 120, 20, nil, "new", "--no-input", "--from-file", "ticket.yaml", "--attach", "capture.png")
	screen := term.waitFor("EXIT=")
	if !strings.Contains(screen, "EXIT=0") {
		t.Fatalf("new failed:\n%s", screen)
	}
	out := term.written()
	if !regexp.MustCompile(`\rcapture\.png : [\d,]+ [KM]?i?o sur 8 Mio — .+/s — reste .+\x1b\[K`).MatchString(out) {
		t.Errorf("no progress line written:\n%q", out)
	}
	if !strings.Contains(out, "\r\x1b[K") {
		t.Errorf("the progress line is not erased:\n%q", out)
	}
	if strings.Contains(screen, "sur 8 Mio") {
		t.Errorf("the progress line stayed on the screen:\n%s", screen)
	}
}

// throttledProxy forwards TCP connections to upstream, passing what the
// client sends chunk bytes at a time with a pause between them; answers
// come back at full speed. It returns the proxy's URL.
func throttledProxy(t *testing.T, upstream string, chunk int, pause time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			// A small receive buffer keeps the client's data in the
			// client, not in the kernel's queues.
			_ = down.(*net.TCPConn).SetReadBuffer(chunk)
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				down.Close()
				continue
			}
			go func() {
				defer up.Close()
				defer down.Close()
				_, _ = io.Copy(down, up)
			}()
			go func() {
				buf := make([]byte, chunk)
				for {
					n, err := down.Read(buf)
					if n > 0 {
						if _, werr := up.Write(buf[:n]); werr != nil {
							return
						}
						time.Sleep(pause)
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestProgressAbsentOnPipe: the same upload, and its download, with
// standard output and error on pipes: no progress line, no escape code.
func TestProgressAbsentOnPipe(t *testing.T) {
	s := newServerProc(t)
	c := newClient(t, s.url())
	pngFile(t, c.dir, 3<<20)
	code, out, errs := c.run("new", "--no-input", "--from-file", "ticket.yaml", "--attach", "capture.png")
	if code != 0 {
		t.Fatalf("new: exit %d: %s", code, errs)
	}
	n := strings.TrimSpace(out)
	code, _, derrs := c.run("download", n, "capture.png", "-o", "back.png")
	if code != 0 {
		t.Fatalf("download: exit %d: %s", code, derrs)
	}
	for name, text := range map[string]string{"new": errs, "download": derrs} {
		if strings.ContainsAny(text, "\r\x1b") || strings.Contains(text, "Mio sur") {
			t.Errorf("%s: progress on a pipe: %q", name, text)
		}
	}
}
