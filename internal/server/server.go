// Package server assembles the reference server: the store named by a
// DSN, the service over it, the HTTP handler, and a listener. The `server`
// command, the benchmarks and the conformance tests all start it the same
// way, through Open.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/imapin"
	"github.com/ent-support/ent-support/internal/notify"
	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/sqlstore"
	"github.com/ent-support/ent-support/internal/support"
)

// Options are what an operator sets.
type Options struct {
	Addr           string // host:port; port 0 picks a free one
	Database       string // "postgres://…", "sqlite:PATH" or a bare path
	Prefix         string
	Limits         support.Limits
	OpenDirectory  bool
	BootstrapToken string // becomes the first admin's token on a database with no admin
	Version        string
	Contact        support.Channels // the channels /api/v1/info publishes; empty fields take the procedure's
	Logger         *slog.Logger     // nil = discard
	Now            func() time.Time
	TempDir        string

	// Mail: with SMTP set, Serve runs the notifier, which mails each
	// ticket's reporter at each step (see internal/notify). PublicURL is
	// the base of the links in the e-mails (default: the server's own
	// URL); MailFrom the sender.
	SMTP, MailFrom, PublicURL string
	// Notify tunes the notifier (backoff, polling); tests shorten it.
	Notify notify.Config
	// Tickets by e-mail (POST /api/v1/mail): MailMaxSize bounds a message
	// (0: the ticket size limit and a fifth more); TeamMail gets a copy
	// of each new ticket, reporter's comment and reopening; with
	// MailRequireAuth only mail that MailAuthHost's Authentication-Results
	// pass (DMARC or SPF) is taken.
	MailMaxSize     int64
	TeamMail        string
	MailRequireAuth bool
	MailAuthHost    string

	// RateLimits are the abuse limits (bad tokens, creates per user);
	// zero values are off: the `server` command sets its defaults.
	RateLimits httpapi.RateLimits
	// Timeouts bound slow and idle clients; zero values take defaults.
	Timeouts httpapi.Timeouts
	// MaxStreamsPerUser caps each person's open event streams; 0 takes
	// httpapi.DefaultMaxStreamsPerUser.
	MaxStreamsPerUser int
	// Heartbeat is how often an idle event stream gets a comment line and
	// its token is checked again; 0 takes httpapi.DefaultHeartbeat.
	Heartbeat time.Duration
	// TLSCert and TLSKey, both set, make the server speak HTTPS only.
	TLSCert, TLSKey string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// Forwarded headers name the client (for the limits, the audit log
	// and the request log); from any other peer they are ignored.
	TrustedProxies []netip.Prefix
	// IMAP, with a Target, is the mailbox Serve takes mail from (see
	// imap.go); its Handler and Log are Serve's.
	IMAP imapin.Config
}

// Server is a reference server, listening but not yet serving.
type Server struct {
	Service *service.Service
	store   *sqlstore.DB
	http    *http.Server
	ln      net.Listener
	tls     bool
	log     *slog.Logger
	opts    Options
	smtp    *notify.SMTP
	// BootstrapCreated tells whether Open made the first admin.
	BootstrapCreated bool
}

