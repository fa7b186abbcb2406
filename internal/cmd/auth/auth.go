// Package auth is `ent-support auth login|status|logout`: a person's token,
// checked against the server before it is kept, and kept in the OS keyring
// (or a 0600 file where there is none), never in config.yaml.
package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/credentials"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/support"
)

// Options is what every auth command works from.
type Options struct {
	IO      *iostreams.IOStreams
	Lang    string
	Getenv  func(string) string
	Profile func() string
	// Server is the server in force from the flags, the environment and
	// the files, without a token.
	Server      func() (config.Resolved, error)
	Config      func() (*config.Config, error)
	Resolve     func() (config.Resolved, error)
	Credentials func() (*credentials.Store, error)
	Connect     func(server, token string, b config.Backend) (*cmdutil.Backend, error)
	Prompter    func() prompter.Prompter
	Ctx         context.Context
}

func newOptions(f *cmdutil.Factory) Options {
	return Options{IO: f.IOStreams, Lang: f.Lang, Getenv: f.Getenv, Profile: f.Profile, Server: f.Server, Config: f.Config,
		Resolve: f.Resolve, Credentials: f.Credentials, Connect: f.Connect, Prompter: f.Prompter}
}

func (o *Options) t(key string, params map[string]string) string {
	return locale.T(o.Lang, key, params)
}

func (o *Options) context() (context.Context, context.CancelFunc) {
	ctx := o.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(ctx, cmdutil.NetworkTimeout)
}

// fromFile returns the configuration and what it resolves to before any
// keyring is asked: login and logout only need the profile's server.
func (o *Options) fromFile() (*config.Config, config.Resolved, error) {
	cfg, err := o.Config()
	if err != nil {
		return nil, config.Resolved{}, err
	}
	r, err := o.Server()
	return cfg, r, err
}

// NewCmdAuth returns the `auth` group.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "auth", Short: f.T("cli.auth.short", nil), Long: f.T("cli.auth.long", nil),
		Args: cmdutil.GroupArgs, RunE: cmdutil.ShowHelp}
	cmd.AddCommand(NewCmdLogin(f, nil), NewCmdStatus(f, nil), NewCmdLogout(f, nil))
	return cmd
}

// LoginOptions is `auth login`.
type LoginOptions struct {
	Options
	Server    string
	WithToken bool
	// InsecureHTTP allows a plain-http server other than this computer,
	// and the profile remembers it.
	InsecureHTTP bool
	// Backend: --kind and the back end's settings (--queue for RT,
	// --project and --tracker for Redmine, --prefix); each given one is
	// kept in the profile.
	Backend config.Backend
}

// NewCmdLogin returns `auth login`.
func NewCmdLogin(f *cmdutil.Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{Options: newOptions(f)}
	cmd := &cobra.Command{
		Use: "login", Short: f.T("cli.auth.login.short", nil), Long: f.T("cli.auth.login.long", nil),
		Example: f.T("cli.auth.login.example", nil), Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return loginRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Server, "server", "", f.T("cli.auth.flag.server", nil))
	cmd.Flags().BoolVar(&opts.WithToken, "with-token", false, f.T("cli.auth.flag.with_token", nil))
	cmd.Flags().BoolVar(&opts.InsecureHTTP, "insecure-http", false, f.T("cli.flag.insecure_http", nil))
	fl := cmd.Flags()
	fl.StringVar(&opts.Backend.Kind, "kind", "", f.T("cli.auth.flag.kind", nil))
	fl.StringVar(&opts.Backend.Queue, "queue", "", f.T("cli.auth.flag.queue", nil))
	fl.StringVar(&opts.Backend.Project, "project", "", f.T("cli.auth.flag.project", nil))
	fl.StringVar(&opts.Backend.Tracker, "tracker", "", f.T("cli.auth.flag.tracker", nil))
	fl.StringVar(&opts.Backend.Prefix, "prefix", "", f.T("cli.auth.flag.prefix", nil))
	return cmd
}

