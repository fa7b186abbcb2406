// Package server is `ent-support server`: it runs the reference REST
// server. Every flag can also come from ENT_SUPPORT_SERVER_<FLAG>, so that
// a service manager or a container sets it up without a command line.
package server

import (
	"context"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/imapin"
	"github.com/ent-support/ent-support/internal/support"
)

// EnvBootstrapToken makes the first admin on a database with none.
const EnvBootstrapToken = "ENT_SUPPORT_BOOTSTRAP_TOKEN"

// ServerOptions is everything `server` works from.
type ServerOptions struct {
	Getenv    func(string) string
	RunServer func(ctx context.Context, opts cmdutil.ServerOptions) error
	Ctx       context.Context

	Addr, Database, Prefix, PublicURL, SMTP, MailFrom string
	OpenDirectory                                     bool
	MaxFileSize, MaxTicketSize                        string
	ReadyFile                                         string
	ContactEmail, ContactPhone, ContactHours          string
	MaintenancePhone                                  string

	AuthFailureLimit, CreateLimit        string
	CommentLimit                         string
	ReadHeaderTimeout, ReadTimeout, Idle time.Duration
	WriteTimeout                         time.Duration
	MaxStreamsPerUser                    int
	MaxHeaderSize                        string
	TLSCert, TLSKey                      string
	TrustedProxies                       []string
	IMAP, IMAPPasswordFile               string
	MailMaxSize, TeamMail, MailAuthHost  string
	MailRequireAuth                      bool
}

// EnvIMAPPassword holds the password of --imap's mailbox (no flag: a
// command line is visible to every local user).
const EnvIMAPPassword = "ENT_SUPPORT_SERVER_IMAP_PASSWORD"

