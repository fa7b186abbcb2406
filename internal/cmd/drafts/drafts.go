// Package drafts is `ent-support drafts`: it lists the tickets kept as
// drafts (an interrupted form, a "no" at the summary, a refusal), and
// `drafts rm ID` removes one. `new --resume` reopens them.
package drafts

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/drafts"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
)

// Options is what `drafts` works from.
type Options struct {
	IO       *iostreams.IOStreams
	Lang     string
	Location *time.Location
	Drafts   func() (*drafts.Store, error)
	JSON     bool
	Export   cmdutil.Export
}

// NewCmdDrafts returns `drafts` and `drafts rm`. runF replaces the listing in tests.
func NewCmdDrafts(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Lang: f.Lang, Location: f.Location, Drafts: f.Drafts}
	cmd := &cobra.Command{
		Use:     "drafts",
		Short:   f.T("keep.drafts.short", nil),
		Long:    f.T("keep.drafts.long", nil),
		Example: "  ent-support drafts\n  ent-support new --resume 20261128-193216-a1b2\n  ent-support drafts rm 20261128-193216-a1b2",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, f, "keep.flag.json", &opts.JSON, &opts.Export)
	cmd.AddCommand(&cobra.Command{
		Use:     "rm ID",
		Aliases: []string{"remove"},
		Short:   f.T("keep.drafts.rm.short", nil),
		Args:    cmdutil.ExactArgs(1, "ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := opts.Drafts()
			if err != nil {
				return err
			}
			if err := s.Remove(args[0]); err != nil {
				return err
			}
			if opts.IO.IsStderrTTY() {
				fmt.Fprintln(opts.IO.ErrOut, f.T("keep.drafts.removed", map[string]string{"id": args[0]}))
			}
			return nil
		},
	})
	return cmd
}

func listRun(opts *Options) error {
	s, err := opts.Drafts()
	if err != nil {
		return err
	}
	ds, err := s.List()
	if err != nil {
		return err
	}
	if n, err := s.Others(); err == nil && n > 0 {
		fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "keep.drafts.others", map[string]string{"count": fmt.Sprint(n)}))
	}
	return cmdutil.WriteList(opts.IO, opts.Lang, cmdutil.List[drafts.Draft]{
		Items: ds, JSON: opts.JSON, Export: &opts.Export, EmptyKey: "keep.drafts.empty",
		Table: func(w io.Writer, ds []drafts.Draft) error { return writeTable(w, opts.Lang, opts.Location, ds) },
		// For scripts: ID, last change (RFC 3339, UTC), subject.
		TSV: func(w io.Writer, ds []drafts.Draft) error {
			for _, d := range ds {
				if _, err := fmt.Fprintf(w, "%s\t%s\t%s\n", d.ID, d.UpdatedAt.UTC().Format(time.RFC3339),
					cmdutil.OneLine(d.Input.Subject)); err != nil {
					return err
				}
			}
			return nil
		}})
}

func writeTable(w io.Writer, lang string, loc *time.Location, ds []drafts.Draft) error {
	if loc == nil {
		loc = time.Local
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, locale.T(lang, "keep.drafts.header", nil))
	for _, d := range ds {
		subject := d.Input.Subject
		if subject == "" {
			subject = locale.T(lang, "keep.no_subject", nil)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", d.ID, d.UpdatedAt.In(loc).Format("2006-01-02 15:04"),
			cmdutil.Truncate(cmdutil.OneLine(subject), 60))
	}
	return tw.Flush()
}