// backend is the profile's back end with what the flags change.
func (opts *LoginOptions) backend(b config.Backend) (config.Backend, bool, error) {
	in := opts.Backend
	changed := false
	set := func(dst *string, v string) {
		if v = strings.TrimSpace(v); v != "" && v != *dst {
			*dst, changed = v, true
		}
	}
	switch k := strings.ToLower(strings.TrimSpace(in.Kind)); k {
	case "":
	case config.KindNative, config.KindRT, config.KindRedmine:
		if k != b.Kind && !(k == config.KindNative && b.Kind == "") {
			// Another system: the previous one's settings mean nothing there.
			b = config.Backend{Kind: k}
			changed = true
		}
	default:
		return b, false, cmdutil.Usage("cli.backend.unknown_kind", map[string]string{"kind": in.Kind})
	}
	set(&b.Queue, in.Queue)
	set(&b.Project, in.Project)
	set(&b.Tracker, in.Tracker)
	set(&b.Prefix, in.Prefix)
	return b, changed, nil
}

// maxToken bounds what --with-token reads: a token is 70 characters.
const maxToken = 4 << 10

// canPrompt: the streams allow it (IOStreams.CanPrompt: terminals, no
// CI), the token is not piped, and a form exists.
func canPrompt(opts *LoginOptions) bool {
	if opts.WithToken || !opts.IO.CanPrompt() {
		return false
	}
	return opts.Prompter != nil && opts.Prompter() != nil
}

func checkServer(v string, insecureHTTP bool) error {
	if fe := config.CheckServer(v, insecureHTTP); fe != nil {
		return cmdutil.Invalid(fe.Field, fe.Rule, nil)
	}
	return nil
}

