// Package cmdutil is what every command shares: the Factory that hands out
// lazy dependencies, the typed errors that entcmd maps to exit codes, and
// small flag and output helpers.
package cmdutil

import (
	"context"
	"net/netip"
	"time"

	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/credentials"
	"github.com/ent-support/ent-support/internal/drafts"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/outbox"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/support"
)

// Factory gives commands their dependencies. Every func field is lazy:
// nothing is opened, read or dialled until a command asks, so that
// `--help` and `--version` stay instant.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Lang      string // locale.FR or locale.EN
	Getenv    func(string) string
	Now       func() time.Time
	// Location is where people read times (time.Local in the binary).
	Location *time.Location

	// ProfileFlag is bound to the root's --profile flag.
	ProfileFlag string
	// CAFileFlag is bound to the root's --ca-file flag; it wins over
	// ENT_SUPPORT_CA_FILE.
	CAFileFlag string
	// ServerFlag is bound to the root's --server flag; it wins over
	// ENT_SUPPORT_SERVER and every file.
	ServerFlag string

	Config func() (*config.Config, error)
	// Resolve returns the server and token in force and where each comes
	// from: for the server, the --server flag, the environment, the user's
	// profile, the system-wide file, the build's default; for the token,
	// the environment, the keyring, the credentials file, then config.yaml.
	Resolve func() (config.Resolved, error)
	// Credentials keeps tokens in the OS keyring, or a 0600 file.
	Credentials func() (*credentials.Store, error)
	// Connect opens the back end of a server of the given kind (kind ""
	// or native: our own) as the holder of token, for `auth`, `contact`
	// and `mailgate`.
	Connect func(server, token string, b config.Backend) (*Backend, error)
	// Backend opens the profile's back end on first use: the remote
	// client when a server is configured, else the embedded reference
	// server acting as the local admin. Commands do not call it: they ask
	// for one capability each (f.Tickets, f.Identity, f.Directory…, see
	// backend.go), which says "not supported" when the back end lacks it.
	Backend func() (*Backend, error)
	// Drafts and Outbox are kept in the user's state directory.
	Drafts func() (*drafts.Store, error)
	Outbox func() (*outbox.Outbox, error)
	// Prompter returns nil when no interactive form is available.
	Prompter func() prompter.Prompter
	// RunServer runs the reference server until ctx is done.
	RunServer func(ctx context.Context, opts ServerOptions) error
	// RotateLinkKey replaces the key of the e-mails' signed links in the
	// server's database (database as for ServerOptions); revoke makes
	// the links signed with the old key stop working at once.
	RotateLinkKey func(ctx context.Context, database string, revoke bool) error
	// Cleanup closes what the lazy functions opened; Main calls it once.
	Cleanup func()
}

// T translates key in the factory's language.
func (f *Factory) T(key string, params map[string]string) string {
	return locale.T(f.Lang, key, params)
}

// Profile returns the name of the profile in force.
func (f *Factory) Profile() string {
	getenv := f.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	return config.ProfileName(f.ProfileFlag, getenv)
}

// Server returns the server in force and where it comes from, read from
// the flags, the environment and the files only: no keyring is asked for
// a token (`version`, `auth login`).
func (f *Factory) Server() (config.Resolved, error) {
	cfg, err := f.Config()
	if err != nil {
		return config.Resolved{}, err
	}
	getenv := f.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	return cfg.Resolve(f.Profile(), f.ServerFlag, getenv), nil
}

// ServerSourceLabel says, for people, where the server in force comes
// from: "the --server flag", "the system-wide file /etc/…", …
func ServerSourceLabel(lang string, r config.Resolved) string {
	src := string(r.ServerSource)
	if r.ServerSource == config.ServerNone {
		src = "none"
	}
	return locale.T(lang, "cli.server_source."+src,
		map[string]string{"profile": r.Profile, "path": r.ServerFile})
}

// ServerOptions are the settings of `ent-support server`.
type ServerOptions struct {
	Addr          string
	Database      string // "sqlite:PATH" or a bare path; "" = the data directory's server.db
	Prefix        string
	PublicURL     string
	SMTP          string
	MailFrom      string
	OpenDirectory bool
	Limits        support.Limits
	// Contact are the support channels published by /api/v1/info.
	Contact support.Channels
	// ReadyFile, when set, receives the real listening address once the
	// server accepts connections.
	ReadyFile string
	// BootstrapToken becomes the first admin's token on a database with no admin.
	BootstrapToken string
	// AuthFailureLimit and CreateLimit are the abuse limits (bad tokens
	// per address or token prefix; tickets per user).
	AuthFailureLimit, CreateLimit support.RateLimit
	// CommentLimit is how many comments one reporter may add.
	CommentLimit support.RateLimit
	// ReadHeaderTimeout, ReadTimeout, IdleTimeout and MaxHeaderBytes
	// bound slow and idle clients.
	ReadHeaderTimeout, ReadTimeout, IdleTimeout time.Duration
	MaxHeaderBytes                              int
	// WriteTimeout bounds each write of an event stream or a download;
	// MaxStreamsPerUser caps each person's open event streams.
	WriteTimeout      time.Duration
	MaxStreamsPerUser int
	// TLSCert and TLSKey, both set, serve HTTPS.
	TLSCert, TLSKey string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// Forwarded headers name the client.
	TrustedProxies []netip.Prefix
	// IMAP, when set, is the mailbox whose mail becomes tickets
	// (imaps://USER@HOST/INBOX), and IMAPPassword its password.
	IMAP, IMAPPassword string
	// Tickets by e-mail: the largest message (0: the ticket limit and a
	// fifth more), the team's address for copies of tickets, and whether
	// only mail the MTA (MailAuthHost) authenticated is taken.
	MailMaxSize     int64
	TeamMail        string
	MailRequireAuth bool
	MailAuthHost    string
}

// Timeouts bound every network command, so that a script at 3 a.m. never
// hangs on a dead server.
const (
	// NetworkTimeout bounds a command that only reads or writes small things.
	NetworkTimeout = 60 * time.Second
	// TransferTimeout bounds a command that moves files (a 25 MiB ticket on
	// a slow school line).
	TransferTimeout = 15 * time.Minute
)
