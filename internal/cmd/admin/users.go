package admin

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// UserListOptions is `admin user list`.
type UserListOptions struct {
	Common
	Filter support.UserFilter
	JSON   bool
}

// NewCmdUserList returns `admin user list`.
func NewCmdUserList(f *cmdutil.Factory, runF func(*UserListOptions) error) *cobra.Command {
	opts := &UserListOptions{Common: Common{IO: f.IOStreams, Lang: f.Lang, Admin: f.Admin}}
	var role string
	cmd := &cobra.Command{
		Use:   "list",
		Short: f.T("cli.admin.user.list.short", nil),
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.Filter.Role = support.Role(role)
			if runF != nil {
				return runF(opts)
			}
			return userListRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Filter.UAI, "uai", "", f.T("cli.admin.flag.uai", nil))
	fl.StringVar(&role, "role", "", f.T("cli.admin.flag.role", nil))
	fl.BoolVar(&opts.Filter.Disabled, "all", false, f.T("cli.admin.flag.all", nil))
	cmdutil.AddJSONFlags(cmd, f, "cli.admin.flag.json", &opts.JSON, &opts.Export)
	return cmd
}

func userListRun(opts *UserListOptions) error {
	svc, err := opts.Admin()
	if err != nil {
		return err
	}
	ctx, cancel := opts.context()
	defer cancel()
	users, err := svc.ListUsers(ctx, opts.Filter)
	if err != nil {
		return err
	}
	return cmdutil.WriteList(opts.IO, opts.Lang, cmdutil.List[support.User]{
		Items: users, JSON: opts.JSON, Export: &opts.Export, EmptyKey: "cli.admin.user.list.empty",
		Table: func(w io.Writer, us []support.User) error {
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, locale.T(opts.Lang, "cli.admin.user.list.header", nil))
			for _, u := range us {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, cmdutil.Truncate(u.Name, 30), u.Email, u.Role,
					memberships(u), userState(opts.Lang, u))
			}
			return tw.Flush()
		},
		TSV: func(w io.Writer, us []support.User) error {
			for _, u := range us {
				if _, err := fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Name, u.Email, u.Role, memberships(u),
					userStateWord(u)); err != nil {
					return err
				}
			}
			return nil
		},
	})
}

// memberships writes a user's establishments as function@UAI, comma-separated.
func memberships(u support.User) string {
	var parts []string
	for _, m := range u.Establishments {
		parts = append(parts, string(m.Function)+"@"+m.UAI)
	}
	return strings.Join(parts, ",")
}

// userStateWord is the state column for scripts: active, disabled or
// expired (stable words, never translated).
func userStateWord(u support.User) string {
	switch {
	case u.Disabled:
		return "disabled"
	case u.TokenExpiresAt != nil && !time.Now().Before(*u.TokenExpiresAt):
		return "expired"
	}
	return "active"
}

func userState(lang string, u support.User) string {
	s := locale.T(lang, "cli.admin.user.state."+userStateWord(u), nil)
	if u.TokenExpiresAt != nil && userStateWord(u) == "active" {
		s += " " + locale.T(lang, "cli.admin.user.until", map[string]string{"date": u.TokenExpiresAt.Local().Format("2006-01-02")})
	}
	return s
}

// UserStateOptions is `admin user disable|enable`.
type UserStateOptions struct {
	Common
	Ref      string
	Disabled bool
	JSON     bool
}

// NewCmdUserState returns `admin user disable` (disabled) or `admin user enable`.
func NewCmdUserState(f *cmdutil.Factory, disabled bool, runF func(*UserStateOptions) error) *cobra.Command {
	opts := &UserStateOptions{Common: Common{IO: f.IOStreams, Lang: f.Lang, Admin: f.Admin}, Disabled: disabled}
	verb := "enable"
	if disabled {
		verb = "disable"
	}
	cmd := &cobra.Command{
		Use:   verb + " ID|E-MAIL",
		Short: f.T("cli.admin.user."+verb+".short", nil),
		Args:  cmdutil.ExactArgs(1, "ID|E-MAIL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Ref = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return userStateRun(opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, f, "cli.admin.flag.json", &opts.JSON, &opts.Export)
	return cmd
}

func userStateRun(opts *UserStateOptions) error {
	svc, err := opts.Admin()
	if err != nil {
		return err
	}
	ctx, cancel := opts.context()
	defer cancel()
	u, err := svc.SetUserDisabled(ctx, opts.Ref, opts.Disabled)
	if err != nil {
		return err
	}
	if opts.JSON {
		return opts.Export.Write(opts.IO.Out, u)
	}
	key := "cli.admin.user.enabled"
	if opts.Disabled {
		key = "cli.admin.user.disabled"
	}
	fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, key, map[string]string{"name": u.Name, "email": u.Email}))
	return nil
}

