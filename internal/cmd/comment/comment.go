// Package comment is `ent-support comment NUMBER`: information added to a
// ticket, with files, as answering the notification e-mail would.
package comment

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// CommentOptions is everything `comment` works from.
type CommentOptions struct {
	IO      *iostreams.IOStreams
	Lang    string
	Tickets func() (support.Tickets, error)
	// Info gives the server's limits to check files against (nil: the
	// defaults); Identity says who the caller is (`reply` only).
	Info     func() (support.InfoService, error)
	Identity func() (support.Identity, error)
	Ctx      context.Context

	Number      string
	Message     string
	MessageFile string // "-" is standard input
	Attach      []string
	JSON        bool
	Export      cmdutil.Export
}

// NewCmdComment returns `comment`. runF replaces the run in tests of the flags.
func NewCmdComment(f *cmdutil.Factory, runF func(*CommentOptions) error) *cobra.Command {
	opts := &CommentOptions{IO: f.IOStreams, Lang: f.Lang, Tickets: f.Tickets, Info: f.Info}
	cmd := &cobra.Command{
		Use:     "comment NUMBER",
		Short:   f.T("cli.comment.short", nil),
		Long:    f.T("cli.comment.long", nil),
		Example: f.T("cli.comment.example", nil),
		Args:    cmdutil.ExactArgs(1, "NUMBER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Number = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return commentRun(opts)
		},
	}
	AddFlags(f, cmd, opts)
	return cmd
}

// AddFlags defines the flags of a comment (--message, --message-file,
// --attach, --json) on cmd: `reply` takes exactly the same.
func AddFlags(f *cmdutil.Factory, cmd *cobra.Command, opts *CommentOptions) {
	fl := cmd.Flags()
	fl.StringVarP(&opts.Message, "message", "m", "", f.T("cli.comment.flag.message", nil))
	fl.StringVar(&opts.MessageFile, "message-file", "", f.T("cli.comment.flag.message_file", nil))
	fl.StringArrayVar(&opts.Attach, "attach", nil, f.T("cli.comment.flag.attach", nil))
	cmdutil.AddJSONFlags(cmd, f, "cli.comment.flag.json", &opts.JSON, &opts.Export)
	cmd.MarkFlagsMutuallyExclusive("message", "message-file")
}

// Run adds the comment opts describes: `reply` sends an agent's answer
// through it.
func Run(opts *CommentOptions) error { return commentRun(opts) }

// commentRun checks the message and every file before anything is sent,
// the way `new` does (the same file check against the server's limits),
// reports every problem at once, then sends the comment once.
func commentRun(opts *CommentOptions) error {
	n, err := cmdutil.ParseNumber(opts.Number)
	if err != nil {
		return err
	}
	var errs []support.FieldError
	body := opts.Message
	if opts.MessageFile != "" {
		data, _, fe := cmdutil.ReadInput(opts.IO.In, opts.Lang, opts.MessageFile, "comment.body", 4*support.CommentMax+1)
		if fe != nil {
			errs = append(errs, *fe)
		}
		body = string(data)
	}
	if len(errs) == 0 {
		var fe *support.FieldError
		if body, fe = support.ParseCommentBody(body, len(opts.Attach) > 0); fe != nil {
			errs = append(errs, *fe)
		}
	}

	timeout := cmdutil.NetworkTimeout
	if len(opts.Attach) > 0 {
		timeout = cmdutil.TransferTimeout
	}
	ctx, cancel := cmdutil.Bounded(opts.Ctx, timeout)
	defer cancel()
	svc, err := opts.Tickets()
	if err != nil {
		return err
	}
	var info *support.ServerInfo
	if len(opts.Attach) > 0 && opts.Info != nil {
		// Without the server's limits the defaults are checked; the comment
		// itself then meets whatever made Info fail, and reports it.
		if is, err := opts.Info(); err == nil {
			info, _ = is.Info(ctx)
		}
	}
	ups, ferrs := cmdutil.CheckFiles(opts.Lang, info, opts.Attach)
	if errs = append(errs, ferrs...); len(errs) > 0 {
		return support.InvalidFields(errs)
	}

	c, err := svc.AddComment(ctx, n, body, cmdutil.WithProgress(opts.IO, opts.Lang, ups))
	if err != nil {
		return err
	}
	if opts.IO.IsStderrTTY() {
		fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "cli.comment.added",
			map[string]string{"id": fmt.Sprint(c.ID), "number": n.String()}))
	}
	if opts.JSON {
		return opts.Export.Write(opts.IO.Out, c)
	}
	_, err = fmt.Fprintln(opts.IO.Out, c.ID)
	return err
}
