package imapin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ent-support/ent-support/internal/support"
)

// The folders the poller files messages into; it creates them when
// missing (the library encodes the accents in IMAP's modified UTF-7).
const (
	DoneFolder  = "Traités"    // the pipeline committed the result
	AsideFolder = "À examiner" // the pipeline can never take it (not mail, too large)
)

// Config is what the poller works from.
type Config struct {
	Target   Target
	Password string
	// TLS is the client's TLS configuration (the server's CA options);
	// nil takes the system's roots. ServerName is set from the target.
	TLS *tls.Config
	// Handler is the mail pipeline (the server's service). Its nil error
	// means the result is committed (a second call with the same message
	// is then a duplicate); with an error, nothing was stored. EINVALID
	// (not mail) and ETOOLARGE are final: the message is moved aside,
	// never tried again; any other error is tried again later.
	Handler support.MailHandler
	Log     *slog.Logger // nil = discard

	// Poll is how often the mailbox is looked at without IDLE, and the
	// longest an IDLE waits before looking again (a lost notification
	// costs at most this). Default 1 min.
	Poll time.Duration
	// RetryMin and RetryMax bound the wait before a message that failed
	// is tried again, doubling in between; and before a lost connection
	// is opened again. Default 10 s and 10 min.
	RetryMin, RetryMax time.Duration
	// Now is the clock; nil = time.Now.
	Now func() time.Time
}

// Poller takes the mail of one mailbox.
type Poller struct {
	cfg Config
	log *slog.Logger

	mu    sync.Mutex
	retry map[retryKey]retryState // messages that failed, by mailbox generation and UID
}

type retryKey struct {
	validity uint32
	uid      imap.UID
}

type retryState struct {
	failures int
	at       time.Time
}