// EnvName is the variable that sets a flag: --max-file-size is
// ENT_SUPPORT_SERVER_MAX_FILE_SIZE.
func EnvName(flag string) string {
	return "ENT_SUPPORT_SERVER_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// NewCmdServer returns `server`.
func NewCmdServer(f *cmdutil.Factory, runF func(*ServerOptions) error) *cobra.Command {
	opts := &ServerOptions{Getenv: f.Getenv, RunServer: f.RunServer}
	cmd := &cobra.Command{
		Use:     "server",
		Short:   f.T("cli.server.short", nil),
		Long:    f.T("cli.server.long", nil),
		Example: f.T("cli.server.example", nil),
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if err := fromEnv(cmd.Flags(), opts.Getenv); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return serverRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:8080", f.T("cli.server.flag.addr", nil))
	fl.StringVar(&opts.Database, "database", "", f.T("cli.server.flag.database", nil))
	fl.StringVar(&opts.Prefix, "prefix", support.DefaultPrefix, f.T("cli.server.flag.prefix", nil))
	fl.StringVar(&opts.PublicURL, "public-url", "", f.T("cli.server.flag.public_url", nil))
	fl.StringVar(&opts.SMTP, "smtp", "", f.T("cli.server.flag.smtp", nil))
	fl.StringVar(&opts.MailFrom, "mail-from", "", f.T("cli.server.flag.mail_from", nil))
	fl.BoolVar(&opts.OpenDirectory, "open-directory", false, f.T("cli.server.flag.open_directory", nil))
	fl.StringVar(&opts.MaxFileSize, "max-file-size", "10MiB", f.T("cli.server.flag.max_file_size", nil))
	fl.StringVar(&opts.MaxTicketSize, "max-ticket-size", "25MiB", f.T("cli.server.flag.max_ticket_size", nil))
	fl.StringVar(&opts.ContactEmail, "contact-email", support.DefaultContactEmail, f.T("cli.server.flag.contact_email", nil))
	fl.StringVar(&opts.ContactPhone, "contact-phone", support.DefaultContactPhone, f.T("cli.server.flag.contact_phone", nil))
	fl.StringVar(&opts.ContactHours, "contact-hours", support.DefaultContactHours, f.T("cli.server.flag.contact_hours", nil))
	fl.StringVar(&opts.MaintenancePhone, "maintenance-phone", support.DefaultMaintenancePhone, f.T("cli.server.flag.maintenance_phone", nil))
	fl.StringVar(&opts.ReadyFile, "ready-file", "", f.T("cli.server.flag.ready_file", nil))
	fl.StringVar(&opts.AuthFailureLimit, "auth-failure-limit", support.DefaultAuthFailureLimit.String(), f.T("cli.server.flag.auth_failure_limit", nil))
	fl.StringVar(&opts.CreateLimit, "create-limit", support.DefaultCreateLimit.String(), f.T("cli.server.flag.create_limit", nil))
	fl.StringVar(&opts.CommentLimit, "comment-limit", support.DefaultCommentLimit.String(), f.T("cli.server.flag.comment_limit", nil))
	fl.DurationVar(&opts.ReadHeaderTimeout, "read-header-timeout", 10*time.Second, f.T("cli.server.flag.read_header_timeout", nil))
	fl.DurationVar(&opts.ReadTimeout, "read-timeout", 5*time.Minute, f.T("cli.server.flag.read_timeout", nil))
	fl.DurationVar(&opts.Idle, "idle-timeout", 2*time.Minute, f.T("cli.server.flag.idle_timeout", nil))
	fl.DurationVar(&opts.WriteTimeout, "write-timeout", 30*time.Second, f.T("cli.server.flag.write_timeout", nil))
	fl.IntVar(&opts.MaxStreamsPerUser, "max-streams-per-user", 16, f.T("cli.server.flag.max_streams_per_user", nil))
	fl.StringVar(&opts.MaxHeaderSize, "max-header-size", "64KiB", f.T("cli.server.flag.max_header_size", nil))
	fl.StringVar(&opts.TLSCert, "tls-cert", "", f.T("cli.server.flag.tls_cert", nil))
	fl.StringVar(&opts.TLSKey, "tls-key", "", f.T("cli.server.flag.tls_key", nil))
	// Repeatable, or comma-separated (as ENT_SUPPORT_SERVER_TRUSTED_PROXY).
	fl.StringSliceVar(&opts.TrustedProxies, "trusted-proxy", nil, f.T("cli.server.flag.trusted_proxy", nil))
	fl.StringVar(&opts.IMAP, "imap", "", f.T("cli.server.flag.imap", nil))
	fl.StringVar(&opts.IMAPPasswordFile, "imap-password-file", "", f.T("cli.server.flag.imap_password_file", nil))
	fl.StringVar(&opts.MailMaxSize, "mail-max-size", "", f.T("cli.server.flag.mail_max_size", nil))
	fl.StringVar(&opts.TeamMail, "team-mail", "", f.T("cli.server.flag.team_mail", nil))
	fl.BoolVar(&opts.MailRequireAuth, "mail-require-auth", false, f.T("cli.server.flag.mail_require_auth", nil))
	fl.StringVar(&opts.MailAuthHost, "mail-auth-host", "", f.T("cli.server.flag.mail_auth_host", nil))
	cmd.AddCommand(NewCmdRotateLinkKey(f, nil))
	return cmd
}

// fromEnv sets each flag not given on the command line from its
// environment variable; the command line wins.
func fromEnv(fl *pflag.FlagSet, getenv func(string) string) error {
	var err error
	fl.VisitAll(func(p *pflag.Flag) {
		if err != nil || p.Changed || p.Name == "help" {
			return
		}
		name := EnvName(p.Name)
		if v := getenv(name); v != "" {
			if e := fl.Set(p.Name, v); e != nil {
				err = cmdutil.Usage("cli.server.bad_env", map[string]string{"var": name, "value": v})
			}
		}
	})
	return err
}

// options checks the flags, all problems at once.
func (opts *ServerOptions) options() (cmdutil.ServerOptions, error) {
	so := cmdutil.ServerOptions{Addr: opts.Addr, Database: opts.Database, PublicURL: opts.PublicURL,
		SMTP: opts.SMTP, MailFrom: opts.MailFrom, OpenDirectory: opts.OpenDirectory, ReadyFile: opts.ReadyFile,
		Prefix: strings.ToUpper(strings.TrimSpace(opts.Prefix))}
	if opts.Getenv != nil {
		so.BootstrapToken = opts.Getenv(EnvBootstrapToken)
	}
	var errs []support.FieldError
	bad := func(field, rule string, p map[string]string) {
		errs = append(errs, support.FieldError{Field: field, Rule: rule, Params: p})
	}
	if !support.ValidPrefix(so.Prefix) {
		bad("prefix", "cli_prefix", nil)
	}
	if strings.TrimSpace(so.Addr) == "" || !strings.Contains(so.Addr, ":") {
		bad("addr", "cli_addr", nil)
	}
	if so.PublicURL != "" {
		if u, err := url.Parse(so.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("public_url", "cli_url", nil)
		}
	}
	if so.SMTP != "" {
		if u, err := url.Parse(so.SMTP); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps" && u.Scheme != "smtp+plain") || u.Hostname() == "" {
			bad("smtp", "cli_smtp", nil)
		}
	}
	if so.SMTP != "" && so.MailFrom == "" {
		bad("mail_from", support.RuleRequired, nil)
	}
	if so.MailFrom != "" {
		if _, err := mail.ParseAddress(so.MailFrom); err != nil {
			bad("mail_from", support.RuleEmail, nil)
		}
	}
	var err error
	if so.Limits.MaxFileSize, err = cmdutil.ParseSize(opts.MaxFileSize); err != nil {
		bad("max_file_size", "cli_size", nil)
	}
	if so.Limits.MaxTicketSize, err = cmdutil.ParseSize(opts.MaxTicketSize); err != nil {
		bad("max_ticket_size", "cli_size", nil)
	}
	if so.Limits.MaxFileSize > so.Limits.MaxTicketSize && so.Limits.MaxTicketSize > 0 {
		bad("max_file_size", "cli_size_order", nil)
	}
	errs = append(errs, opts.mailOptions(&so)...)
	errs = append(errs, opts.contactOptions(&so)...)
	errs = append(errs, opts.abuseOptions(&so)...)
	errs = append(errs, opts.imapOptions(&so)...)
	if len(errs) > 0 {
		return so, support.InvalidFields(errs)
	}
	return so, nil
}

func serverRun(opts *ServerOptions) error {
	so, err := opts.options()
	if err != nil {
		return err
	}
	ctx := opts.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return opts.RunServer(ctx, so)
}

// abuseOptions checks the limits on abuse, slow clients and TLS.
func (opts *ServerOptions) abuseOptions(so *cmdutil.ServerOptions) []support.FieldError {
	var errs []support.FieldError
	bad := func(field, rule string) { errs = append(errs, support.FieldError{Field: field, Rule: rule}) }
	var err error
	if so.AuthFailureLimit, err = support.ParseRateLimit(opts.AuthFailureLimit); err != nil {
		bad("auth_failure_limit", "cli_rate_limit")
	}
	if so.CreateLimit, err = support.ParseRateLimit(opts.CreateLimit); err != nil {
		bad("create_limit", "cli_rate_limit")
	}
	if so.CommentLimit, err = support.ParseRateLimit(opts.CommentLimit); err != nil {
		bad("comment_limit", "cli_rate_limit")
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"read_header_timeout", opts.ReadHeaderTimeout}, {"read_timeout", opts.ReadTimeout}, {"idle_timeout", opts.Idle}, {"write_timeout", opts.WriteTimeout}} {
		if d.v < time.Second || d.v > 24*time.Hour {
			bad(d.field, "cli_timeout")
		}
	}
	so.ReadHeaderTimeout, so.ReadTimeout, so.IdleTimeout = opts.ReadHeaderTimeout, opts.ReadTimeout, opts.Idle
	so.WriteTimeout = opts.WriteTimeout
	if opts.MaxStreamsPerUser < 1 || opts.MaxStreamsPerUser > 10000 {
		bad("max_streams_per_user", "cli_max_streams")
	}
	so.MaxStreamsPerUser = opts.MaxStreamsPerUser
	if n, err := cmdutil.ParseSize(opts.MaxHeaderSize); err != nil || n < 4<<10 || n > 1<<20 {
		bad("max_header_size", "cli_header_size")
	} else {
		so.MaxHeaderBytes = int(n)
	}
	for _, v := range opts.TrustedProxies {
		p, err := parseTrustedProxy(v)
		if err != nil {
			errs = append(errs, support.FieldError{Field: "trusted_proxy", Rule: "cli_cidr", Params: map[string]string{"value": v}})
			continue
		}
		so.TrustedProxies = append(so.TrustedProxies, p)
	}
	so.TLSCert, so.TLSKey = opts.TLSCert, opts.TLSKey
	if (so.TLSCert == "") != (so.TLSKey == "") {
		if so.TLSCert == "" {
			bad("tls_cert", "cli_tls_pair")
		} else {
			bad("tls_key", "cli_tls_pair")
		}
	}
	return errs
}

