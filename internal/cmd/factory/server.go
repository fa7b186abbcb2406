package factory

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/build"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/sqlstore"
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
	dsn := o.Database
	if dsn == "" {
		dir, err := config.DataDir(f.Getenv)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		dsn = "sqlite:" + filepath.Join(dir, ServerDB)
	}
	store, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Now: f.Now})
	if err != nil {
		return err
	}
	defer store.Close()
	limits := o.Limits
	limits.MaxFiles = support.DefaultMaxFiles
	svc := service.New(store, service.Config{Prefix: o.Prefix, Limits: limits, OpenDirectory: o.OpenDirectory,
		Version: build.Version, Now: f.Now})
	if o.BootstrapToken != "" {
		created, err := svc.Bootstrap(ctx, o.BootstrapToken)
		if err != nil {
			return err
		}
		if created {
			log.Info("first admin created from ENT_SUPPORT_BOOTSTRAP_TOKEN")
		}
	}
	h := httpapi.NewHandler(httpapi.ServerConfig{Tickets: svc, Admin: svc, Auth: svc, Logger: log, Limits: limits})
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return err
	}
	srv := httpapi.NewHTTPServer(o.Addr, h)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	addr := ln.Addr().String()
	if o.ReadyFile != "" {
		if err := config.WriteFileAtomic(o.ReadyFile, []byte(addr+"\n"), 0o644); err != nil {
			srv.Close()
			return err
		}
	}
	attrs := []any{"addr", addr, "database", redact(dsn), "prefix", svc.Prefix(),
		"open_directory", o.OpenDirectory, "max_file_size", limits.MaxFileSize, "max_ticket_size", limits.MaxTicketSize}
	if o.PublicURL != "" {
		attrs = append(attrs, "public_url", o.PublicURL)
	}
	if o.SMTP != "" {
		// Mail is sent by a later version; the settings are checked now so
		// that a deployment does not have to change when it comes.
		attrs = append(attrs, "smtp", redact(o.SMTP), "mail_from", o.MailFrom)
	}
	log.Info("ent-support server listening", attrs...)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// redact hides the password of a URL-shaped DSN or SMTP address.
func redact(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}
