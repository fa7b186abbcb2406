// Package follow is `ent-support follow NUMBER`: what happens to a ticket,
// one append-only line per change (time, who, what), until it is resolved.
// Plain lines, no cursor movement: it works in a pipe, a log and a screen
// reader.
package follow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/support"
)

// FollowOptions are the command's inputs.
type FollowOptions struct {
	Ctx      context.Context
	Out      io.Writer
	T        func(key string, params map[string]string) string
	Location *time.Location
	Tickets  func() (support.Tickets, error)
	Follower func() (support.Follower, error)
	// Color paints statuses and priorities (nil: no colour).
	Color *iostreams.ColorScheme

	Number string
	Until  string
	JSON   bool
	Export cmdutil.Export
}

// NewCmdFollow returns `follow`. runF replaces the run in tests of the flags.
func NewCmdFollow(f *cmdutil.Factory, runF func(*FollowOptions) error) *cobra.Command {
	opts := &FollowOptions{Out: f.IOStreams.Out, T: f.T, Location: f.Location, Tickets: f.Tickets, Follower: f.Follower,
		Color: f.IOStreams.ColorScheme()}
	cmd := &cobra.Command{
		Use:     "follow NUMBER [--until STATUS]",
		Short:   f.T("cli.follow.short", nil),
		Long:    f.T("cli.follow.long", nil),
		Example: f.T("cli.follow.example", nil),
		Args:    cmdutil.ExactArgs(1, "NUMBER"),
		// Ctrl-C is how one stops following: it is said as such.
		Annotations: map[string]string{cmdutil.AnnotationInterrupted: "cli.follow.stopped"},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Number = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Until, "until", "", f.T("cli.follow.flag.until", nil))
	cmdutil.AddJSONFlags(cmd, f, "cli.follow.flag.json", &opts.JSON, &opts.Export)
	return cmd
}

// errDone ends the follow: the ticket reached the status awaited.
var errDone = errors.New("follow: done")

// Run prints the ticket's story so far, then each change as it happens,
// and returns when the ticket reaches resolu or clos (or --until's
// status). Ctrl-C ends it with the context's error (exit 130).
func Run(opts *FollowOptions) error {
	n, err := cmdutil.ParseNumber(opts.Number)
	if err != nil {
		return err
	}
	targets := []support.Status{support.StatusResolved, support.StatusClosed}
	if opts.Until != "" {
		st, ok := support.ParseStatus(opts.Until)
		if !ok {
			return cmdutil.Invalid("until", support.RuleStatus, nil)
		}
		targets = []support.Status{st}
	}
	reaches := func(st support.Status) bool {
		for _, t := range targets {
			if st == t {
				return true
			}
		}
		return false
	}
	ctx := opts.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	svc, err := opts.Tickets()
	if err != nil {
		return err
	}
	fol, err := opts.Follower()
	if err != nil {
		return err
	}
	// The ticket as it is now: it says how many events are its past (one
	// per history entry, one per comment), so that an old resolution
	// followed by a reopening does not end the follow, and whether it
	// already stands where we would stop.
	gctx, cancel := cmdutil.Bounded(ctx, cmdutil.NetworkTimeout)
	t, err := svc.GetTicket(gctx, n)
	cancel()
	if err != nil {
		return err
	}
	past := len(t.History) + len(t.Comments)
	doneNow := reaches(t.Status)
	if doneNow && past == 0 {
		return nil
	}
	seen := 0
	err = fol.Follow(ctx, t.Number, 0, func(e support.Event) error {
		seen++
		if err := opts.print(e); err != nil {
			return err
		}
		switch {
		case seen == past && doneNow:
			return errDone
		case seen > past && (e.Kind == support.EventStatus || e.Kind == support.EventCreated) && reaches(support.Status(e.To)):
			return errDone
		}
		return nil
	})
	if errors.Is(err, errDone) {
		return nil
	}
	return err
}

// print writes one event: a JSON object per line with --json (or what
// --jq or --template make of it), else
// "time  who  what  « message »" (in English quotes in English).
func (opts *FollowOptions) print(e support.Event) error {
	if opts.Export.Active() {
		return opts.Export.Write(opts.Out, e)
	}
	if opts.JSON {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(opts.Out, "%s\n", b)
		return err
	}
	_, err := fmt.Fprintln(opts.Out, Line(e, opts.T, opts.Location, opts.Color))
	return err
}

// Line is an event for people, on one line: RFC 3339 local time, who,
// what, and the message in quotes with its line breaks shown as " / ".
// What came from the network is made safe to show (iostreams.Sanitize);
// a new status or priority is painted when cs paints.
func Line(e support.Event, tr func(string, map[string]string) string, loc *time.Location, cs *iostreams.ColorScheme) string {
	if loc == nil {
		loc = time.Local
	}
	clean := iostreams.Sanitize
	e.Actor, e.From, e.To, e.Message = clean(e.Actor), clean(e.From), clean(e.To), clean(e.Message)
	atts := make([]string, len(e.Attachments))
	for i, a := range e.Attachments {
		atts[i] = clean(a)
	}
	e.Attachments = atts
	p := map[string]string{"from": e.From, "to": e.To}
	switch e.Kind {
	case support.EventStatus, support.EventCreated:
		p["to"] = cmdutil.Paint(cmdutil.StatusPaint(cs, support.Status(e.To)), e.To)
	case support.EventPriority:
		p["to"] = cmdutil.Paint(cmdutil.PriorityPaint(cs, support.Priority(e.To)), e.To)
	}
	var what string
	switch e.Kind {
	case support.EventCreated:
		what = tr("follow.created", p)
	case support.EventStatus:
		what = tr("follow.status", p)
	case support.EventPriority:
		what = tr("follow.priority", p)
	case support.EventAssignee:
		if e.To == "" {
			what = tr("follow.unassigned", p)
		} else {
			what = tr("follow.assigned", p)
		}
	case support.EventComment:
		if e.Role.IsStaff() {
			what = tr("follow.reply", p)
		} else {
			what = tr("follow.comment", p)
		}
		if len(e.Attachments) > 0 {
			what += " " + tr("follow.attachments", map[string]string{"names": strings.Join(e.Attachments, ", ")})
		}
	default:
		what = e.Kind
	}
	line := e.At.In(loc).Format(time.RFC3339) + "  " + e.Actor + "  " + what
	if msg := strings.TrimSpace(e.Message); msg != "" {
		line += "  " + tr("format.quoted", map[string]string{"value": strings.Join(strings.Split(msg, "\n"), " / ")})
	}
	return line
}
