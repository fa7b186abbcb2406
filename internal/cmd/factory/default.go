// Package factory builds the real cmdutil.Factory. It is the one place
// that knows the concrete implementations: the HTTP client when a server
// is configured, else the embedded reference server (SQLite in the user's
// data directory, acting as a local admin), and the server wiring of
// `ent-support server`. Everything is opened on first use only.
package factory

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/build"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/credentials"
	"github.com/ent-support/ent-support/internal/drafts"
	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/outbox"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/sqlstore"
	"github.com/ent-support/ent-support/internal/support"
)

// Files of the embedded mode, in the data directory.
const (
	EmbeddedDB = config.EmbeddedDB
	LocalToken = "local-token"
	ServerDB   = "server.db"
)

// EnvCAFile names a PEM file of extra certificate authorities to trust
// (a territory's own CA), on top of the system's.
const EnvCAFile = "ENT_SUPPORT_CA_FILE"

// EnvTimeout changes ClientTimeout: a Go duration ("90s", "2m") or a
// number of seconds, for very slow links, or for scripts that would rather
// fail fast and keep the ticket in the outbox.
const EnvTimeout = "ENT_SUPPORT_TIMEOUT"

// clientTimeout reads EnvTimeout.
func clientTimeout(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return ClientTimeout, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		var secs int
		if _, serr := fmt.Sscanf(v, "%d", &secs); serr != nil || fmt.Sprint(secs) != v {
			return 0, cmdutil.Usage("cli.timeout.invalid", map[string]string{"value": v})
		}
		d = time.Duration(secs) * time.Second
	}
	if d <= 0 || d > time.Hour {
		return 0, cmdutil.Usage("cli.timeout.invalid", map[string]string{"value": v})
	}
	return d, nil
}

// ClientTimeout bounds one request of the HTTP client (uploads have their
// own, longer deadline in the client).
const ClientTimeout = 30 * time.Second

// New returns the Factory of the real binary.
func New() *cmdutil.Factory {
	f := &cmdutil.Factory{
		IOStreams: iostreams.System(),
		Lang:      locale.FromEnv(os.Getenv),
		Getenv:    os.Getenv,
		Now:       time.Now,
		Location:  time.Local,
	}
	var (
		mu      sync.Mutex
		closers []func() error
	)
	onClose := func(c func() error) {
		mu.Lock()
		closers = append(closers, c)
		mu.Unlock()
	}
	// The user's file, over the IT department's system-wide file, over
	// the server stamped into a territory's build.
	f.Config = sync.OnceValues(func() (*config.Config, error) {
		dir, err := config.Dir(f.Getenv)
		if err != nil {
			return nil, err
		}
		return config.LoadLayers(config.Layers{UserDir: dir, SystemFile: config.SystemFile(f.Getenv),
			BuildServer: build.DefaultServer})
	})
	// Drafts and the outbox live in the state directory: local, never
	// roamed, and apart from the embedded server's data.
	stateDir := sync.OnceValues(func() (string, error) { return config.StateDir(f.Getenv) })
	f.Drafts = func() (*drafts.Store, error) {
		d, err := stateDir()
		if err != nil {
			return nil, err
		}
		p, err := place(f)
		if err != nil {
			return nil, err
		}
		return drafts.Open(d, f.Now).For(p), nil
	}
	f.Outbox = func() (*outbox.Outbox, error) {
		d, err := stateDir()
		if err != nil {
			return nil, err
		}
		p, err := place(f)
		if err != nil {
			return nil, err
		}
		// An entry the server refuses for its content becomes a draft of
		// the same place, to fix with new --resume.
		return outbox.Open(d, f.Now).For(p).RedraftTo(drafts.Open(d, f.Now).For(p)), nil
	}
	f.Credentials = func() (*credentials.Store, error) {
		dir, err := config.Dir(f.Getenv)
		if err != nil {
			return nil, err
		}
		return credentials.New(dir), nil
	}
	f.Resolve = sync.OnceValues(func() (config.Resolved, error) { return resolve(f) })
	f.Connect = func(server, token string, b config.Backend) (*cmdutil.Backend, error) {
		return remote(f, config.Resolved{Profile: f.Profile(), Server: server, Token: token, Backend: b})
	}
	f.Backend = sync.OnceValues(func() (*cmdutil.Backend, error) { return newBackend(f, onClose) })
	// The form draws on stderr so that stdout keeps only the number.
	// ACCESSIBLE=1 asks one question per line, for screen readers.
	f.Prompter = sync.OnceValue(func() prompter.Prompter {
		return prompter.NewHuh(prompter.Options{In: f.IOStreams.In, Out: f.IOStreams.ErrOut, Lang: f.Lang,
			Accessible: f.IOStreams.IsAccessible()})
	})
	f.RunServer = func(ctx context.Context, o cmdutil.ServerOptions) error { return runServer(ctx, f, o) }
	f.RotateLinkKey = func(ctx context.Context, database string, revoke bool) error {
		return rotateLinkKey(ctx, f, database, revoke)
	}
	f.Cleanup = func() {
		mu.Lock()
		defer mu.Unlock()
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		closers = nil
	}
	return f
}