// imapOptions checks the mailbox the server takes mail from: its URL,
// and a password from the environment or a file (never the command line).
func (opts *ServerOptions) imapOptions(so *cmdutil.ServerOptions) []support.FieldError {
	if strings.TrimSpace(opts.IMAP) == "" {
		if opts.IMAPPasswordFile != "" {
			return []support.FieldError{{Field: "imap", Rule: support.RuleRequired}}
		}
		return nil
	}
	var errs []support.FieldError
	if _, err := imapin.ParseURL(opts.IMAP); err != nil {
		errs = append(errs, support.FieldError{Field: "imap", Rule: "cli_imap"})
	}
	so.IMAP = strings.TrimSpace(opts.IMAP)
	if opts.IMAPPasswordFile != "" {
		b, err := os.ReadFile(opts.IMAPPasswordFile)
		// One line; the end of line an editor adds is not part of it.
		so.IMAPPassword = strings.TrimRight(string(b), "\r\n")
		if err != nil || so.IMAPPassword == "" {
			errs = append(errs, support.FieldError{Field: "imap_password_file", Rule: "cli_password_file",
				Params: map[string]string{"file": opts.IMAPPasswordFile}})
		}
	} else if opts.Getenv != nil {
		so.IMAPPassword = opts.Getenv(EnvIMAPPassword)
		if so.IMAPPassword == "" {
			errs = append(errs, support.FieldError{Field: "imap_password", Rule: support.RuleRequired})
		}
	}
	return errs
}