// UserUpdateOptions is `admin user update`.
type UserUpdateOptions struct {
	Common
	Ref     string
	Contact support.ContactUpdate
	JSON    bool
}

// NewCmdUserUpdate returns `admin user update`: a user's e-mail and phone.
// It is how a reporter's e-mail changes, since they may not change it
// themselves.
func NewCmdUserUpdate(f *cmdutil.Factory, runF func(*UserUpdateOptions) error) *cobra.Command {
	opts := &UserUpdateOptions{Common: Common{IO: f.IOStreams, Lang: f.Lang, Admin: f.Admin}}
	cmd := &cobra.Command{
		Use:     "update ID|E-MAIL",
		Short:   f.T("cli.admin.user.update.short", nil),
		Example: f.T("cli.admin.user.update.example", nil),
		Args:    cmdutil.ExactArgs(1, "ID|E-MAIL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Ref = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return userUpdateRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Contact.Email, "email", "", f.T("cli.admin.flag.new_email", nil))
	fl.StringVar(&opts.Contact.Phone, "phone", "", f.T("cli.admin.flag.new_phone", nil))
	cmdutil.AddJSONFlags(cmd, f, "cli.admin.flag.json", &opts.JSON, &opts.Export)
	return cmd
}

func userUpdateRun(opts *UserUpdateOptions) error {
	// Checked here too, so that a typo is named before any connection.
	if _, errs := opts.Contact.NormalizeChange(); len(errs) > 0 {
		return support.InvalidFields(errs)
	}
	svc, err := opts.Admin()
	if err != nil {
		return err
	}
	ctx, cancel := opts.context()
	defer cancel()
	u, err := svc.UpdateUser(ctx, opts.Ref, opts.Contact)
	if err != nil {
		return err
	}
	if opts.JSON {
		return opts.Export.Write(opts.IO.Out, u)
	}
	phone := u.Phone
	if phone == "" {
		phone = "-"
	}
	fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "cli.admin.user.updated",
		map[string]string{"name": u.Name, "email": u.Email, "phone": phone}))
	return nil
}

// RotateOptions is `admin user rotate-token`.
type RotateOptions struct {
	Common
	Ref     string
	Expires string // a duration (90d, 12h) or a date; "" never
	Now     func() time.Time
	JSON    bool
}

