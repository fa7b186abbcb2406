package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/support"
	"github.com/wneessen/go-mail"
)

// Store is what the notifier and the page read and write.
type Store interface {
	GetTicket(ctx context.Context, n support.Number) (*support.Ticket, error)
	// UserByID finds the account a ticket speaks for: its e-mail is where
	// the ticket's mail goes.
	UserByID(ctx context.Context, id int64) (*support.User, error)
	// OpenAttachment reads a ticket's file, for the team's copy.
	OpenAttachment(ctx context.Context, n support.Number, id int64) (*support.Attachment, io.ReadCloser, error)
	support.MailQueue
}

// Config sets up a Notifier.
type Config struct {
	Store     Store
	SMTP      *SMTP
	PublicURL string // the links' base: https://support.example.fr
	Now       func() time.Time
	Log       *slog.Logger
	// MinBackoff and MaxBackoff bound the wait after a failed attempt,
	// doubling from one to the other (defaults 1 s and 5 min).
	MinBackoff, MaxBackoff time.Duration
	// MaxAttempts gives a delivery up after the SMTP server refused it
	// that many times for now (4xx answers to it; default 100: about eight
	// hours at the maximum backoff). A permanent refusal of the message (an
	// SMTP 5xx to it) gives it up at once. A server that cannot be reached
	// counts against no message: mail waits for it however long it is down.
	MaxAttempts int
	// Poll is how often the queue is looked at without a wake-up, for
	// changes made by another process (default 30 s).
	Poll time.Duration
	// MaxAge: events older than this when first seen mail nobody, so that
	// a server that ran without mail for a while does not send its past
	// (default 7 days).
	MaxAge time.Duration
	// TeamMail, when set, is the support team's address: it gets a copy
	// of each new ticket, each reporter's comment and each reopening, with
	// the ticket's fields and the files that came with it.
	TeamMail string
}

// Notifier turns events into e-mails to the ticket's reporter and sends
// them in order, once each.
type Notifier struct {
	cfg    Config
	keys   *Keyring
	signer Signer // the key in force at the last enqueue
	host   string
	// connFailures counts the failures to reach the SMTP server in a
	// row, for the backoff while it is down (Run's goroutine only).
	connFailures int
}

// New loads (or makes) the link key and checks the configuration.
func New(ctx context.Context, cfg Config) (*Notifier, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 100
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 30 * time.Second
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 7 * 24 * time.Hour
	}
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("notify: public URL %q has no host", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	keys, err := NewKeyring(ctx, cfg.Store, cfg.Now)
	if err != nil {
		return nil, err
	}
	return &Notifier{cfg: cfg, keys: keys, signer: keys.Signer(ctx), host: u.Hostname()}, nil
}

