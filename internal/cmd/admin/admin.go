// Package admin is `ent-support admin`: people, their tokens and the
// directory of establishments, managed through the API by an admin.
package admin

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// NewCmdAdmin returns the `admin` group.
func NewCmdAdmin(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: f.T("cli.admin.short", nil), Args: cmdutil.GroupArgs, RunE: cmdutil.ShowHelp}
	user := &cobra.Command{Use: "user", Short: f.T("cli.admin.user.short", nil), Args: cmdutil.GroupArgs, RunE: cmdutil.ShowHelp}
	user.AddCommand(NewCmdUserAdd(f, nil), NewCmdUserList(f, nil), NewCmdUserState(f, true, nil),
		NewCmdUserState(f, false, nil), NewCmdUserRotate(f, nil), NewCmdUserUpdate(f, nil))
	est := &cobra.Command{Use: "establishment", Short: f.T("cli.admin.establishment.short", nil), Args: cmdutil.GroupArgs, RunE: cmdutil.ShowHelp}
	est.AddCommand(NewCmdEstablishmentAdd(f, nil), NewCmdEstablishmentImport(f, nil))
	cmd.AddCommand(user, est, NewCmdAudit(f, nil))
	return cmd
}

// Common is what every admin command works from.
type Common struct {
	IO    *iostreams.IOStreams
	Lang  string
	Admin func() (support.AdminService, error)
	Ctx   context.Context
	// Export is --jq and --template, on the commands that have --json.
	Export cmdutil.Export
}

func (c *Common) context() (context.Context, context.CancelFunc) {
	ctx := c.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(ctx, cmdutil.NetworkTimeout)
}

// UserAddOptions is `admin user add`.
type UserAddOptions struct {
	Common
	Input   support.UserInput
	Expires string // --expires: a duration or a date; "" never
	Now     func() time.Time
	JSON    bool
}

// NewCmdUserAdd returns `admin user add`.
func NewCmdUserAdd(f *cmdutil.Factory, runF func(*UserAddOptions) error) *cobra.Command {
	opts := &UserAddOptions{Common: Common{IO: f.IOStreams, Lang: f.Lang, Admin: f.Admin}, Now: f.Now}
	var role, function string
	cmd := &cobra.Command{
		Use:     "add",
		Short:   f.T("cli.admin.user.add.short", nil),
		Example: f.T("cli.admin.user.add.example", nil),
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.Input.Role = support.Role(role)
			opts.Input.Function = support.Function(function)
			opts.Input.UAIs = support.SplitList(opts.Input.UAIs)
			if runF != nil {
				return runF(opts)
			}
			return userAddRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Input.Name, "name", "", f.T("cli.admin.flag.user_name", nil))
	fl.StringVar(&opts.Input.Email, "email", "", f.T("cli.admin.flag.user_email", nil))
	fl.StringVar(&role, "role", "", f.T("cli.admin.flag.role", nil))
	fl.StringVar(&function, "function", "", f.T("cli.admin.flag.function", nil))
	fl.StringVar(&opts.Input.Phone, "phone", "", f.T("cli.admin.flag.phone", nil))
	fl.StringArrayVar(&opts.Input.UAIs, "uai", nil, f.T("cli.admin.flag.uais", nil))
	fl.StringVar(&opts.Input.Lang, "lang", "fr", f.T("cli.admin.flag.lang", nil))
	fl.StringVar(&opts.Expires, "expires", "", f.T("cli.admin.flag.expires", nil))
	cmdutil.AddJSONFlags(cmd, f, "cli.admin.flag.json", &opts.JSON, &opts.Export)
	return cmd
}

func userAddRun(opts *UserAddOptions) error {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	exp, err := ParseExpiry(opts.Expires, now())
	if err != nil {
		return err
	}
	opts.Input.TokenExpiresAt = exp
	svc, err := opts.Admin()
	if err != nil {
		return err
	}
	ctx, cancel := opts.context()
	defer cancel()
	u, token, err := svc.CreateUser(ctx, opts.Input)
	if err != nil {
		return err
	}
	return writeToken(&opts.Common, u, token, opts.JSON, "cli.admin.user.token_once")
}

// EstablishmentAddOptions is `admin establishment add`.
type EstablishmentAddOptions struct {
	Common
	Establishment support.Establishment
	JSON          bool
}

