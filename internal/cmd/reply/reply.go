// Package reply is `ent-support reply NUMBER`: a support agent's answer to
// a ticket. It is a comment with the agent's role, so it goes the
// comment's way; a reporter is told to use `comment` instead.
package reply

import (
	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmd/comment"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/support"
)

// NewCmdReply returns `reply`. runF replaces the run in tests of the flags.
func NewCmdReply(f *cmdutil.Factory, runF func(*comment.CommentOptions) error) *cobra.Command {
	opts := &comment.CommentOptions{IO: f.IOStreams, Lang: f.Lang, Tickets: f.Tickets, Info: f.Info, Identity: f.Identity}
	cmd := &cobra.Command{
		Use:     "reply NUMBER --message M",
		Short:   f.T("cli.reply.short", nil),
		Long:    f.T("cli.reply.long", nil),
		Example: f.T("cli.reply.example", nil),
		Args:    cmdutil.ExactArgs(1, "NUMBER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Number = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return replyRun(opts)
		},
	}
	comment.AddFlags(f, cmd, opts)
	return cmd
}

// replyRun asks the server who the caller is first: a reporter's "reply"
// would be stored as information from the reporter, which is not what
// they meant, so it is refused with the command they want.
func replyRun(opts *comment.CommentOptions) error {
	if opts.Message == "" && opts.MessageFile == "" && len(opts.Attach) == 0 {
		return cmdutil.Usage("cli.reply.message_required", nil)
	}
	ctx, cancel := cmdutil.Bounded(opts.Ctx, cmdutil.NetworkTimeout)
	defer cancel()
	id, err := opts.Identity()
	if err != nil {
		return err
	}
	me, err := id.Me(ctx)
	if err != nil {
		return err
	}
	if !me.Role.IsStaff() {
		return support.Errorf(support.EFORBIDDEN, "error.reply_agents_only", nil)
	}
	return comment.Run(opts)
}