// Run queues and sends mail until ctx is done: at start, at each wake-up
// (a change committed in this process), and every Poll.
func (n *Notifier) Run(ctx context.Context, wake <-chan struct{}) {
	for {
		if err := n.enqueue(ctx); err != nil && ctx.Err() == nil {
			n.cfg.Log.Error("mail queue", "error", err)
		}
		wait := n.sendDue(ctx)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// MessageID is the Message-ID (without its angle brackets) of the e-mail
// of event id about ticket num.
func (n *Notifier) MessageID(id int64, num support.Number) string {
	return fmt.Sprintf("ev-%d.%s@%s", id, num, n.host)
}

// enqueue renders the e-mails of the events after the cursor and stores
// them with the cursor's new place, batch by batch.
func (n *Notifier) enqueue(ctx context.Context) error {
	cursor, err := n.cfg.Store.MailCursor(ctx)
	if err != nil {
		return err
	}
	// A key rotated meanwhile signs the links of the e-mails from now on.
	n.signer = n.keys.Signer(ctx)
	for {
		evs, err := n.cfg.Store.AllEventsAfter(ctx, cursor, 200)
		if err != nil || len(evs) == 0 {
			return err
		}
		now := n.cfg.Now()
		var ds []support.MailDelivery
		tickets := map[support.Number]*support.Ticket{}
		for _, e := range evs {
			tmpl := Template(e)
			if tmpl == "" || now.Sub(e.At) > n.cfg.MaxAge {
				continue
			}
			t := tickets[e.Ticket]
			if t == nil {
				if t, err = n.cfg.Store.GetTicket(ctx, e.Ticket); support.ErrorCode(err) == support.ENOTFOUND {
					continue
				} else if err != nil {
					return err
				}
				tickets[e.Ticket] = t
			}
			// The mail goes to the account the ticket speaks for, as it is
			// now: never to an address a request carried. A ticket whose
			// account is gone or disabled mails nobody.
			to, err := n.cfg.Store.UserByID(ctx, t.CreatedBy)
			if support.ErrorCode(err) == support.ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			if to.Disabled || to.Email == "" {
				continue
			}
			lang := to.Lang
			if lang == "" {
				lang = "fr"
			}
			exp := now.Add(LinkValidity)
			m, err := Render(lang, tmpl, t, e, n.Link(t.Number, exp), exp)
			if err != nil {
				// A template bug must not stall the queue: logged, skipped.
				n.cfg.Log.Error("mail template", "event", e.ID, "error", err)
				continue
			}
			d := support.MailDelivery{EventID: e.ID, Recipient: to.Email,
				MessageID: n.MessageID(e.ID, t.Number), Subject: m.Subject, Text: m.Text, HTML: m.HTML, NextAttempt: now}
			if tmpl == TmplCreated {
				// A ticket that came by e-mail: its receipt answers that
				// message, in the same thread of the sender's mail client.
				if id, ok := strings.CutPrefix(t.IdempotencyKey, MailKeyPrefix); ok {
					d.InReplyTo, d.References = id, "<"+id+">"
				}
			}
			ds = append(ds, d)
		}
		for _, e := range evs {
			if d, ok, err := n.teamDelivery(ctx, e, tickets, now); err != nil {
				return err
			} else if ok {
				ds = append(ds, d)
			}
		}
		cursor = evs[len(evs)-1].ID
		if err := n.cfg.Store.EnqueueMail(ctx, cursor, ds); err != nil {
			return err
		}
	}
}

// Link is the URL of ticket num's page, valid until exp.
func (n *Notifier) Link(num support.Number, exp time.Time) string {
	return n.cfg.PublicURL + "/t/" + n.signer.Sign(num, exp)
}

func (n *Notifier) backoff(attempts int) time.Duration {
	d := n.cfg.MinBackoff
	for i := 1; i < attempts && d < n.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, n.cfg.MaxBackoff)
}

// sendDue sends the pending deliveries that are due, oldest first, over
// one connection, marking each sent as soon as SMTP accepted it, and
// returns how long to wait before looking again.
//
// Each message has its own retries: one the server refuses for now (a 4xx
// to its RCPT TO, say) waits out its own backoff while the others go on in
// the same pass. Mail to one person keeps its order: the later messages to
// a recipient whose earlier one is waiting wait behind it. Only the
// server's answer about a message counts as one of its attempts: when the
// server cannot be reached at all (connection refused, TLS handshake
// failing, connection dropped), nothing is counted and nothing given up,
// however long the outage; the notifier tries again after a backoff of its
// own.
func (n *Notifier) sendDue(ctx context.Context) time.Duration {
	const batch = 100
	ds, err := n.cfg.Store.PendingMail(ctx, batch)
	if err != nil {
		if ctx.Err() == nil {
			n.cfg.Log.Error("mail queue", "error", err)
		}
		return n.cfg.MinBackoff
	}
	if len(ds) == 0 {
		return n.cfg.Poll
	}
	// Marks are written even when ctx ends meanwhile: a message SMTP
	// accepted must be recorded, or it would go again after a restart.
	mctx := context.WithoutCancel(ctx)
	wait := n.cfg.Poll
	// waiting holds the recipients with an earlier message not sent:
	// their later ones stay behind it.
	waiting := map[string]bool{}
	var sess *session
	defer func() {
		if sess != nil {
			sess.close()
		}
	}()
	sent := 0
	for _, d := range ds {
		if ctx.Err() != nil {
			return 0
		}
		if waiting[d.Recipient] {
			continue
		}
		if w := d.NextAttempt.Sub(n.cfg.Now()); w > 0 {
			waiting[d.Recipient] = true
			wait = min(wait, w)
			continue
		}
		if sess == nil {
			if sess, err = n.cfg.SMTP.dial(ctx); err != nil {
				sess = nil
				if ctx.Err() != nil {
					return 0
				}
				return n.unreachable(err)
			}
			n.connFailures = 0
		}
		err := sess.send(d, n.cfg.Now(), n.opener(ctx))
		if err == nil {
			if err := n.cfg.Store.MarkMailSent(mctx, d.ID, n.cfg.Now()); err != nil {
				n.cfg.Log.Error("mail queue", "error", err)
				return n.cfg.MinBackoff
			}
			n.cfg.Log.Info("mail sent", "message_id", d.MessageID)
			sent++
			continue
		}
		counts, permanent := judge(err)
		if !counts {
			// The connection, not this message: nothing is counted,
			// and the rest waits for the server to come back.
			return n.unreachable(err)
		}
		if retry, givenUp := n.refused(mctx, d, err, permanent); !givenUp {
			waiting[d.Recipient] = true
			wait = min(wait, retry)
		}
	}
	if len(ds) == batch && sent > 0 {
		return 0 // more may be due behind this batch
	}
	return wait
}

// unreachable logs that the SMTP server could not be reached and returns
// how long to wait before trying again: the backoff, by connection failures
// in a row. No message is marked.
func (n *Notifier) unreachable(err error) time.Duration {
	n.connFailures++
	wait := n.backoff(n.connFailures)
	n.cfg.Log.Warn("SMTP server unreachable; mail waits, nothing given up", "failures_in_a_row", n.connFailures,
		"retry_in", wait, "error", err)
	return wait
}

// refused records the server's refusal of d: one more attempt, retried
// after its backoff, or given up when permanent or out of attempts.
func (n *Notifier) refused(ctx context.Context, d support.MailDelivery, err error, permanent bool) (retry time.Duration, givenUp bool) {
	attempts := d.Attempts + 1
	givenUp = permanent || attempts >= n.cfg.MaxAttempts
	retry = n.backoff(attempts)
	n.cfg.Log.Warn("mail not sent", "message_id", d.MessageID, "attempt", attempts, "given_up", givenUp, "error", err)
	if err := n.cfg.Store.MarkMailFailed(ctx, d.ID, attempts, n.cfg.Now().Add(retry), err.Error(), givenUp); err != nil {
		n.cfg.Log.Error("mail queue", "error", err)
	}
	return retry, givenUp
}

// judge tells whether a failed send is about the message (the server
// answered it with an SMTP error: it counts as an attempt, and a 5xx is
// final) or about the connection (no answer, or 421, the server closing:
// it does not count).
func judge(err error) (counts, permanent bool) {
	var bad *badMessage
	if errors.As(err, &bad) {
		return true, true // it can never be sent as it is
	}
	var se *mail.SendError
	if !errors.As(err, &se) {
		return false, false
	}
	switch code := se.ErrorCode(); {
	case code == 421:
		return false, false
	case code >= 500 && code < 600:
		return true, true
	case code >= 400 && code < 500:
		return true, false
	}
	return false, false
}