// NewCmdEstablishmentAdd returns `admin establishment add`.
func NewCmdEstablishmentAdd(f *cmdutil.Factory, runF func(*EstablishmentAddOptions) error) *cobra.Command {
	opts := &EstablishmentAddOptions{Common: Common{IO: f.IOStreams, Lang: f.Lang, Admin: f.Admin}}
	cmd := &cobra.Command{
		Use:     "add",
		Short:   f.T("cli.admin.establishment.add.short", nil),
		Example: f.T("cli.admin.establishment.add.example", nil),
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return establishmentAddRun(opts)
		},
	}
	fl := cmd.Flags()
	e := &opts.Establishment
	fl.StringVar(&e.UAI, "uai", "", f.T("cli.admin.flag.uai", nil))
	fl.StringVar(&e.Name, "name", "", f.T("cli.admin.flag.establishment_name", nil))
	fl.StringVar(&e.City, "city", "", f.T("cli.admin.flag.city", nil))
	fl.StringVar(&e.Department, "department", "", f.T("cli.admin.flag.department", nil))
	fl.StringVar(&e.Territory, "territory", "", f.T("cli.admin.flag.territory", nil))
	cmdutil.AddJSONFlags(cmd, f, "cli.admin.flag.json", &opts.JSON, &opts.Export)
	return cmd
}

func establishmentAddRun(opts *EstablishmentAddOptions) error {
	svc, err := opts.Admin()
	if err != nil {
		return err
	}
	ctx, cancel := opts.context()
	defer cancel()
	e, err := svc.AddEstablishment(ctx, opts.Establishment)
	if err != nil {
		return err
	}
	if opts.JSON {
		return opts.Export.Write(opts.IO.Out, e)
	}
	_, err = fmt.Fprintf(opts.IO.SafeOut(), "%s\t%s\t%s\n", e.UAI, cmdutil.OneLine(e.Name), cmdutil.OneLine(e.City))
	return err
}

// EstablishmentImportOptions is `admin establishment import`.
type EstablishmentImportOptions struct {
	Common
	File string // "-" is standard input
	JSON bool
}

// NewCmdEstablishmentImport returns `admin establishment import`.
func NewCmdEstablishmentImport(f *cmdutil.Factory, runF func(*EstablishmentImportOptions) error) *cobra.Command {
	opts := &EstablishmentImportOptions{Common: Common{IO: f.IOStreams, Lang: f.Lang, Admin: f.Admin}}
	cmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: f.T("cli.admin.establishment.import.short", nil),
		Long:  f.T("cli.admin.establishment.import.long", nil),
		Args:  cmdutil.ExactArgs(1, "FILE.csv"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.File = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return establishmentImportRun(opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, f, "cli.admin.flag.json", &opts.JSON, &opts.Export)
	return cmd
}

func establishmentImportRun(opts *EstablishmentImportOptions) error {
	var r io.Reader = opts.IO.In
	if opts.File != "-" {
		f, err := os.Open(opts.File)
		if err != nil {
			return cmdutil.Invalid("csv", support.RuleFileUnreadable, map[string]string{"name": opts.File, "reason": err.Error()})
		}
		defer f.Close()
		r = f
	}
	svc, err := opts.Admin()
	if err != nil {
		return err
	}
	ctx, cancel := opts.Common.Ctx, func() {}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel = context.WithTimeout(ctx, cmdutil.TransferTimeout)
	defer cancel()
	rep, err := svc.ImportEstablishments(ctx, r)
	if err != nil {
		return err
	}
	if opts.JSON {
		if err := opts.Export.Write(opts.IO.Out, rep); err != nil {
			return err
		}
	} else {
		writeReport(opts.IO.SafeOut(), opts.Lang, rep)
	}
	if rep.Refused > 0 {
		// The other lines were imported; scripts still learn that some were not.
		return &cmdutil.SilentError{Code: 2}
	}
	return nil
}

func writeReport(w io.Writer, lang string, rep *support.ImportReport) {
	for _, l := range rep.Lines {
		line := locale.T(lang, "cli.admin.import.line", map[string]string{"line": strconv.Itoa(l.Line)})
		result := locale.T(lang, "cli.admin.import."+l.Result, nil)
		if l.Error != nil {
			result = locale.Label(lang, result) + " " + locale.Field(lang, *l.Error)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", line, l.UAI, result)
	}
	total := func(what string, n int) string { return locale.N(lang, "cli.admin.import.total."+what, n, nil) }
	fmt.Fprintln(w, locale.T(lang, "cli.admin.import.totals", map[string]string{
		"added": total("added", rep.Added), "updated": total("updated", rep.Updated),
		"unchanged": total("unchanged", rep.Unchanged), "refused": total("refused", rep.Refused)}))
}