// newBackend opens the profile's back end: the embedded server when no
// server is configured, else the remote one of the profile's kind.
func newBackend(f *cmdutil.Factory, onClose func(func() error)) (*cmdutil.Backend, error) {
	r, err := f.Resolve()
	if err != nil {
		return nil, err
	}
	if r.Server == "" && (r.Backend.Kind == "" || r.Backend.Kind == config.KindNative) {
		return embedded(f, onClose)
	}
	// A plain-http server elsewhere than on this computer only when the
	// profile (or the environment, for one run) says the network is
	// trusted: the token would cross it in clear text.
	if fe := config.CheckServer(r.Server, r.InsecureHTTP || f.Getenv(config.EnvInsecureHTTP) == "1"); fe != nil && fe.Rule == config.RuleInsecureHTTP {
		return nil, support.Errorf(support.EINVALID, "cli.server.insecure_http", map[string]string{"server": r.Server, "profile": r.Profile})
	}
	return remote(f, r)
}

// remote is the back end of a configured server, by the profile's kind:
// one constructor per kind, each stating the capabilities it offers.
func remote(f *cmdutil.Factory, r config.Resolved) (*cmdutil.Backend, error) {
	switch r.Backend.Kind {
	case "", config.KindNative:
	case config.KindRT:
		return rtBackend(f, r)
	case config.KindRedmine:
		return redmineBackend(f, r)
	default:
		return nil, cmdutil.Usage("cli.backend.unknown_kind", map[string]string{"kind": r.Backend.Kind})
	}
	return nativeBackend(f, r)
}

// nativeBackend is our own server through its HTTP API: every capability.
func nativeBackend(f *cmdutil.Factory, r config.Resolved) (*cmdutil.Backend, error) {
	c, err := newClient(f, r.Server, r.Token)
	if err != nil {
		return nil, err
	}
	return &cmdutil.Backend{Kind: config.KindNative, Name: "ent-support", Caps: cmdutil.Capabilities{
		Info: c, Tickets: c, Identity: c, ContactEditor: c, Directory: c, Workflow: c, Follower: c, Admin: c,
		Doctor: nativeDoctor{info: c, me: c, t: f.T, server: r.Server}, MailPoster: c,
	}}, nil
}

// place is where a ticket kept now is meant to go: the profile in force
// and its server (as resolve finds it), read without the keyring.
func place(f *cmdutil.Factory) (config.Place, error) {
	r, err := f.Server()
	if err != nil {
		return config.Place{}, err
	}
	return config.PlaceOf(r.Profile, r.Server), nil
}

// newClient is the HTTP client of server, with the CA file of --ca-file,
// else ENT_SUPPORT_CA_FILE, added to the system's roots.
func newClient(f *cmdutil.Factory, server, token string) (*httpapi.Client, error) {
	timeout, err := clientTimeout(f.Getenv(EnvTimeout))
	if err != nil {
		return nil, err
	}
	return httpapi.NewClient(httpapi.ClientConfig{BaseURL: strings.TrimRight(server, "/"), Token: token,
		Lang: f.Lang, UserAgent: "ent-support/" + build.Version, CAFile: caFile(f), Timeout: timeout})
}

