// Package show is `ent-support show NUMBER`: a whole ticket, for people or
// as JSON.
package show

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// ShowOptions is everything `show` works from.
type ShowOptions struct {
	IO       *iostreams.IOStreams
	Lang     string
	Location *time.Location
	Tickets  func() (support.Tickets, error)
	Embedded func() bool
	Ctx      context.Context

	Number  string
	JSON    bool
	Export  cmdutil.Export
	NoPager bool
	// Web opens the ticket's page in the browser, with Browse.
	Web    bool
	Browse func(ctx context.Context, url string) error
}

// NewCmdShow returns `show`.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams, Lang: f.Lang, Location: f.Location, Tickets: f.Tickets, Embedded: f.Embedded,
		Browse: cmdutil.Browser(f)}
	cmd := &cobra.Command{
		Use:     "show NUMBER",
		Short:   f.T("cli.show.short", nil),
		Example: f.T("cli.show.example", nil),
		Args:    cmdutil.ExactArgs(1, "NUMBER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Number = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, f, "cli.show.flag.json", &opts.JSON, &opts.Export)
	cmd.Flags().BoolVarP(&opts.Web, "web", "w", false, f.T("web.flag.show", nil))
	cmd.Flags().BoolVar(&opts.NoPager, "no-pager", false, f.T("tables.show.flag.no_pager", nil))
	cmd.MarkFlagsMutuallyExclusive("web", "json")
	cmd.MarkFlagsMutuallyExclusive("web", "jq")
	cmd.MarkFlagsMutuallyExclusive("web", "template")
	return cmd
}

func showRun(opts *ShowOptions) error {
	ctx, cancel := cmdutil.Bounded(opts.Ctx, cmdutil.NetworkTimeout)
	defer cancel()
	_, t, err := cmdutil.GetTicket(ctx, opts.Tickets, opts.Number)
	if err != nil {
		return err
	}
	// A ticket of the embedded server reached nobody: said first, and
	// marked "local" in --json.
	local := cmdutil.IsEmbedded(opts.Embedded)
	if opts.Web {
		url, err := cmdutil.PageURL(opts.IO, opts.Lang, local, t)
		if err != nil {
			return err
		}
		return opts.Browse(opts.Ctx, url)
	}
	if opts.JSON {
		return opts.Export.Write(opts.IO.Out, cmdutil.LocalTicket{Ticket: t, Local: local})
	}
	var b strings.Builder
	if local {
		fmt.Fprintln(&b, locale.T(opts.Lang, "local.show", nil))
	}
	if err := Write(&b, opts.Lang, opts.Location, opts.IO.ColorScheme(), t); err != nil {
		return err
	}
	// A ticket taller than the terminal goes through the pager.
	return opts.IO.WritePaged(b.String(), !opts.NoPager)
}

// Write lays out a whole ticket for people, the status and the priority
// in colour when cs paints. What came from the network is made safe to
// show here (iostreams.Sanitize), so w gets the text as it is.
func Write(w io.Writer, lang string, loc *time.Location, cs *iostreams.ColorScheme, t *support.Ticket) error {
	if loc == nil {
		loc = time.Local
	}
	T := func(key string, p map[string]string) string { return locale.T(lang, key, p) }
	when := func(at time.Time) string { return at.In(loc).Format("2006-01-02 15:04") }

	var plain strings.Builder
	b := iostreams.SafeWriter(&plain)
	fmt.Fprintf(b, "%s — %s\n", t.Number, t.Subject)
	// The status line and the priority are ours (catalog, enum): their
	// colour goes around the sanitizer.
	fmt.Fprintf(&plain, "%s\n\n", T("cli.show.status_line", map[string]string{
		"status":  cmdutil.Paint(cmdutil.StatusPaint(cs, t.Status), cmdutil.StatusLabel(lang, t.Status)),
		"created": when(t.CreatedAt), "updated": when(t.UpdatedAt)}))

	tw := tabwriter.NewWriter(&plain, 0, 0, 1, ' ', 0)
	for _, f := range cmdutil.TicketFields(lang, t.TicketInput) {
		value := iostreams.Sanitize(f.Value)
		if f.Key == "priority" {
			value = cmdutil.Paint(cmdutil.PriorityPaint(cs, t.Priority), value)
		}
		fmt.Fprintf(tw, "%s%s\n", locale.LabelCell(lang, iostreams.Sanitize(f.Label)), value)
	}
	if t.FiledBy != "" {
		fmt.Fprintf(tw, "%s%s\n", locale.LabelCell(lang, T("cli.show.filed_by", nil)), iostreams.Sanitize(t.FiledBy))
	}
	if t.Assignee != "" {
		fmt.Fprintf(tw, "%s%s\n", locale.LabelCell(lang, T("cli.show.assignee", nil)), iostreams.Sanitize(t.Assignee))
	}
	if t.URL != "" {
		fmt.Fprintf(tw, "%s%s\n", locale.LabelCell(lang, T("web.show.page", nil)), iostreams.Sanitize(t.URL))
	}
	tw.Flush()

	fmt.Fprintf(b, "\n%s\n", locale.Label(lang, locale.FieldLabel(lang, "description")))
	for _, line := range strings.Split(t.Description, "\n") {
		fmt.Fprintf(b, "  %s\n", line)
	}

	fmt.Fprintf(b, "\n%s\n", locale.Label(lang, T("cli.show.history", nil)))
	for _, h := range t.History {
		fmt.Fprintf(b, "  %s  %s  (%s)\n", when(h.At), historyChange(lang, h), h.Actor)
		if h.Message != "" {
			fmt.Fprintf(b, "      %s\n", cmdutil.OneLine(h.Message))
		}
	}

	fmt.Fprintf(b, "\n%s", locale.Label(lang, T("cli.show.comments", nil)))
	if len(t.Comments) == 0 {
		fmt.Fprintf(b, " %s\n", T("cli.show.no_comments", nil))
	} else {
		io.WriteString(b, "\n")
		for _, c := range t.Comments {
			fmt.Fprintf(b, "  %s  %s (%s)\n", when(c.CreatedAt), c.Author, c.Role)
			// A comment may be files alone: no blank line for its body.
			if c.Body != "" {
				for _, line := range strings.Split(c.Body, "\n") {
					fmt.Fprintf(b, "    %s\n", line)
				}
			}
			for _, a := range c.Attachments {
				fmt.Fprintf(b, "    + %s\n", attachmentLine(lang, a))
			}
		}
	}

	fmt.Fprintf(b, "\n%s", locale.Label(lang, locale.FieldLabel(lang, "attachments")))
	if len(t.Attachments) == 0 {
		fmt.Fprintf(b, " %s\n", T("cli.none", nil))
	} else {
		io.WriteString(b, "\n")
		for _, a := range t.Attachments {
			fmt.Fprintf(b, "  %s\n", attachmentLine(lang, a))
		}
	}
	_, err := io.WriteString(w, plain.String())
	return err
}

func attachmentLine(lang string, a support.Attachment) string {
	return fmt.Sprintf("[%d] %s  %s  %s  sha256:%s", a.ID, a.Name, a.ContentType, locale.Size(lang, a.Size), a.SHA256)
}

// historyChange says what a history entry changed: a status move, or a
// priority or an assignee, named.
func historyChange(lang string, h support.HistoryEntry) string {
	switch h.Field {
	case support.FieldPriority:
		return locale.T(lang, "cli.show.history_priority", map[string]string{"from": string(h.From), "to": string(h.To)})
	case support.FieldAssignee:
		if h.To == "" {
			return locale.T(lang, "cli.show.history_unassigned", nil)
		}
		return locale.T(lang, "cli.show.history_assignee", map[string]string{"to": string(h.To)})
	}
	from := ""
	if h.From != "" {
		from = cmdutil.StatusLabel(lang, h.From) + " → "
	}
	return from + cmdutil.StatusLabel(lang, h.To)
}
