package servertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/testenv"
)

// Mailpit, a real SMTP server with a REST API, receives the mail of the
// tests that check what a server sends. .ci/run installs it.

// MailpitBin finds the Mailpit that .ci/run installs: on PATH or in
// .ci/bin. Missing, the test fails under CI and is skipped elsewhere.
func MailpitBin(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	if p, err := filepath.Abs("../../.ci/bin/mailpit"); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if testenv.InCI() {
		t.Fatal("mailpit not found (PATH or .ci/bin): run .ci/run")
	}
	t.Skip("mailpit not found; .ci/run installs it")
	return ""
}

// FreePort returns a loopback port free at the time of the call.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Mailpit is a real SMTP server whose mail is read back through its REST API.
type Mailpit struct {
	SMTPPort int    // where the server sends mail
	API      string // base URL of its REST API
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has exited
}

// StartMailpit starts Mailpit with SMTP on smtpPort (0: a free one) and
// stops it at the end of the test.
func StartMailpit(t testing.TB, smtpPort int) *Mailpit {
	t.Helper()
	bin := MailpitBin(t)
	fixedSMTP := smtpPort != 0
	var out bytes.Buffer
	// A free port can be taken between our check and Mailpit's listen, and
	// a loaded machine starts it slowly: try a few times, wait long
	// enough, and show what Mailpit said when it does not come up.
	for attempt := 1; ; attempt++ {
		if !fixedSMTP {
			smtpPort = FreePort(t)
		}
		m := &Mailpit{SMTPPort: smtpPort, exited: make(chan struct{})}
		httpPort := FreePort(t)
		m.API = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
		out.Reset()
		args := []string{"--smtp", fmt.Sprintf("127.0.0.1:%d", smtpPort), "--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
			"--disable-version-check", "--smtp-disable-rdns", "--database", filepath.Join(t.TempDir(), "mailpit.db")}
		m.cmd = exec.Command(bin, args...)
		m.cmd.Stdout, m.cmd.Stderr = &out, &out
		ownGroup(m.cmd)
		if err := m.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		track(m.cmd.Process.Pid)
		go func() { m.cmd.Wait(); close(m.exited) }()
		if m.ready(30 * time.Second) {
			t.Cleanup(m.Stop)
			return m
		}
		m.Stop()
		if attempt == 3 {
			t.Fatalf("mailpit did not start after %d attempts; it said:\n%s", attempt, out.String())
		}
	}
}

// ready waits for Mailpit to answer /readyz; false if it exited or the
// time ran out.
func (m *Mailpit) ready(within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(m.API + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return true
			}
		}
		select {
		case <-m.exited:
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}

// Stop ends the Mailpit process.
func (m *Mailpit) Stop() {
	select {
	case <-m.exited:
	default:
		killGroup(m.cmd.Process)
		<-m.exited
	}
}

// MailSummary is a message as Mailpit lists it.
type MailSummary struct {
	ID, MessageID, Subject string
	To                     []struct{ Address string }
}

// Mail is a whole message as Mailpit gives it.
type Mail struct {
	MessageID, Subject, Text, HTML string
}

// Get decodes the JSON answer of Mailpit's API at path into v.
func (m *Mailpit) Get(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(m.API + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// Messages returns every message Mailpit holds, oldest first.
func (m *Mailpit) Messages(t testing.TB) []MailSummary {
	t.Helper()
	var page struct {
		Messages []MailSummary `json:"messages"`
	}
	m.Get(t, "/api/v1/messages?limit=1000", &page)
	out := page.Messages
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Message returns the message of that Mailpit ID.
func (m *Mailpit) Message(t testing.TB, id string) Mail {
	t.Helper()
	var msg Mail
	m.Get(t, "/api/v1/message/"+id, &msg)
	return msg
}

// WaitFor waits until Mailpit holds n messages, then a little longer to
// see that no more come, and returns them.
func (m *Mailpit) WaitFor(t testing.TB, n int) []MailSummary {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for len(m.Messages(t)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d messages after 20 s, want %d", len(m.Messages(t)), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(700 * time.Millisecond) // more than the test poll: a duplicate would show
	got := m.Messages(t)
	if len(got) != n {
		t.Fatalf("%d messages, want exactly %d", len(got), n)
	}
	ids := map[string]bool{}
	for _, s := range got {
		if ids[s.MessageID] {
			t.Errorf("Message-ID %s delivered twice", s.MessageID)
		}
		ids[s.MessageID] = true
	}
	return got
}