// resolve finds the server in force (the --server flag, the environment,
// the user's profile, the system-wide file, the build's default) and its
// token: the environment, then the keyring, then the credentials file,
// then the profile's legacy `token:`. The embedded mode needs no token, so
// nothing is looked up for it.
func resolve(f *cmdutil.Factory) (config.Resolved, error) {
	r, err := f.Server()
	if err != nil {
		return config.Resolved{}, err
	}
	if r.Server == "" || r.TokenSource == config.TokenEnv {
		return r, nil
	}
	store, err := f.Credentials()
	if err != nil {
		return r, err
	}
	found, err := store.Get(r.Profile, r.Server)
	if err != nil {
		return r, err
	}
	if errors.Is(found.KeyringErr, credentials.ErrTimeout) {
		// A hung keyring costs every command its timeout: say why it is slow.
		fmt.Fprintln(f.IOStreams.ErrOut, f.T("cli.auth.keyring_timeout", map[string]string{
			"seconds": fmt.Sprint(int(store.Timeout / time.Second))}))
	}
	if found.Token != "" {
		r.Token, r.TokenSource = found.Token, found.Source
	}
	return r, nil
}

// embedded opens the reference server in-process on the user's own
// database, and acts as its local admin.
func embedded(f *cmdutil.Factory, onClose func(func() error)) (*cmdutil.Backend, error) {
	dir, err := config.DataDir(f.Getenv)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, EmbeddedDB)
	fmt.Fprintln(f.IOStreams.ErrOut, f.T("cli.embedded.notice", map[string]string{"path": path}))
	ctx, cancel := context.WithTimeout(context.Background(), cmdutil.NetworkTimeout)
	defer cancel()
	store, err := sqlstore.Open(ctx, "sqlite:"+path, sqlstore.Options{Now: f.Now})
	if err != nil {
		return nil, err
	}
	onClose(store.Close)
	// Another process may change the same database (a second command):
	// `follow` reads it every second besides its own process's wake-ups.
	svc := service.New(store, service.Config{OpenDirectory: true, Version: build.Version, Now: f.Now,
		EventPoll: time.Second})
	// Refusals counted in memory are written before the store closes
	// (closers run last first).
	onClose(func() error { svc.FlushAudit(context.Background()); return nil })
	u, err := localAdmin(ctx, svc, filepath.Join(dir, LocalToken))
	if err != nil {
		return nil, err
	}
	return embeddedBackend(f, svc.As(u)), nil
}

// embeddedBackend is the reference server in-process, acting as s's
// user: every capability but posting mail (there is no mail route).
func embeddedBackend(f *cmdutil.Factory, s *service.Session) *cmdutil.Backend {
	return &cmdutil.Backend{Kind: config.KindNative, Name: "ent-support", Embedded: true, Caps: cmdutil.Capabilities{
		Info: s, Tickets: s, Identity: s, ContactEditor: s, Directory: s, Workflow: s, Follower: s, Admin: s,
		Doctor: nativeDoctor{info: s, me: s, t: f.T},
	}}
}

// localAdmin returns the embedded mode's admin, whose token is kept in
// path (0600). On first use it makes one: the first admin of an empty
// database, or an extra one if the token file was lost.
func localAdmin(ctx context.Context, svc *service.Service, path string) (*support.User, error) {
	if b, err := os.ReadFile(path); err == nil {
		if u, err := svc.Authenticate(ctx, strings.TrimSpace(string(b))); err == nil {
			return u, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	token, err := support.NewToken()
	if err != nil {
		return nil, err
	}
	created, err := svc.Bootstrap(ctx, token)
	if err != nil {
		return nil, err
	}
	if !created {
		// An admin exists whose token we lost: the embedded mode is the
		// owner of this database, so it makes itself a new one.
		root := svc.As(&support.User{Name: "ent-support", Role: support.RoleAdmin})
		_, token, err = root.CreateUser(ctx, support.UserInput{Name: "Administrateur local",
			Email: fmt.Sprintf("local-%d@ent-support.invalid", time.Now().UnixNano()), Role: support.RoleAdmin})
		if err != nil {
			return nil, err
		}
	}
	if err := config.WriteFileAtomic(path, []byte(token+"\n"), 0o600); err != nil {
		return nil, err
	}
	return svc.Authenticate(ctx, token)
}
