package entcmd

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// followProc is `ent-support follow` running in the background, its
// stdout read line by line.
type followProc struct {
	cmd    *exec.Cmd
	lines  chan string
	done   chan int      // the exit code
	stderr *bytes.Buffer // complete once done has its code
}

func (c *client) follow(args ...string) *followProc {
	c.t.Helper()
	cmd := exec.Command(c.bin, append([]string{"follow"}, args...)...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "ENT_SUPPORT_SERVER="+c.server, "ENT_SUPPORT_TOKEN="+bootstrapToken,
		"ENT_SUPPORT_CONFIG_DIR="+filepath.Join(c.dir, "config"), "ENT_SUPPORT_STATE_DIR="+filepath.Join(c.dir, "state"),
		"ENT_SUPPORT_DATA_DIR="+filepath.Join(c.dir, "data"), "LANG=fr_FR.UTF-8", "CI=true", "TZ=Europe/Paris")
	cmd.Env = append(cmd.Env, c.env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	p := &followProc{cmd: cmd, lines: make(chan string, 100), done: make(chan int, 1), stderr: &bytes.Buffer{}}
	cmd.Stderr = io.MultiWriter(os.Stderr, p.stderr)
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		err := cmd.Wait()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		p.done <- code
	}()
	c.t.Cleanup(func() { cmd.Process.Kill() })
	return p
}

// next waits for the next line.
func (p *followProc) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			t.Fatal("follow ended early")
		}
		return l
	case <-time.After(20 * time.Second):
		t.Fatal("no line from follow within 20 s")
	}
	return ""
}

// rest returns the remaining lines and the exit code.
func (p *followProc) rest(t *testing.T) ([]string, int) {
	t.Helper()
	var lines []string
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				return lines, <-p.done
			}
			lines = append(lines, l)
		case <-timeout:
			t.Fatalf("follow did not end; printed %q", lines)
		}
	}
}

// reporterClient makes the reporter of 0421234N and returns a client
// acting as them.
func reporterClient(t *testing.T, admin *client, server string) *client {
	t.Helper()
	code, out, errs := admin.run("admin", "user", "add", "--name", "Marie Curie", "--email", "marie.curie@example.org",
		"--role", "reporter", "--function", "chef_etablissement", "--uai", "0421234N")
	if code != 0 {
		t.Fatalf("admin user add: %d %s", code, errs)
	}
	r := newClient(t, server)
	r.env = []string{"ENT_SUPPORT_TOKEN=" + strings.TrimSpace(out)}
	return r
}

func mustRun(t *testing.T, c *client, args ...string) {
	t.Helper()
	if code, _, errs := c.run(args...); code != 0 {
		t.Fatalf("ent-support %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
}

// follow, started in the background by the reporter, sees the agent take
// the ticket, their reply, the reporter's comment and the resolution, one
// line each in order, then exits 0.
func TestFollowSeesReplyCommentResolution(t *testing.T) {
	srv := newServerProc(t)
	agent := newClient(t, srv.url())
	reporter := reporterClient(t, agent, srv.url())
	num := reporter.file("Suivi du ticket")
	if num == "" {
		t.Fatal("no number")
	}
	f := reporter.follow(num)
	if l := f.next(t); !strings.Contains(l, "Marie Curie <marie.curie@example.org>  ticket créé (nouveau)  « Suivi du ticket »") {
		t.Fatalf("first line = %q", l)
	}
	mustRun(t, agent, "assign", num)
	mustRun(t, agent, "reply", num, "--message", "Videz le cache\npuis reconnectez-vous.")
	mustRun(t, reporter, "comment", num, "--message", "C'est réglé, merci.")
	mustRun(t, agent, "status", num, "resolu", "--message", "Cache vidé")
	lines, code := f.rest(t)
	if code != 0 {
		t.Errorf("follow exit %d, want 0", code)
	}
	want := []string{
		"confié à ",
		"statut : nouveau → en_cours",
		"réponse du support  « Videz le cache / puis reconnectez-vous. »",
		"Marie Curie <marie.curie@example.org>  information ajoutée  « C'est réglé, merci. »",
		"statut : en_cours → resolu  « Cache vidé »",
	}
	if len(lines) != len(want) {
		t.Fatalf("follow printed %d more lines, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d = %q, want it to contain %q", i+2, lines[i], w)
		}
		// RFC 3339 local time first, then two spaces.
		ts, _, _ := strings.Cut(lines[i], "  ")
		if at, err := time.Parse(time.RFC3339, ts); err != nil || !strings.HasSuffix(ts, at.Format("-07:00")) || strings.HasSuffix(ts, "Z") {
			t.Errorf("line %d starts with %q, want an RFC 3339 local time", i+2, ts)
		}
	}
}

// follow across a server killed with SIGKILL and restarted on the same
// database: it reconnects, resumes after the last event it printed, and
// prints every event exactly once, in order.
func TestFollowAcrossServerRestart(t *testing.T) {
	srv := newServerProc(t)
	agent := newClient(t, srv.url())
	num := agent.file("Suivi pendant un redémarrage")
	if num == "" {
		t.Fatal("no number")
	}
	f := agent.follow(num, "--json")
	var seen []map[string]any
	read := func() {
		var e map[string]any
		if err := json.Unmarshal([]byte(f.next(t)), &e); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, e)
	}
	read() // created
	mustRun(t, agent, "assign", num)
	read() // assignee
	read() // en_cours

	srv.kill9()
	srv.start()
	// Changes right after the restart: follow may not be back yet.
	mustRun(t, agent, "reply", num, "--message", "Après le redémarrage")
	mustRun(t, agent, "priority", num, "bloquante")
	mustRun(t, agent, "status", num, "resolu")
	lines, code := f.rest(t)
	if code != 0 {
		t.Errorf("follow exit %d, want 0", code)
	}
	for _, l := range lines {
		var e map[string]any
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		seen = append(seen, e)
	}
	var kinds []string
	last := 0.0
	for _, e := range seen {
		id, _ := e["id"].(float64)
		if id <= last {
			t.Errorf("event id %v after %v: shown twice or out of order", id, last)
		}
		last = id
		kinds = append(kinds, e["kind"].(string))
	}
	if got, want := strings.Join(kinds, " "), "created assignee status comment priority status"; got != want {
		t.Errorf("events = %s, want %s", got, want)
	}
}

// follow stopped with Ctrl-C (SIGINT) says it stopped following, not that
// nothing was sent, and exits 130.
func TestFollowInterruptedSaysItStopped(t *testing.T) {
	srv := newServerProc(t)
	agent := newClient(t, srv.url())
	num := agent.file("Suivi interrompu")
	if num == "" {
		t.Fatal("no number")
	}
	f := agent.follow(num)
	f.next(t) // the history is printed: follow is waiting for changes
	if err := f.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	lines, code := f.rest(t)
	if code != 130 {
		t.Errorf("follow exit %d, want 130; printed %q", code, lines)
	}
	errs := f.stderr.String()
	if !strings.Contains(errs, "Suivi arrêté (Ctrl-C)") || strings.Contains(errs, "rien n'a été envoyé") {
		t.Errorf("stderr = %q, want it to say following stopped", errs)
	}
}