// parseTrustedProxy reads a CIDR (127.0.0.1/32, 10.0.0.0/8, fd00::/8) or a
// bare address, which stands for itself alone.
func parseTrustedProxy(v string) (netip.Prefix, error) {
	v = strings.TrimSpace(v)
	if a, err := netip.ParseAddr(v); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(v)
	if err != nil {
		return p, err
	}
	if p.Addr().Is4In6() {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// contactOptions checks the support channels the server publishes: an
// e-mail address (never the retired ent@loire.fr), French phone numbers
// (kept in their French written form) and hours the clients can read.
func (opts *ServerOptions) contactOptions(so *cmdutil.ServerOptions) []support.FieldError {
	var errs []support.FieldError
	bad := func(field, rule string) { errs = append(errs, support.FieldError{Field: field, Rule: rule}) }
	// Left empty (options built in code): the procedure's channels.
	d := support.DefaultChannels()
	or := func(v, def string) string {
		if strings.TrimSpace(v) == "" {
			return def
		}
		return v
	}
	c := support.Channels{Email: strings.TrimSpace(or(opts.ContactEmail, d.Email)),
		Hours: strings.Join(strings.Fields(or(opts.ContactHours, d.Hours)), " ")}
	if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
		bad("contact_email", support.RuleEmail)
	} else if strings.EqualFold(c.Email, support.RetiredContactEmail) {
		bad("contact_email", "cli_retired_email")
	}
	phone := func(field, v string) string {
		e164, ferr := support.ParsePhone(v)
		if ferr != nil {
			bad(field, support.RulePhone)
			return ""
		}
		return support.FormatPhone(e164)
	}
	c.Phone = phone("contact_phone", or(opts.ContactPhone, d.Phone))
	if m := strings.TrimSpace(opts.MaintenancePhone); m != "" && m != "none" {
		c.MaintenancePhone = phone("maintenance_phone", opts.MaintenancePhone)
	}
	if _, err := support.ParseHours(c.Hours); err != nil {
		bad("contact_hours", "cli_hours")
	}
	so.Contact = c
	return errs
}

// mailOptions checks the settings of tickets by e-mail.
func (opts *ServerOptions) mailOptions(so *cmdutil.ServerOptions) []support.FieldError {
	var errs []support.FieldError
	if opts.MailMaxSize != "" {
		n, err := cmdutil.ParseSize(opts.MailMaxSize)
		if err != nil || n <= 0 {
			errs = append(errs, support.FieldError{Field: "mail_max_size", Rule: "cli_size"})
		}
		so.MailMaxSize = n
	}
	if so.TeamMail = strings.TrimSpace(opts.TeamMail); so.TeamMail != "" {
		if _, err := mail.ParseAddress(so.TeamMail); err != nil {
			errs = append(errs, support.FieldError{Field: "team_mail", Rule: support.RuleEmail})
		}
	}
	so.MailRequireAuth, so.MailAuthHost = opts.MailRequireAuth, strings.TrimSpace(opts.MailAuthHost)
	return errs
}
