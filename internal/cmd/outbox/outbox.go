// Package outbox is `ent-support outbox list|send|rm`: the tickets kept
// because the server could not be reached, sending them again, each with
// its own Idempotency-Key so that none is ever filed twice, and giving one
// up.
package outbox

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/outbox"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/support"
)

// Options is what `outbox` works from.
type Options struct {
	IO       *iostreams.IOStreams
	Lang     string
	Location *time.Location
	Outbox   func() (*outbox.Outbox, error)
	Tickets  func() (support.Tickets, error)
	Ctx      context.Context
	JSON     bool
	Export   cmdutil.Export
	Prompter func() prompter.Prompter
	// Yes removes without asking (outbox rm).
	Yes bool
}

// NewCmdOutbox returns `outbox` and its subcommands.
func NewCmdOutbox(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Lang: f.Lang, Location: f.Location, Outbox: f.Outbox, Tickets: f.Tickets,
		Prompter: f.Prompter}
	cmd := &cobra.Command{Use: "outbox", Short: f.T("keep.outbox.short", nil), Long: f.T("keep.outbox.long", nil),
		Args: cmdutil.GroupArgs, RunE: cmdutil.ShowHelp}
	list := &cobra.Command{
		Use:   "list",
		Short: f.T("keep.outbox.list.short", nil),
		Args:  cmdutil.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return listRun(opts) },
	}
	cmdutil.AddJSONFlags(list, f, "keep.flag.json", &opts.JSON, &opts.Export)
	send := &cobra.Command{
		Use:   "send",
		Short: f.T("keep.outbox.send.short", nil),
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			return sendRun(opts)
		},
	}
	rm := &cobra.Command{
		Use:   "rm ID",
		Short: f.T("keep.outbox.rm.short", nil),
		Args:  cmdutil.ExactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			return rmRun(opts, args[0])
		},
	}
	rm.Flags().BoolVarP(&opts.Yes, "yes", "y", false, f.T("keep.outbox.rm.flag.yes", nil))
	cmd.AddCommand(list, send, rm)
	return cmd
}

func listRun(opts *Options) error {
	o, err := opts.Outbox()
	if err != nil {
		return err
	}
	es, err := o.List()
	if err != nil {
		return err
	}
	othersNote(opts, o)
	return cmdutil.WriteList(opts.IO, opts.Lang, cmdutil.List[*outbox.Entry]{
		Items: es, JSON: opts.JSON, Export: &opts.Export, EmptyKey: "keep.outbox.empty",
		Table: func(w io.Writer, es []*outbox.Entry) error { return writeTable(w, opts.Lang, opts.Location, es) },
		// For scripts: ID, kept at (RFC 3339, UTC), UAI, number of files, subject.
		TSV: func(w io.Writer, es []*outbox.Entry) error {
			for _, e := range es {
				if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", e.ID, e.CreatedAt.UTC().Format(time.RFC3339),
					e.Input.Establishment.UAI, len(e.Attachments), cmdutil.OneLine(e.Input.Subject)); err != nil {
					return err
				}
			}
			return nil
		}})
}

// othersNote says on stderr how many tickets wait for other places: they
// are neither listed nor sent here.
func othersNote(opts *Options, o *outbox.Outbox) {
	if n, err := o.Others(); err == nil && n > 0 {
		fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "keep.outbox.others", map[string]string{"count": fmt.Sprint(n)}))
	}
}

func writeTable(w io.Writer, lang string, loc *time.Location, es []*outbox.Entry) error {
	if loc == nil {
		loc = time.Local
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, locale.T(lang, "keep.outbox.header", nil))
	for _, e := range es {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", e.ID, e.CreatedAt.In(loc).Format("2006-01-02 15:04"),
			e.Input.Establishment.UAI, len(e.Attachments), cmdutil.Truncate(cmdutil.OneLine(e.Input.Subject), 50))
	}
	return tw.Flush()
}

// sendRun sends what waits; each number the server confirms goes to
// stdout. A refused ticket is named on stderr and stays; an unreachable
// server stops the round (exit 5) and everything not sent stays.
func sendRun(opts *Options) error {
	o, err := opts.Outbox()
	if err != nil {
		return err
	}
	if o.Empty() {
		if opts.IO.IsStderrTTY() {
			fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "keep.outbox.empty", nil))
		}
		othersNote(opts, o)
		return nil
	}
	defer othersNote(opts, o)
	svc, err := opts.Tickets()
	if err != nil {
		return err
	}
	ctx, cancel := cmdutil.Bounded(opts.Ctx, cmdutil.TransferTimeout)
	defer cancel()
	var first error // the first failure of an entry that stays
	redrafted := false
	err = o.Send(ctx, svc, func(r outbox.Result) {
		switch {
		case r.Err == nil:
			fmt.Fprintln(opts.IO.Out, r.Ticket.Number.String())
		case r.Draft != nil:
			redrafted = true
			cmdutil.AnnounceDraft(opts.IO.SafeErrOut(), opts.Lang, r)
		case first == nil:
			first = r.Err // Main prints it
		default:
			fmt.Fprintln(opts.IO.SafeErrOut(), locale.T(opts.Lang, "keep.outbox.not_sent",
				map[string]string{"id": r.Entry.ID, "reason": locale.Message(opts.Lang, r.Err)}))
		}
	})
	if err == nil {
		return nil
	}
	if first == nil {
		if redrafted {
			// Every refused ticket is now a draft, said above with its
			// reasons; the exit code is that of invalid input.
			return &cmdutil.SilentError{Code: 2}
		}
		first = err
	}
	left := 0
	if es, lerr := o.List(); lerr == nil {
		left = len(es)
	}
	return &cmdutil.KeptError{Err: first, Hint: locale.T(opts.Lang, "keep.outbox.still_waiting", map[string]string{"count": fmt.Sprint(left)})}
}

// rmRun gives an entry up: it and its copies of files are deleted. On a
// terminal it asks first; elsewhere --yes must say so.
func rmRun(opts *Options, id string) error {
	o, err := opts.Outbox()
	if err != nil {
		return err
	}
	e, err := o.Get(id)
	if err != nil {
		return err
	}
	if !opts.Yes {
		var p prompter.Prompter
		if opts.IO.CanPrompt() && opts.Prompter != nil {
			p = opts.Prompter()
		}
		if p == nil {
			return &cmdutil.UsageError{Key: "keep.outbox.rm.needs_yes", Params: map[string]string{"id": e.ID}}
		}
		ctx := opts.Ctx
		if ctx == nil {
			ctx = context.Background()
		}
		text := locale.T(opts.Lang, "keep.outbox.rm.summary", map[string]string{"id": e.ID,
			"subject": cmdutil.OneLine(e.Input.Subject), "count": fmt.Sprint(len(e.Attachments))})
		ok, err := p.Confirm(ctx, text, locale.T(opts.Lang, "keep.outbox.rm.confirm", nil))
		if err != nil {
			return err
		}
		if !ok {
			return prompter.ErrCancelled
		}
	}
	if err := o.Remove(e); err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "keep.outbox.removed", map[string]string{"id": e.ID}))
	return nil
}
