package notify

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/textproto"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/sqlstore"
	"github.com/ent-support/ent-support/internal/support"
)

// smtpServer is a small SMTP server on loopback: it accepts every message,
// except that RCPT TO one of the addresses in refuse gets that answer.
type smtpServer struct {
	ln          net.Listener
	mu          sync.Mutex
	refuse      map[string]string // recipient → reply line, "450 4.2.1 Mailbox busy"
	delivered   []string          // "recipient message-id", in order
	connections int
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, refuse: map[string]string{}}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.connections++
			s.mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); s.serve(c) }()
		}
	}()
	return s
}

func (s *smtpServer) url() string { return "smtp+plain://" + s.ln.Addr().String() }

func (s *smtpServer) setRefusal(rcpt, reply string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if reply == "" {
		delete(s.refuse, rcpt)
	} else {
		s.refuse[rcpt] = reply
	}
}

func (s *smtpServer) got() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.delivered...), s.connections
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 test ESMTP")
	var rcpts []string
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			tp.PrintfLine("250 test")
		case "MAIL":
			rcpts = nil
			tp.PrintfLine("250 2.1.0 Ok")
		case "RCPT":
			addr := strings.Trim(strings.TrimPrefix(arg, "TO:"), "<> ")
			s.mu.Lock()
			reply := s.refuse[addr]
			s.mu.Unlock()
			if reply != "" {
				tp.PrintfLine("%s", reply)
				continue
			}
			rcpts = append(rcpts, addr)
			tp.PrintfLine("250 2.1.5 Ok")
		case "DATA":
			tp.PrintfLine("354 End data with <CR><LF>.<CR><LF>")
			msg, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			hdr, _ := textproto.NewReader(bufio.NewReader(strings.NewReader(string(msg)))).ReadMIMEHeader()
			s.mu.Lock()
			for _, r := range rcpts {
				s.delivered = append(s.delivered, r+" "+strings.Trim(hdr.Get("Message-Id"), "<>"))
			}
			s.mu.Unlock()
			tp.PrintfLine("250 2.0.0 Ok: queued")
		case "RSET", "NOOP":
			rcpts = nil
			tp.PrintfLine("250 2.0.0 Ok")
		case "QUIT":
			tp.PrintfLine("221 2.0.0 Bye")
			return
		default:
			tp.PrintfLine("502 5.5.2 Command not recognized")
		}
	}
}

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// queue opens a real SQLite store with the clock c, queues one delivery
// per recipient given (event IDs 1, 2, …) and returns a notifier on it.
func queue(t *testing.T, c *fakeClock, smtpURL string, maxAttempts int, recipients ...string) (*Notifier, *sqlstore.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "mail.db"), sqlstore.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var ds []support.MailDelivery
	for i, r := range recipients {
		ds = append(ds, support.MailDelivery{EventID: int64(i + 1), Recipient: r, MessageID: fmt.Sprintf("ev-%d@test", i+1),
			Subject: fmt.Sprintf("Mail %d", i+1), Text: "Bonjour.", HTML: "<p>Bonjour.</p>", NextAttempt: c.Now()})
	}
	if err := db.EnqueueMail(ctx, int64(len(ds)), ds); err != nil {
		t.Fatal(err)
	}
	sm, err := ParseSMTP(smtpURL, "support@example.org")
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(ctx, Config{Store: db, SMTP: sm, PublicURL: "https://support.example.org", Now: c.Now,
		MinBackoff: time.Second, MaxBackoff: 5 * time.Minute, MaxAttempts: maxAttempts})
	if err != nil {
		t.Fatal(err)
	}
	return n, db
}

// pending is the queue's pending deliveries by Message-ID.
func pending(t *testing.T, db *sqlstore.DB) map[string]support.MailDelivery {
	t.Helper()
	ds, err := db.PendingMail(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]support.MailDelivery{}
	for _, d := range ds {
		out[d.MessageID] = d
	}
	return out
}

