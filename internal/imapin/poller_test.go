package imapin

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/mailtest"
	"github.com/ent-support/ent-support/internal/support"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Target
		err  string
	}{
		{in: "imaps://support@mail.exemple.fr/INBOX", want: Target{Addr: "mail.exemple.fr:993", Host: "mail.exemple.fr", User: "support", Mailbox: "INBOX", TLS: TLSImplicit}},
		{in: "imaps://support%40exemple.fr@mail.exemple.fr:9993", want: Target{Addr: "mail.exemple.fr:9993", Host: "mail.exemple.fr", User: "support@exemple.fr", Mailbox: "INBOX", TLS: TLSImplicit}},
		{in: "imap://support@mail.exemple.fr/Support/Entrant", want: Target{Addr: "mail.exemple.fr:143", Host: "mail.exemple.fr", User: "support", Mailbox: "Support/Entrant", TLS: TLSStart}},
		{in: "imap://u@127.0.0.1:1143/INBOX?tls=none", want: Target{Addr: "127.0.0.1:1143", Host: "127.0.0.1", User: "u", Mailbox: "INBOX", TLS: TLSNone}},
		{in: "imap+plain://u@[::1]:1143/", want: Target{Addr: "[::1]:1143", Host: "::1", User: "u", Mailbox: "INBOX", TLS: TLSNone}},
		{in: "imap+plain://u@mail.exemple.fr/", err: "loopback"},
		{in: "imap://u@mail.exemple.fr/?tls=none", err: "loopback"},
		{in: "imap://u@mail.exemple.fr/?tls=maybe", err: "tls="},
		{in: "imaps://u:pw@mail.exemple.fr/", err: "password"},
		{in: "imaps://mail.exemple.fr/", err: "no user"},
		{in: "imaps:///INBOX", err: "no host"},
		{in: "pop3://u@mail.exemple.fr/", err: "scheme"},
	} {
		got, err := ParseURL(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one about %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	tg, _ := ParseURL("imaps://support@mail.exemple.fr/INBOX")
	if s := tg.String(); s != "imaps://support@mail.exemple.fr:993/INBOX" {
		t.Errorf("String() = %s", s)
	}
}

// fakePipeline stands for the mail pipeline: it records the Message-IDs
// it committed, fails a message a given number of times first, and calls
// a message whose Message-ID starts with "notmail" not mail.
type fakePipeline struct {
	mu        sync.Mutex
	failFirst map[string]int // Message-ID -> failures left
	slow      time.Duration  // how long each message takes
	calls     map[string]int
	committed []string
	sizes     map[string]int
}

func newFake() *fakePipeline {
	return &fakePipeline{failFirst: map[string]int{}, calls: map[string]int{}, sizes: map[string]int{}}
}

func (f *fakePipeline) HandleMail(ctx context.Context, raw io.Reader) (support.MailResult, error) {
	if support.RemoteFrom(ctx) != "imap" {
		return support.MailResult{}, fmt.Errorf("the context does not name the source")
	}
	b, err := io.ReadAll(raw)
	if err != nil {
		return support.MailResult{}, err
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return support.MailResult{}, support.Errorf(support.EINVALID, "error.not_mail", nil)
	}
	id := strings.Trim(m.Header.Get("Message-ID"), "<>")
	if f.slow > 0 {
		time.Sleep(f.slow) // the work before the commit
	}
	// The check and the commit at once, as the pipeline's unique key does.
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[id]++
	f.sizes[id] = len(b)
	if strings.HasPrefix(id, "notmail") {
		return support.MailResult{}, support.Errorf(support.EINVALID, "error.not_mail", nil)
	}
	for _, c := range f.committed {
		if c == id { // as the pipeline's dedup answers
			return support.MailResult{Result: "duplicate"}, nil
		}
	}
	if f.failFirst[id] > 0 {
		f.failFirst[id]--
		return support.MailResult{}, support.Errorf(support.EUNAVAILABLE, "error.store_busy", nil)
	}
	f.committed = append(f.committed, id)
	return support.MailResult{Result: "ticket", Number: "CG42-" + id}, nil
}

func (f *fakePipeline) state() (calls map[string]int, committed []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	calls = map[string]int{}
	for k, v := range f.calls {
		calls[k] = v
	}
	return calls, append([]string(nil), f.committed...)
}

// caConfig trusts the test Dovecot's certificate, as --ca-file would.
func caConfig(t *testing.T, d *mailtest.Dovecot) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(d.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
}

// startPoller runs a poller on d's INBOX until the test ends.
func startPoller(t *testing.T, d *mailtest.Dovecot, scheme string, conf *tls.Config, h support.MailHandler, log io.Writer) {
	t.Helper()
	target, err := ParseURL(d.URL(scheme))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Target: target, Password: d.Password, TLS: conf, Handler: h, Poll: time.Minute,
		RetryMin: 200 * time.Millisecond, RetryMax: time.Second, Log: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the poller did not stop within 10 s of its context's end")
		}
	})
}

