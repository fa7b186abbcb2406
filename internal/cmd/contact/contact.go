// Package contact is `ent-support contact`: the support channels of the
// procedure (or of the territory's server), and whether the phone line is
// open now and, if not, when it opens.
package contact

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// Timeout bounds the question to the server: someone looking for the
// phone number should not wait for a dead server.
const Timeout = 10 * time.Second

// Options are the inputs of `contact`.
type Options struct {
	F      *cmdutil.Factory
	JSON   bool
	Export cmdutil.Export
}

// NewCmdContact returns `contact`.
func NewCmdContact(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "contact",
		Short:   f.T("cli.contact.short", nil),
		Long:    f.T("cli.contact.long", nil),
		Example: f.T("cli.contact.example", nil),
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return contactRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, f, "cli.contact.flag.json", &opts.JSON, &opts.Export)
	return cmd
}

// Result is what `contact --json` prints.
type Result struct {
	support.Channels
	// Source is "server" (the configured server's own channels) or
	// "default" (the procedure's).
	Source string `json:"source"`
	Server string `json:"server,omitempty"`
	// PhoneOpen says whether the phone line is open at Now; PhoneClosesAt
	// (when open) or PhoneOpensAt (when closed) is the next change.
	Now           time.Time  `json:"now"`
	PhoneOpen     bool       `json:"phone_open"`
	PhoneClosesAt *time.Time `json:"phone_closes_at,omitempty"`
	PhoneOpensAt  *time.Time `json:"phone_opens_at,omitempty"`
}

func contactRun(ctx context.Context, opts *Options) error {
	f := opts.F
	now, err := f.Clock()
	if err != nil {
		return err
	}
	res := Result{Channels: support.DefaultChannels(), Source: "default"}
	if info, server := serverInfo(ctx, f); info != nil && info.Contact != nil {
		res.Channels, res.Source, res.Server = cmdutil.ChannelsOf(info), "server", server
	}
	h, err := support.ParseHours(res.Hours)
	if err != nil {
		// A server's hours this computer cannot read (an unknown zone):
		// the procedure's hours stand in, and the person is told.
		fmt.Fprintln(f.IOStreams.ErrOut, f.T("cli.contact.bad_hours", map[string]string{"hours": res.Hours}))
		res.Hours = support.DefaultContactHours
		if h, err = support.ParseHours(res.Hours); err != nil {
			return err
		}
	}
	open, next := h.State(now)
	res.Now, res.PhoneOpen = h.InZone(now), open
	if open {
		res.PhoneClosesAt = &next
	} else {
		res.PhoneOpensAt = &next
	}
	if opts.JSON {
		return opts.Export.Write(f.IOStreams.Out, res)
	}
	return write(f, f.IOStreams.Out, res, h, now)
}

// serverInfo asks the configured server for its channels; nil with no
// server (the procedure's channels apply) or when it cannot be asked (then
// stderr says so).
func serverInfo(ctx context.Context, f *cmdutil.Factory) (*support.ServerInfo, string) {
	r, err := f.Server()
	if err != nil || r.ServerSource == config.ServerNone || r.Server == "" {
		return nil, ""
	}
	fail := func(err error) (*support.ServerInfo, string) {
		fmt.Fprintln(f.IOStreams.ErrOut, f.T("cli.contact.unreachable",
			map[string]string{"server": r.Server, "error": locale.Message(f.Lang, err)}))
		return nil, ""
	}
	b, err := f.Connect(r.Server, r.Token, r.Backend)
	if err != nil {
		return fail(err)
	}
	svc, err := b.Info()
	if err != nil {
		return fail(err)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	info, err := svc.Info(ctx)
	if err != nil {
		return fail(err)
	}
	return info, r.Server
}

// write lays the channels out for people.
func write(f *cmdutil.Factory, w io.Writer, res Result, h support.Hours, now time.Time) error {
	p := func(key string, params map[string]string) { fmt.Fprintln(w, f.T(key, params)) }
	p("cli.contact.title", nil)
	fmt.Fprintln(w)
	p("cli.contact.email", map[string]string{"email": res.Email})
	fmt.Fprintln(w)
	p("cli.contact.phone", map[string]string{"phone": res.Phone, "hours": hoursText(f, h)})
	if res.PhoneOpen {
		p("cli.contact.open_now", map[string]string{"until": res.PhoneClosesAt.Format("15:04")})
	} else {
		p("cli.contact.closed_now", map[string]string{"when": whenText(f, h.InZone(now), *res.PhoneOpensAt)})
	}
	if res.MaintenancePhone != "" {
		fmt.Fprintln(w)
		p("cli.contact.maintenance", map[string]string{"phone": res.MaintenancePhone})
	}
	fmt.Fprintln(w)
	p("cli.contact.file", nil)
	if res.Source == "server" {
		p("cli.contact.from_server", map[string]string{"server": res.Server})
	}
	return nil
}

// hoursText says the hours in words: "du lundi au vendredi, de 08:30 à
// 18:00 (heure de Paris)".
func hoursText(f *cmdutil.Factory, h support.Hours) string { return locale.Hours(f.Lang, h) }

// whenText says when the line opens, relative to today where it can:
// "aujourd'hui à 08:30", "demain à 08:30", "lundi 7 décembre à 08:30".
func whenText(f *cmdutil.Factory, local, at time.Time) string {
	y1, m1, d1 := local.Date()
	y2, m2, d2 := at.Date()
	today := time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)
	day := time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC)
	params := map[string]string{"time": at.Format("15:04"), "weekday": f.T("cli.contact.day."+fmt.Sprint(int(at.Weekday())), nil),
		"day": fmt.Sprint(d2), "month": f.T("cli.contact.month."+fmt.Sprint(int(m2)), nil)}
	switch day.Sub(today) / (24 * time.Hour) {
	case 0:
		return f.T("cli.contact.when_today", params)
	case 1:
		return f.T("cli.contact.when_tomorrow", params)
	}
	return f.T("cli.contact.when_date", params)
}
