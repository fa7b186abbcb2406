// Package attachments is `ent-support attachments NUMBER`: the files of a
// ticket, with the ID or name `download` takes.
package attachments

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
	"github.com/ent-support/ent-support/internal/support"
)

// AttachmentsOptions is everything `attachments` works from.
type AttachmentsOptions struct {
	IO      *iostreams.IOStreams
	Lang    string
	Tickets func() (support.Tickets, error)
	Ctx     context.Context

	Number string
	JSON   bool
	Export cmdutil.Export
}

// NewCmdAttachments returns `attachments`.
func NewCmdAttachments(f *cmdutil.Factory, runF func(*AttachmentsOptions) error) *cobra.Command {
	opts := &AttachmentsOptions{IO: f.IOStreams, Lang: f.Lang, Tickets: f.Tickets}
	cmd := &cobra.Command{
		Use:   "attachments NUMBER",
		Short: f.T("cli.attachments.short", nil),
		Args:  cmdutil.ExactArgs(1, "NUMBER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Number = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return attachmentsRun(opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, f, "cli.attachments.flag.json", &opts.JSON, &opts.Export)
	return cmd
}

// All returns every file of a ticket: its own and those of its comments.
func All(t *support.Ticket) []support.Attachment {
	out := append([]support.Attachment{}, t.Attachments...)
	seen := map[int64]bool{}
	for _, a := range out {
		seen[a.ID] = true
	}
	for _, c := range t.Comments {
		for _, a := range c.Attachments {
			if !seen[a.ID] {
				seen[a.ID] = true
				out = append(out, a)
			}
		}
	}
	return out
}

func attachmentsRun(opts *AttachmentsOptions) error {
	ctx, cancel := cmdutil.Bounded(opts.Ctx, cmdutil.NetworkTimeout)
	defer cancel()
	_, t, err := cmdutil.GetTicket(ctx, opts.Tickets, opts.Number)
	if err != nil {
		return err
	}
	as := All(t)
	if opts.JSON {
		return opts.Export.Write(opts.IO.Out, as)
	}
	if len(as) == 0 {
		if opts.IO.IsStdoutTTY() {
			fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "cli.attachments.empty", map[string]string{"number": t.Number.String()}))
		}
		return nil
	}
	if opts.IO.IsStdoutTTY() {
		return writeTable(opts.IO.Out, opts.Lang, as)
	}
	for _, a := range as {
		fmt.Fprintf(opts.IO.Out, "%d\t%s\t%s\t%d\t%s\t%s\n", a.ID, cmdutil.OneLine(a.Name), a.ContentType, a.Size, a.SHA256,
			a.CreatedAt.UTC().Format(time.RFC3339))
	}
	return nil
}

func writeTable(w io.Writer, lang string, as []support.Attachment) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, locale.T(lang, "cli.attachments.header", nil))
	for _, a := range as {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", a.ID, cmdutil.Truncate(cmdutil.OneLine(a.Name), 40), a.ContentType,
			locale.Size(lang, a.Size), a.SHA256)
	}
	return tw.Flush()
}
