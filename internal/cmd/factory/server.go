package factory

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/build"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/httpclient"
	"github.com/ent-support/ent-support/internal/imapin"
	"github.com/ent-support/ent-support/internal/server"
	"github.com/ent-support/ent-support/internal/support"
)

// ShutdownTimeout is how long requests in flight get to finish after
// SIGINT or SIGTERM.
const ShutdownTimeout = 15 * time.Second

// runServer runs the reference server until ctx is done, then shuts down
// gracefully. It logs with slog on stderr; tokens are never logged (the
// bootstrap token is only hashed into the database).
func runServer(ctx context.Context, f *cmdutil.Factory, o cmdutil.ServerOptions) error {
	log := slog.New(slog.NewTextHandler(f.IOStreams.ErrOut, nil))
	dsn, err := serverDSN(f, o.Database)
	if err != nil {
		return err
	}
	limits := o.Limits
	limits.MaxFiles = support.DefaultMaxFiles
	imap, err := imapConfig(f, o)
	if err != nil {
		return err
	}
	srv, err := server.Open(ctx, server.Options{Addr: o.Addr, Database: dsn, Prefix: o.Prefix, Limits: limits,
		OpenDirectory: o.OpenDirectory, BootstrapToken: o.BootstrapToken, Version: build.Version,
		Contact: o.Contact, Logger: log, Now: f.Now, SMTP: o.SMTP, MailFrom: o.MailFrom, PublicURL: o.PublicURL,
		RateLimits: httpapi.RateLimits{AuthFailures: o.AuthFailureLimit, Creates: o.CreateLimit, Comments: o.CommentLimit},
		Timeouts: httpapi.Timeouts{ReadHeader: o.ReadHeaderTimeout, Read: o.ReadTimeout, Idle: o.IdleTimeout,
			MaxHeaderBytes: o.MaxHeaderBytes, Write: o.WriteTimeout},
		MaxStreamsPerUser: o.MaxStreamsPerUser,
		TLSCert:           o.TLSCert, TLSKey: o.TLSKey, TrustedProxies: o.TrustedProxies, IMAP: imap,
		MailMaxSize: o.MailMaxSize, TeamMail: o.TeamMail, MailRequireAuth: o.MailRequireAuth, MailAuthHost: o.MailAuthHost})
	if err != nil {
		return err
	}
	if srv.BootstrapCreated {
		log.Info("first admin created from ENT_SUPPORT_BOOTSTRAP_TOKEN")
	}
	addr := srv.Addr()
	if o.ReadyFile != "" {
		if err := config.WriteFileAtomic(o.ReadyFile, []byte(addr+"\n"), 0o644); err != nil {
			srv.Close()
			return err
		}
	}
	info, _ := srv.Service.Info(ctx)
	attrs := []any{"addr", addr, "url", srv.URL(), "database", redact(dsn), "prefix", info.Prefix,
		"open_directory", o.OpenDirectory, "max_file_size", info.Limits.MaxFileSize, "max_ticket_size", info.Limits.MaxTicketSize,
		"auth_failure_limit", o.AuthFailureLimit.String(), "create_limit", o.CreateLimit.String(),
		"comment_limit", o.CommentLimit.String(), "contact_email", info.Contact.Email,
		"contact_phone", info.Contact.Phone, "contact_hours", info.Contact.Hours}
	if len(o.TrustedProxies) > 0 {
		proxies := make([]string, len(o.TrustedProxies))
		for i, p := range o.TrustedProxies {
			proxies[i] = p.String()
		}
		attrs = append(attrs, "trusted_proxies", strings.Join(proxies, ","))
	}
	if o.PublicURL != "" {
		attrs = append(attrs, "public_url", o.PublicURL)
	}
	if o.SMTP != "" {
		// The password, if any, never reaches the log.
		attrs = append(attrs, "smtp", redact(o.SMTP), "mail_from", o.MailFrom)
	}
	if o.IMAP != "" {
		attrs = append(attrs, "imap", imap.Target.String())
	}
	log.Info("ent-support server listening", attrs...)
	return srv.Serve(ctx, ShutdownTimeout)
}

// imapConfig is the mailbox of --imap, if any, trusting the CA of
// --ca-file (ENT_SUPPORT_CA_FILE) as every other outgoing connection.
func imapConfig(f *cmdutil.Factory, o cmdutil.ServerOptions) (imapin.Config, error) {
	if o.IMAP == "" {
		return imapin.Config{}, nil
	}
	target, err := imapin.ParseURL(o.IMAP)
	if err != nil {
		return imapin.Config{}, support.InvalidFields([]support.FieldError{{Field: "imap", Rule: "cli_imap"}})
	}
	conf, err := httpclient.TLSConfig(caFile(f))
	if err != nil {
		return imapin.Config{}, err
	}
	return imapin.Config{Target: target, Password: o.IMAPPassword, TLS: conf}, nil
}

// serverDSN is the server's database: database, or by default the
// data directory's server.db.
func serverDSN(f *cmdutil.Factory, database string) (string, error) {
	if database != "" {
		return database, nil
	}
	dir, err := config.DataDir(f.Getenv)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	return "sqlite:" + filepath.Join(dir, ServerDB), nil
}

// rotateLinkKey is `server rotate-link-key`.
func rotateLinkKey(ctx context.Context, f *cmdutil.Factory, database string, revoke bool) error {
	dsn, err := serverDSN(f, database)
	if err != nil {
		return err
	}
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	return server.RotateLinkKey(ctx, dsn, now(), revoke)
}

// redact hides the password of a URL-shaped DSN or SMTP address: the
// user-info one, and one given as a query parameter (pgx takes
// ?password= and ?sslpassword= as well as user:password@).
func redact(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable)"
	}
	if u.RawQuery != "" {
		params := strings.Split(u.RawQuery, "&")
		for i, p := range params {
			k, _, _ := strings.Cut(p, "=")
			if k, err := url.QueryUnescape(k); err != nil || isPasswordParam(k) {
				params[i] = k + "=xxxxx"
				if err != nil {
					params[i] = "xxxxx"
				}
			}
		}
		u.RawQuery = strings.Join(params, "&")
	}
	return u.Redacted()
}

// isPasswordParam says whether a DSN's query parameter holds a secret.
func isPasswordParam(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "password") || k == "pass" || k == "pwd"
}
