// Package server is `ent-support server`: it runs the reference REST
// server. Every flag can also come from ENT_SUPPORT_SERVER_<FLAG>, so that
// a service manager or a container sets it up without a command line.
package server

import (
	"context"
	"net/mail"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ent-support/ent-support/internal/cmdutil"
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
}

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
	fl.StringVar(&opts.ReadyFile, "ready-file", "", f.T("cli.server.flag.ready_file", nil))
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