// New checks cfg and returns a poller; Run starts it.
func New(cfg Config) (*Poller, error) {
	if cfg.Handler == nil {
		return nil, errors.New("imapin: no handler")
	}
	if cfg.Target.Addr == "" {
		return nil, errors.New("imapin: no target")
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Minute
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = 10 * time.Second
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = max(10*time.Minute, cfg.RetryMin)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Poller{cfg: cfg, log: log.With("imap", cfg.Target.String()), retry: map[retryKey]retryState{}}, nil
}

// Run takes the mailbox's mail until ctx is done. A lost connection or a
// refused login is logged and tried again, waiting longer each time (up
// to RetryMax); Run only returns when ctx is done.
func (p *Poller) Run(ctx context.Context) {
	wait := p.cfg.RetryMin
	for ctx.Err() == nil {
		start := p.cfg.Now()
		err := p.session(ctx)
		if ctx.Err() != nil {
			return
		}
		// A session that lasted is a connection that was lost, not one
		// that cannot be made: start again from the shortest wait.
		if p.cfg.Now().Sub(start) > p.cfg.RetryMax {
			wait = p.cfg.RetryMin
		}
		p.log.Warn("IMAP mailbox unavailable, trying again", "error", err, "in", wait)
		if !sleep(ctx, wait) {
			return
		}
		wait = min(2*wait, p.cfg.RetryMax)
	}
}

// session connects, logs in, and takes the mail until ctx is done or the
// connection fails.
func (p *Poller) session(ctx context.Context) error {
	wake := make(chan struct{}, 1)
	opts := &imapclient.Options{
		Dialer: &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 15 * time.Second},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case wake <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	c, err := p.dial(opts)
	if err != nil {
		return err
	}
	// The client's calls block on the network: closing it is what ends
	// them when ctx is done.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer func() { stop(); c.Close() }()
	if err := c.Login(p.cfg.Target.User, p.cfg.Password).Wait(); err != nil {
		return fmt.Errorf("login as %s: %w", p.cfg.Target.User, err)
	}
	if err := ensureFolder(c, DoneFolder); err != nil {
		return err
	}
	sel, err := c.Select(p.cfg.Target.Mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", p.cfg.Target.Mailbox, err)
	}
	p.log.Info("IMAP mailbox open", "messages", sel.NumMessages, "idle", c.Caps().Has(imap.CapIdle))
	for {
		next, err := p.pass(ctx, c, sel.UIDValidity)
		if err != nil {
			return err
		}
		if err := p.waitMail(ctx, c, wake, next); err != nil {
			return err
		}
	}
}

func (p *Poller) dial(opts *imapclient.Options) (*imapclient.Client, error) {
	t := p.cfg.Target
	if t.TLS != TLSNone {
		conf := &tls.Config{MinVersion: tls.VersionTLS12}
		if p.cfg.TLS != nil {
			conf = p.cfg.TLS.Clone()
		}
		conf.ServerName = t.Host
		opts.TLSConfig = conf
	}
	var c *imapclient.Client
	var err error
	switch t.TLS {
	case TLSImplicit:
		c, err = imapclient.DialTLS(t.Addr, opts)
	case TLSStart:
		c, err = imapclient.DialStartTLS(t.Addr, opts)
	default:
		c, err = imapclient.DialInsecure(t.Addr, opts)
	}
	if err != nil {
		return nil, err
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// ensureFolder creates folder unless it exists.
func ensureFolder(c *imapclient.Client, folder string) error {
	list, err := c.List("", folder, nil).Collect()
	if err != nil {
		return fmt.Errorf("list %s: %w", folder, err)
	}
	if len(list) > 0 {
		return nil
	}
	err = c.Create(folder, nil).Wait()
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists {
		err = nil // another process made it in between
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", folder, err)
	}
	return nil
}

// pass hands every message of the mailbox that is due to the pipeline,
// oldest first. It returns when the next failed message is due (zero:
// none waits).
func (p *Poller) pass(ctx context.Context, c *imapclient.Client, validity uint32) (time.Time, error) {
	found, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}, nil).Wait()
	if err != nil {
		return time.Time{}, fmt.Errorf("search: %w", err)
	}
	uids := found.AllUIDs()
	sort.Slice(uids, func(i, j int) bool { return uids[i] < uids[j] })
	p.forget(validity, uids)
	var next time.Time
	for _, uid := range uids {
		if ctx.Err() != nil {
			return next, ctx.Err()
		}
		key := retryKey{validity, uid}
		if at, waiting := p.due(key); waiting {
			if next.IsZero() || at.Before(next) {
				next = at
			}
			continue
		}
		out, herr, err := p.handle(ctx, c, uid)
		if err == errGone {
			continue // another process took it meanwhile
		} else if err != nil {
			return next, err
		}
		folder := DoneFolder
		switch {
		case herr == nil:
			p.log.Info("mail handled", "uid", uid, "result", out.Result, "number", out.Number)
		case final(herr):
			p.log.Warn("mail refused, moved aside", "uid", uid, "folder", AsideFolder, "error", herr)
			folder = AsideFolder
			if err := ensureFolder(c, folder); err != nil {
				return next, err
			}
		default:
			if ctx.Err() != nil {
				return next, ctx.Err()
			}
			at := p.failed(key)
			p.log.Warn("mail not handled, kept in the mailbox", "uid", uid, "error", herr, "retry_at", at)
			if next.IsZero() || at.Before(next) {
				next = at
			}
			continue
		}
		if _, err := c.Move(imap.UIDSetNum(uid), folder).Wait(); err != nil {
			// Handled but still there: the next pass finds it again,
			// and the pipeline calls it a duplicate.
			return next, fmt.Errorf("move %d to %s: %w", uid, folder, err)
		}
		p.mu.Lock()
		delete(p.retry, key)
		p.mu.Unlock()
	}
	return next, nil
}

// handle fetches one message and streams it to the pipeline. herr is the
// pipeline's error; err the connection's (the session ends).
func (p *Poller) handle(ctx context.Context, c *imapclient.Client, uid imap.UID) (out support.MailResult, herr, err error) {
	// PEEK: the message stays unread for a person looking at the mailbox.
	fetch := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	defer func() {
		if cerr := fetch.Close(); (err == nil || err == errGone) && cerr != nil {
			err = fmt.Errorf("fetch %d: %w", uid, cerr)
		}
	}()
	msg := fetch.Next()
	if msg == nil {
		return out, nil, errGone
	}
	handled := false
	for item := msg.Next(); item != nil; item = msg.Next() {
		body, ok := item.(imapclient.FetchItemDataBodySection)
		if !ok || body.Literal == nil || handled {
			continue
		}
		handled = true
		out, herr = p.cfg.Handler.HandleMail(support.WithRemote(ctx, "imap"), body.Literal)
		// What the pipeline left unread must still come off the wire.
		if _, derr := io.Copy(io.Discard, body.Literal); derr != nil {
			err = fmt.Errorf("fetch %d: %w", uid, derr)
		}
	}
	if !handled && err == nil {
		err = fmt.Errorf("fetch %d: no body in the answer", uid)
	}
	return out, herr, err
}

// errGone is handle's answer for a message no longer in the mailbox
// (another server process moved it since the search).
var errGone = errors.New("imapin: message gone")

// final says whether the pipeline will never take the message.
func final(err error) bool {
	switch support.ErrorCode(err) {
	case support.EINVALID, support.ETOOLARGE:
		return true
	}
	return false
}

// due says whether key waits for a retry, and until when.
func (p *Poller) due(key retryKey) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.retry[key]
	if !ok || !p.cfg.Now().Before(r.at) {
		return time.Time{}, false
	}
	return r.at, true
}

// failed counts one more failure of key and returns when to try again.
func (p *Poller) failed(key retryKey) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.retry[key]
	r.failures++
	wait := p.cfg.RetryMin
	for i := 1; i < r.failures && wait < p.cfg.RetryMax; i++ {
		wait *= 2
	}
	r.at = p.cfg.Now().Add(min(wait, p.cfg.RetryMax))
	p.retry[key] = r
	return r.at
}

// forget drops the retry state of messages no longer in the mailbox.
func (p *Poller) forget(validity uint32, uids []imap.UID) {
	here := make(map[imap.UID]bool, len(uids))
	for _, u := range uids {
		here[u] = true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := range p.retry {
		if k.validity != validity || !here[k.uid] {
			delete(p.retry, k)
		}
	}
}

// waitMail waits for new mail: IDLE when the server has it, else a plain
// wait; at most Poll, and no longer than until next (a failed message due).
func (p *Poller) waitMail(ctx context.Context, c *imapclient.Client, wake <-chan struct{}, next time.Time) error {
	d := p.cfg.Poll
	if !next.IsZero() {
		d = min(d, max(next.Sub(p.cfg.Now()), 0))
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	if !c.Caps().Has(imap.CapIdle) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		// NOOP makes the server tell what arrived meanwhile.
		return c.Noop().Wait()
	}
	idle, err := c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-wake:
	case <-timer.C:
	case <-c.Closed():
	}
	if ctx.Err() != nil {
		return ctx.Err() // the client is closed: nothing more to say to it
	}
	if err := idle.Close(); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	if err := idle.Wait(); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return ctx.Err()
}

// sleep waits d, false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