func loginRun(opts *LoginOptions) error {
	cfg, r, err := opts.fromFile()
	if err != nil {
		return err
	}
	profile := r.Profile
	be, beChanged, err := opts.backend(r.Backend)
	if err != nil {
		return err
	}
	interactive := canPrompt(opts)
	ctx := opts.Ctx
	if ctx == nil {
		ctx = context.Background()
	}

	server, chosen := strings.TrimSpace(opts.Server), opts.Server != ""
	if server == "" && interactive {
		check := func(v string) error {
			if err := checkServer(v, opts.InsecureHTTP); err != nil {
				return errors.New(opts.t("rule."+support.AsError(err).Fields[0].Rule, nil))
			}
			return nil
		}
		server, err = opts.Prompter().Input(ctx, opts.t("cli.auth.ask.server", nil), r.Server, check)
		if err != nil {
			return err
		}
		server, chosen = strings.TrimSpace(server), server != r.Server
	} else if server == "" {
		server = r.Server
	}
	if server == "" {
		return cmdutil.Usage("cli.auth.no_server", nil)
	}
	server = strings.TrimRight(server, "/")
	if err := checkServer(server, opts.InsecureHTTP || (server == r.Server && r.InsecureHTTP)); err != nil {
		return err
	}

	var token string
	switch {
	case opts.WithToken:
		b, err := io.ReadAll(io.LimitReader(opts.IO.In, maxToken))
		if err != nil {
			return err
		}
		token, _, _ = strings.Cut(string(b), "\n")
	case interactive:
		if token, err = opts.Prompter().Secret(ctx, opts.t("cli.auth.ask.token", map[string]string{"server": server})); err != nil {
			return err
		}
	default:
		return cmdutil.Usage("cli.auth.no_tty", nil)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return cmdutil.Invalid("token", support.RuleRequired, nil)
	}

	// Checked before it is kept: a mistyped token must not replace a good one.
	me, err := whoami(opts.Options, server, token, be)
	if err != nil {
		return err
	}
	store, err := opts.Credentials()
	if err != nil {
		return err
	}
	saved, err := store.Save(profile, server, token)
	if err != nil {
		return err
	}
	w := opts.IO.ErrOut
	if saved.Source == config.TokenFile {
		reason := strings.ReplaceAll(saved.KeyringErr.Error(), token, credentials.Mask(token))
		fmt.Fprintln(w, opts.t("cli.auth.saved_file", map[string]string{"path": store.Path, "reason": reason}))
	} else {
		fmt.Fprintln(w, opts.t("cli.auth.saved_keyring", nil))
	}

	// The profile remembers the server chosen now, and loses its legacy token.
	p := cfg.Profile(profile)
	changed := false
	if p.Token != "" {
		p.Token, changed = "", true
		fmt.Fprintln(w, opts.t("cli.auth.legacy_moved", map[string]string{"path": cfg.Path()}))
	}
	if chosen && p.Server != server {
		p.Server, changed = server, true
	}
	if beChanged {
		p.Backend, changed = be, true
	}
	// --insecure-http is remembered only where it is needed: a plain-http
	// server elsewhere than on this computer.
	if chosen || opts.InsecureHTTP {
		insecure := opts.InsecureHTTP && config.CheckServer(server, false) != nil
		if p.InsecureHTTP != insecure {
			p.InsecureHTTP, changed = insecure, true
		}
	}
	if changed {
		cfg.SetProfile(profile, p)
		if err := cfg.Save(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, opts.t("cli.auth.logged_in", map[string]string{"server": server, "profile": profile}))
	describe(w, opts.Lang, me)
	if opts.Getenv(config.EnvToken) != "" {
		fmt.Fprintln(w, opts.t("cli.auth.env_overrides", nil))
	}
	return nil
}

// whoami asks the server who holds token; a refusal names the server and
// only the token's first characters.
func whoami(opts Options, server, token string, b config.Backend) (*support.User, error) {
	c, err := opts.Connect(server, token, b)
	if err != nil {
		return nil, err
	}
	id, err := c.Identity()
	if err != nil {
		return nil, err
	}
	ctx, cancel := opts.context()
	defer cancel()
	if tc := c.Caps.TokenChecker; tc != nil {
		err = tc.CheckToken(ctx)
	}
	var me *support.User
	if err == nil {
		me, err = id.Me(ctx)
	}
	if support.ErrorCode(err) == support.EUNAUTHENTICATED {
		return nil, support.Errorf(support.EUNAUTHENTICATED, "cli.auth.refused",
			map[string]string{"server": server, "token": credentials.Mask(token)})
	}
	return me, err
}

// describe writes who a user is, one fact a line.
func describe(w io.Writer, lang string, u *support.User) {
	t := func(key string, p map[string]string) string { return locale.T(lang, key, p) }
	if u.Name == "" && u.Email == "" {
		// RT does not say who holds a token: its own rights decide.
		fmt.Fprintln(w, t("cli.auth.anonymous", nil))
		return
	}
	fmt.Fprintln(w, t("cli.auth.who", map[string]string{"name": u.Name, "email": u.Email}))
	if u.Role != "" { // a helpdesk's account may have no role of ours
		fmt.Fprintln(w, t("cli.auth.role", map[string]string{"role": t("cli.auth.role."+string(u.Role), nil)}))
	}
	if len(u.Establishments) == 0 {
		return
	}
	var parts []string
	for _, m := range u.Establishments {
		parts = append(parts, m.UAI+" ("+cmdutil.FunctionLabel(lang, m.Function)+")")
	}
	fmt.Fprintln(w, t("cli.auth.establishments", map[string]string{"list": strings.Join(parts, ", ")}))
}

// StatusOptions is `auth status`.
type StatusOptions struct {
	Options
	JSON   bool
	Export cmdutil.Export
}

// NewCmdStatus returns `auth status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Options: newOptions(f)}
	cmd := &cobra.Command{
		Use: "status", Short: f.T("cli.auth.status.short", nil), Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return statusRun(opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, f, "cli.auth.flag.json", &opts.JSON, &opts.Export)
	return cmd
}

// Status is `auth status --json`.
type Status struct {
	Server string `json:"server"`
	// ServerSource is where Server comes from: flag, environment, profile,
	// system or build; ServerFile the file of a profile or system source.
	ServerSource string `json:"server_source,omitempty"`
	ServerFile   string `json:"server_file,omitempty"`
	Kind         string `json:"kind"` // native, rt or redmine
	Embedded     bool   `json:"embedded,omitempty"`
	Profile      string `json:"profile"`
	// TokenSource is environment, keyring, file or config.
	TokenSource string        `json:"token_source,omitempty"`
	TokenFile   string        `json:"token_file,omitempty"` // the file, when TokenSource is file or config
	TokenPrefix string        `json:"token_prefix,omitempty"`
	User        *support.User `json:"user,omitempty"`
}

func statusRun(opts *StatusOptions) error {
	r, err := opts.Resolve()
	if err != nil {
		return err
	}
	st := Status{Server: r.Server, ServerSource: string(r.ServerSource), ServerFile: r.ServerFile,
		Profile: r.Profile, Kind: cmp.Or(r.Backend.Kind, config.KindNative)}
	if r.Server == "" {
		st.Embedded = true
		if opts.JSON {
			return opts.Export.Write(opts.IO.Out, st)
		}
		fmt.Fprintln(opts.IO.Out, opts.t("cli.auth.status.embedded", nil))
		return nil
	}
	if r.Token == "" {
		return support.Errorf(support.EUNAUTHENTICATED, "cli.auth.status.none",
			map[string]string{"server": r.Server, "profile": r.Profile})
	}
	st.TokenSource, st.TokenPrefix = string(r.TokenSource), credentials.Mask(r.Token)
	where, err := sourceLabel(opts.Options, r.TokenSource)
	if err != nil {
		return err
	}
	switch r.TokenSource {
	case config.TokenFile, config.TokenConfig:
		st.TokenFile = where.path
	}
	me, err := whoami(opts.Options, r.Server, r.Token, r.Backend)
	if support.ErrorCode(err) == support.EUNAUTHENTICATED {
		return support.Errorf(support.EUNAUTHENTICATED, "cli.auth.status.refused",
			map[string]string{"server": r.Server, "token": st.TokenPrefix, "source": where.label})
	} else if err != nil {
		return err
	}
	st.User = me
	if opts.JSON {
		return opts.Export.Write(opts.IO.Out, st)
	}
	w := opts.IO.Out
	if st.Kind != config.KindNative {
		fmt.Fprintln(w, opts.t("cli.auth.status.kind", map[string]string{"kind": opts.t("cli.auth.kind."+st.Kind, nil)}))
	}
	fmt.Fprintln(w, opts.t("cli.auth.status.server", map[string]string{"server": r.Server, "profile": r.Profile}))
	fmt.Fprintln(w, opts.t("cli.auth.status.server_source", map[string]string{"source": cmdutil.ServerSourceLabel(opts.Lang, r)}))
	describe(w, opts.Lang, me)
	fmt.Fprintln(w, opts.t("cli.auth.status.token", map[string]string{"token": st.TokenPrefix, "source": where.label}))
	return nil
}

type source struct{ label, path string }

// sourceLabel says where a token comes from, for people.
func sourceLabel(opts Options, s config.TokenSource) (source, error) {
	switch s {
	case config.TokenFile:
		store, err := opts.Credentials()
		if err != nil {
			return source{}, err
		}
		return source{opts.t("cli.auth.source.file", map[string]string{"path": store.Path}), store.Path}, nil
	case config.TokenConfig:
		cfg, err := opts.Config()
		if err != nil {
			return source{}, err
		}
		return source{opts.t("cli.auth.source.config", map[string]string{"path": cfg.Path()}), cfg.Path()}, nil
	}
	return source{label: opts.t("cli.auth.source."+string(s), nil)}, nil
}

// LogoutOptions is `auth logout`.
type LogoutOptions struct{ Options }

// NewCmdLogout returns `auth logout`.
func NewCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{Options: newOptions(f)}
	return &cobra.Command{
		Use: "logout", Short: f.T("cli.auth.logout.short", nil), Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return logoutRun(opts)
		},
	}
}

// logoutRun removes the profile's token from every place it may be kept.
// Nothing to remove is not an error: logging out twice is fine.
func logoutRun(opts *LogoutOptions) error {
	cfg, r, err := opts.fromFile()
	if err != nil {
		return err
	}
	profile := r.Profile
	var removed []config.TokenSource
	if r.Server != "" {
		store, err := opts.Credentials()
		if err != nil {
			return err
		}
		if removed, err = store.Delete(profile, r.Server); err != nil {
			return err
		}
	}
	if p := cfg.Profile(profile); p.Token != "" {
		p.Token = ""
		cfg.SetProfile(profile, p)
		if err := cfg.Save(); err != nil {
			return err
		}
		removed = append(removed, config.TokenConfig)
	}
	w := opts.IO.ErrOut
	if len(removed) == 0 {
		fmt.Fprintln(w, opts.t("cli.auth.logout.nothing", map[string]string{"profile": profile}))
	}
	for _, s := range removed {
		where, err := sourceLabel(opts.Options, s)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, opts.t("cli.auth.logout.removed", map[string]string{"source": where.label}))
	}
	if opts.Getenv(config.EnvToken) != "" {
		fmt.Fprintln(w, opts.t("cli.auth.logout.env", nil))
	}
	return nil
}