// waitCount waits until folder holds n messages.
func waitCount(t *testing.T, d *mailtest.Dovecot, folder string, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := d.Count(t, folder)
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d messages after %s, want %d", folder, got, within, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// syncBuf is a log the poller writes while the test reads it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A real Dovecot over TLS: every message reaches the pipeline whole, is
// moved to Traités only once committed; one the pipeline fails stays in
// the INBOX and is tried again until it passes; one that is not mail goes
// to "À examiner" and is never tried again; a message arriving while the
// poller idles is handled at once (IDLE, the poll being a minute).
func TestPollerDovecot(t *testing.T) {
	d := mailtest.StartDovecot(t)
	big := strings.Repeat("Une ligne de description assez longue pour remplir le message.\n", 20000) // ~1.3 MB
	d.Save(t, "", mailtest.Message("marie@exemple.fr", "support@exemple.fr", "Un", "one@test", "premier\n"))
	d.Save(t, "", mailtest.Message("marie@exemple.fr", "support@exemple.fr", "Deux", "flaky@test", "le store est occupé\n"))
	d.Save(t, "", []byte("ceci n'est pas un message\r\n"))
	d.Save(t, "", mailtest.Message("marie@exemple.fr", "support@exemple.fr", "Gros", "big@test", big))
	f := newFake()
	f.failFirst["flaky@test"] = 2
	var log syncBuf
	startPoller(t, d, "imaps", caConfig(t, d), f, &log)

	waitCount(t, d, "Traités", 3, 20*time.Second)
	waitCount(t, d, "À examiner", 1, 5*time.Second)
	waitCount(t, d, "INBOX", 0, 5*time.Second)
	calls, committed := f.state()
	if calls["flaky@test"] != 3 {
		t.Errorf("the failing message was handled %d times, want 3 (two failures, then committed)", calls["flaky@test"])
	}
	if calls["one@test"] != 1 || calls["big@test"] != 1 {
		t.Errorf("calls %v: each committed message once", calls)
	}
	if f.sizes["big@test"] < len(big) {
		t.Errorf("the large message reached the pipeline cut: %d bytes", f.sizes["big@test"])
	}
	if len(committed) != 3 || committed[0] != "one@test" {
		t.Errorf("committed %v, want the oldest first", committed)
	}
	ids := d.Headers(t, "Traités", "Message-ID")
	if len(ids) != 3 {
		t.Errorf("Traités holds %v", ids)
	}
	if !strings.Contains(log.String(), "kept in the mailbox") || !strings.Contains(log.String(), "moved aside") {
		t.Errorf("the log says nothing of the failure or the refusal:\n%s", log.String())
	}

	// IDLE: a new message is handled within seconds, not at the next poll.
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	d.Save(t, "", mailtest.Message("marie@exemple.fr", "support@exemple.fr", "Nouveau", "new@test", "arrivé pendant l'attente\n"))
	waitCount(t, d, "Traités", 4, 10*time.Second)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("a new message took %s (IDLE should tell at once)", el)
	}
}

// STARTTLS with the CA is accepted; without it, the certificate is
// refused, nothing is read, and the log says why.
func TestPollerTLSTrust(t *testing.T) {
	d := mailtest.StartDovecot(t)
	d.Save(t, "", mailtest.Message("marie@exemple.fr", "support@exemple.fr", "Un", "one@test", "premier\n"))

	var untrusted syncBuf
	fu := newFake()
	startPoller(t, d, "imaps", &tls.Config{MinVersion: tls.VersionTLS12}, fu, &untrusted)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(untrusted.String(), "certificate") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(untrusted.String(), "certificate") {
		t.Errorf("an untrusted certificate: the log says\n%s", untrusted.String())
	}
	if calls, _ := fu.state(); len(calls) != 0 {
		t.Errorf("mail read over an untrusted connection: %v", calls)
	}

	f := newFake()
	var log syncBuf
	startPoller(t, d, "imap", caConfig(t, d), f, &log)
	waitCount(t, d, "Traités", 1, 20*time.Second)
}

// The mailbox server restarted: the poller connects again by itself and
// takes the mail that came meanwhile.
func TestPollerReconnects(t *testing.T) {
	d := mailtest.StartDovecot(t)
	f := newFake()
	var log syncBuf
	startPoller(t, d, "imap+plain", nil, f, &log)
	d.Save(t, "", mailtest.Message("marie@exemple.fr", "support@exemple.fr", "Un", "one@test", "premier\n"))
	waitCount(t, d, "Traités", 1, 10*time.Second)
	d.Stop()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(log.String(), "unavailable") {
		if time.Now().After(deadline) {
			t.Fatalf("the lost connection is not in the log:\n%s", log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	d.Start(t)
	d.Save(t, "", mailtest.Message("marie@exemple.fr", "support@exemple.fr", "Deux", "two@test", "second\n"))
	waitCount(t, d, "Traités", 2, 20*time.Second)
}

// Two server processes polling the same mailbox: each message is
// committed once (the other gets a duplicate, or finds it gone), the
// INBOX empties, every message reaches Traités, none aside. (Both may
// move the same message at once: Dovecot then files it twice in
// Traités, which is why one process only should poll.)
func TestPollerTwoProcesses(t *testing.T) {
	d := mailtest.StartDovecot(t)
	const n = 20
	for i := 1; i <= n; i++ {
		d.Save(t, "", mailtest.Message("marie@exemple.fr", "support@exemple.fr", fmt.Sprintf("Demande %d", i), fmt.Sprintf("m%d@test", i), "texte\n"))
	}
	f := newFake()
	f.slow = 20 * time.Millisecond
	var log1, log2 syncBuf
	startPoller(t, d, "imap+plain", nil, f, &log1)
	startPoller(t, d, "imap+plain", nil, f, &log2)
	waitCount(t, d, "INBOX", 0, 30*time.Second)
	ids := map[string]bool{}
	for _, id := range d.Headers(t, DoneFolder, "Message-ID") {
		ids[id] = true
	}
	if len(ids) != n {
		t.Errorf("%d different messages in Traités, want %d", len(ids), n)
	}
	if c := d.Count(t, AsideFolder); c > 0 {
		t.Errorf("%d messages aside", c)
	}
	_, committed := f.state()
	seen := map[string]bool{}
	for _, id := range committed {
		if seen[id] {
			t.Errorf("%s committed twice", id)
		}
		seen[id] = true
	}
	if len(seen) != n {
		t.Errorf("%d messages committed, want %d", len(seen), n)
	}
}