// NewCmdUserRotate returns `admin user rotate-token`.
func NewCmdUserRotate(f *cmdutil.Factory, runF func(*RotateOptions) error) *cobra.Command {
	opts := &RotateOptions{Common: Common{IO: f.IOStreams, Lang: f.Lang, Admin: f.Admin}, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "rotate-token ID|E-MAIL",
		Short: f.T("cli.admin.user.rotate.short", nil),
		Args:  cmdutil.ExactArgs(1, "ID|E-MAIL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Ref = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return rotateRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Expires, "expires", "", f.T("cli.admin.flag.expires", nil))
	cmdutil.AddJSONFlags(cmd, f, "cli.admin.flag.json", &opts.JSON, &opts.Export)
	return cmd
}

func rotateRun(opts *RotateOptions) error {
	exp, err := ParseExpiry(opts.Expires, opts.Now())
	if err != nil {
		return err
	}
	svc, err := opts.Admin()
	if err != nil {
		return err
	}
	ctx, cancel := opts.context()
	defer cancel()
	u, token, err := svc.RotateToken(ctx, opts.Ref, support.TokenOptions{ExpiresAt: exp})
	if err != nil {
		return err
	}
	return writeToken(&opts.Common, u, token, opts.JSON, "cli.admin.user.rotated")
}

// writeToken shows a new token once: a note on stderr, the token alone on
// stdout (or both as JSON).
func writeToken(c *Common, u *support.User, token string, asJSON bool, noteKey string) error {
	fmt.Fprintln(c.IO.ErrOut, locale.T(c.Lang, noteKey,
		map[string]string{"name": u.Name, "email": u.Email, "role": string(u.Role)}))
	if u.TokenExpiresAt != nil {
		fmt.Fprintln(c.IO.ErrOut, locale.T(c.Lang, "cli.admin.user.expires_note",
			map[string]string{"date": u.TokenExpiresAt.Local().Format("2006-01-02 15:04")}))
	}
	if asJSON {
		return c.Export.Write(c.IO.Out, struct {
			User  *support.User `json:"user"`
			Token string        `json:"token"`
		}{u, token})
	}
	_, err := fmt.Fprintln(c.IO.Out, token)
	return err
}

// ParseExpiry reads --expires: "" (never), a number of days or hours
// (90d, 12h, or a Go duration), or a date (2027-07-14, at midnight UTC,
// or RFC 3339).
func ParseExpiry(s string, now time.Time) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	bad := support.InvalidFields([]support.FieldError{{Field: "expires", Rule: "duration"}})
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return nil, bad
		}
		t := now.Add(time.Duration(n) * 24 * time.Hour)
		return &t, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return nil, bad
		}
		t := now.Add(d)
		return &t, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return &t, nil
		}
	}
	return nil, bad
}

// AuditOptions is `admin audit`.
type AuditOptions struct {
	Common
	Filter   support.AuditFilter
	Location *time.Location
	JSON     bool
}

// NewCmdAudit returns `admin audit`.
func NewCmdAudit(f *cmdutil.Factory, runF func(*AuditOptions) error) *cobra.Command {
	opts := &AuditOptions{Common: Common{IO: f.IOStreams, Lang: f.Lang, Admin: f.Admin}, Location: f.Location}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: f.T("cli.admin.audit.short", nil),
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return auditRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.Int64Var(&opts.Filter.After, "after", 0, f.T("cli.admin.flag.after", nil))
	fl.StringVar(&opts.Filter.Action, "action", "", f.T("cli.admin.flag.action", nil))
	fl.IntVar(&opts.Filter.Limit, "limit", 0, f.T("cli.admin.flag.limit", nil))
	cmdutil.AddJSONFlags(cmd, f, "cli.admin.flag.json", &opts.JSON, &opts.Export)
	return cmd
}

func auditRun(opts *AuditOptions) error {
	svc, err := opts.Admin()
	if err != nil {
		return err
	}
	ctx, cancel := opts.context()
	defer cancel()
	entries, err := svc.Audit(ctx, opts.Filter)
	if err != nil {
		return err
	}
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	line := func(w io.Writer, e support.AuditEntry, at string) error {
		// COUNT last: scripts reading the first seven columns still do.
		_, err := fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", e.ID, at, e.Action, cmdutil.OneLine(e.Actor),
			cmdutil.OneLine(e.Target), cmdutil.OneLine(e.Detail), e.Remote, max(e.Count, 1))
		return err
	}
	return cmdutil.WriteList(opts.IO, opts.Lang, cmdutil.List[support.AuditEntry]{
		Items: entries, JSON: opts.JSON, Export: &opts.Export, EmptyKey: "cli.admin.audit.empty",
		Table: func(w io.Writer, es []support.AuditEntry) error {
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, locale.T(opts.Lang, "cli.admin.audit.header", nil))
			for _, e := range es {
				line(tw, e, e.At.In(loc).Format("2006-01-02 15:04:05"))
			}
			return tw.Flush()
		},
		TSV: func(w io.Writer, es []support.AuditEntry) error {
			for _, e := range es {
				if err := line(w, e, e.At.UTC().Format(time.RFC3339)); err != nil {
					return err
				}
			}
			return nil
		},
	})
}