// Open opens the database (migrating it), makes the first admin if asked,
// and listens on o.Addr.
func Open(ctx context.Context, o Options) (*Server, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	store, err := sqlstore.Open(ctx, o.Database, sqlstore.Options{Now: o.Now})
	if err != nil {
		return nil, err
	}
	svc := service.New(store, service.Config{Prefix: o.Prefix, Limits: o.Limits,
		OpenDirectory: o.OpenDirectory, Version: o.Version, Now: o.Now, Logger: log, Contact: o.Contact,
		MailMaxSize: o.MailMaxSize, MailFrom: o.MailFrom, MailHost: hostOf(o.PublicURL),
		MailRequireAuth: o.MailRequireAuth, MailAuthHost: o.MailAuthHost})
	s := &Server{Service: svc, store: store, log: log, opts: o}
	if o.SMTP != "" {
		if s.smtp, err = notify.ParseSMTP(o.SMTP, o.MailFrom); err != nil {
			store.Close()
			return nil, err
		}
	}
	if o.BootstrapToken != "" {
		if s.BootstrapCreated, err = svc.Bootstrap(ctx, o.BootstrapToken); err != nil {
			store.Close()
			return nil, err
		}
	}
	info, _ := svc.Info(ctx)
	var (
		page http.Handler
		link func(context.Context, support.Number) string
	)
	if p, err := notify.NewPage(ctx, store, o.Now); err != nil {
		// A read-only database cannot make the link key: no page, and
		// no mail either (Serve needs the same key).
		log.Warn("signed ticket links disabled", "error", err)
	} else {
		page, link = p, p.Token
	}
	h := httpapi.NewHandler(httpapi.ServerConfig{Tickets: svc, Admin: svc, Auth: svc, Audit: svc, Logger: log,
		Limits: info.Limits, TempDir: o.TempDir, TicketPage: page, TicketLink: link, PublicURL: o.PublicURL, RateLimits: o.RateLimits, Ready: store.Ready,
		TrustedProxies: o.TrustedProxies, MaxStreamsPerUser: o.MaxStreamsPerUser, Heartbeat: o.Heartbeat,
		WriteTimeout: o.Timeouts.OrDefaults().Write, Mail: svc, MailMaxSize: svc.MailMaxSize()})
	var certs *certFiles
	if o.TLSCert != "" || o.TLSKey != "" {
		if certs, err = loadCertFiles(o.TLSCert, o.TLSKey, log); err != nil {
			store.Close()
			return nil, err
		}
	}
	if s.ln, err = net.Listen("tcp", o.Addr); err != nil {
		store.Close()
		return nil, err
	}
	if certs != nil {
		s.ln, s.tls = tls.NewListener(s.ln, certs.tlsConfig()), true
	}
	if o.PublicURL == "" {
		// The e-mails' links and Message-IDs name the server's own URL.
		svc.SetMailHost(hostOf(s.URL()))
	}
	s.http = httpapi.NewHTTPServer(s.ln.Addr().String(), h, o.Timeouts)
	// net/http's own complaints (TLS handshakes failing, plain HTTP on
	// the TLS port) go to the server's log, not to a bare stderr.
	s.http.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	return s, nil
}

// hostOf is the host of a URL ("" when it has none).
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the base URL of the server: https:// when it serves TLS.
func (s *Server) URL() string {
	if s.tls {
		return "https://" + s.Addr()
	}
	return "http://" + s.Addr()
}

// Close stops listening and closes the store, for a server that will not
// Serve.
func (s *Server) Close() error {
	return errors.Join(s.ln.Close(), s.store.Close())
}

// Serve answers requests until ctx is done, then shuts down gracefully,
// giving requests in flight up to grace to finish, and closes the store.
func (s *Server) Serve(ctx context.Context, grace time.Duration) error {
	stopMail := func() {}
	if s.smtp != nil {
		nc := s.opts.Notify
		nc.Store, nc.SMTP, nc.PublicURL, nc.Log = s.store, s.smtp, s.opts.PublicURL, s.log
		if nc.TeamMail == "" {
			nc.TeamMail = s.opts.TeamMail
		}
		if nc.PublicURL == "" {
			nc.PublicURL = s.URL()
		}
		if nc.Now == nil {
			nc.Now = s.opts.Now
		}
		n, err := notify.New(ctx, nc)
		if err != nil {
			return errors.Join(err, s.Close())
		}
		wake, stop := s.Service.SubscribeAll()
		defer stop()
		mctx, cancel := context.WithCancel(ctx)
		mailDone := make(chan struct{})
		go func() { defer close(mailDone); n.Run(mctx, wake) }()
		// The notifier finishes the message in hand (and marks it sent)
		// before the store closes.
		stopMail = func() { cancel(); <-mailDone }
	}
	stopIMAP := s.startIMAP(ctx)
	// Changes made by other processes on the same database (PostgreSQL)
	// wake this one's followers and notifier too.
	fctx, stopFeed := context.WithCancel(ctx)
	feedDone := make(chan struct{})
	go func() {
		defer close(feedDone)
		s.store.WatchChanges(fctx, s.Service.Wake, s.Service.WakeAll)
	}()
	defer func() { stopFeed(); <-feedDone }()
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(s.ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		s.log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), grace)
		err = s.http.Shutdown(sctx)
		cancel()
		if serr := <-errc; err == nil {
			err = serr
		}
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	stopIMAP()
	stopMail()
	// The refusals counted in memory are written before the store closes.
	s.Service.FlushAudit(context.Background())
	return errors.Join(err, s.store.Close())
}

// RotateLinkKey replaces the key of the e-mails' signed links in the
// database named by dsn (migrating it first, as Open does). Links signed
// with the old key keep opening their page until they expire, unless
// revoke; running servers on that database follow within
// notify.KeyringTTL.
func RotateLinkKey(ctx context.Context, dsn string, now time.Time, revoke bool) error {
	store, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	return errors.Join(notify.RotateKey(ctx, store, now, revoke), store.Close())
}