// One recipient's mailbox answers 450 to RCPT TO: the mails to everyone
// else go out in the same pass, at once; the refused one waits out its own
// backoff (1 s, then 2 s), the later mail to the same person waits behind
// it, and both go, in order, once the mailbox takes mail again.
func TestTemporaryRefusalHoldsBackOnlyItsRecipient(t *testing.T) {
	ctx := context.Background()
	srv := startSMTP(t)
	srv.setRefusal("busy@example.org", "450 4.2.1 Mailbox busy, try later")
	c := &fakeClock{now: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	n, db := queue(t, c, srv.url(), 100,
		"busy@example.org", "alice@example.org", "busy@example.org", "bob@example.org")

	wait := n.sendDue(ctx)
	got, _ := srv.got()
	if want := "alice@example.org ev-2@test,bob@example.org ev-4@test"; strings.Join(got, ",") != want {
		t.Fatalf("first pass delivered %v, want %s", got, want)
	}
	if wait != time.Second {
		t.Errorf("wait after the refusal: %v, want the refused mail's backoff, 1s", wait)
	}
	p := pending(t, db)
	if d := p["ev-1@test"]; d.Attempts != 1 || !d.NextAttempt.Equal(c.Now().Add(time.Second)) || !strings.Contains(d.LastError, "450") {
		t.Errorf("refused mail: attempts %d, next %v, last error %q", d.Attempts, d.NextAttempt, d.LastError)
	}
	if d := p["ev-3@test"]; d.Attempts != 0 {
		t.Errorf("the later mail to the same person was tried (%d attempts): it should wait behind the first", d.Attempts)
	}
	if len(p) != 2 {
		t.Errorf("pending %v, want the two mails to busy@", p)
	}

	// Not due yet: nothing is tried, not even a connection.
	_, conns := srv.got()
	if wait := n.sendDue(ctx); wait != time.Second {
		t.Errorf("wait before the retry: %v", wait)
	}
	if _, c2 := srv.got(); c2 != conns {
		t.Errorf("a pass with nothing due opened a connection")
	}

	// Due, refused again: its own backoff doubles.
	c.advance(time.Second)
	if wait := n.sendDue(ctx); wait != 2*time.Second {
		t.Errorf("wait after the second refusal: %v, want 2s", wait)
	}
	if d := pending(t, db)["ev-1@test"]; d.Attempts != 2 {
		t.Errorf("attempts after the second refusal: %d", d.Attempts)
	}

	// The mailbox takes mail again: both, in order.
	srv.setRefusal("busy@example.org", "")
	c.advance(2 * time.Second)
	n.sendDue(ctx)
	got, _ = srv.got()
	if want := "busy@example.org ev-1@test,busy@example.org ev-3@test"; strings.Join(got[2:], ",") != want {
		t.Errorf("after the mailbox came back: %v, want %s", got[2:], want)
	}
	if p := pending(t, db); len(p) != 0 {
		t.Errorf("still pending: %v", p)
	}
}

// SMTP down for 12 hours (connection refused, then a port where the TLS
// handshake meets a closed connection): no mail uses up an attempt, none
// is given up, even with only 3 attempts allowed; the notifier backs off
// (up to MaxBackoff), and everything goes once the server is back.
func TestSMTPOutageGivesNothingUp(t *testing.T) {
	ctx := context.Background()
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downURL := "smtp+plain://" + refused.Addr().String()
	refused.Close() // nothing listens there any more

	// A port that accepts and hangs up at once: TLS handshakes to nothing.
	hangup, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hangup.Close() })
	go func() {
		for {
			c, err := hangup.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	tlsDown, err := ParseSMTP("smtps://"+hangup.Addr().String(), "support@example.org")
	if err != nil {
		t.Fatal(err)
	}

	c := &fakeClock{now: time.Date(2026, 3, 2, 20, 0, 0, 0, time.UTC)}
	n, db := queue(t, c, downURL, 3, "alice@example.org", "bob@example.org", "alice@example.org")
	start := c.Now()
	passes, longest := 0, time.Duration(0)
	for c.Now().Sub(start) < 12*time.Hour {
		if c.Now().Sub(start) > 6*time.Hour {
			n.cfg.SMTP = tlsDown
		}
		wait := n.sendDue(ctx)
		if wait <= 0 || wait > 5*time.Minute {
			t.Fatalf("pass %d: wait %v while SMTP is down", passes, wait)
		}
		longest = max(longest, wait)
		c.advance(wait)
		passes++
	}
	if longest != 5*time.Minute {
		t.Errorf("longest wait %v, want the 5 min maximum backoff", longest)
	}
	p := pending(t, db)
	if len(p) != 3 {
		t.Fatalf("after 12 hours down, pending %v: want all 3 mails still queued", p)
	}
	for id, d := range p {
		if d.Attempts != 0 {
			t.Errorf("%s: %d attempts used up by an outage (%d passes)", id, d.Attempts, passes)
		}
	}
	t.Logf("%d passes in 12 hours of outage", passes)

	// Back: everything goes in one pass, in order.
	srv := startSMTP(t)
	up, err := ParseSMTP(srv.url(), "support@example.org")
	if err != nil {
		t.Fatal(err)
	}
	n.cfg.SMTP = up
	n.sendDue(ctx)
	got, _ := srv.got()
	if want := "alice@example.org ev-1@test,bob@example.org ev-2@test,alice@example.org ev-3@test"; strings.Join(got, ",") != want {
		t.Errorf("after the outage: %v, want %s", got, want)
	}
	if p := pending(t, db); len(p) != 0 {
		t.Errorf("still pending after the outage: %v", p)
	}
}
