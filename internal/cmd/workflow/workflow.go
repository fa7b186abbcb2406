// Package workflow holds the verbs that move a ticket along: an agent's
// `status`, `priority` and `assign`, and a reporter's `reopen`. They share
// one shape (a number, a value, a message, the ticket back), so one
// package keeps them side by side with the status machine they drive.
package workflow

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// Options is everything a workflow verb works from.
type Options struct {
	IO       *iostreams.IOStreams
	Lang     string
	Workflow func() (support.WorkflowService, error)
	Ctx      context.Context

	Action  string // status, priority, assign, reopen
	Number  string
	Value   string // the status, the priority, or the assignee's e-mail
	Message string
	JSON    bool
	Export  cmdutil.Export
}

// verb describes one command: its name, its arguments, and whether it
// takes --to (assign) or --message.
type verb struct {
	action, use string
	args        int
}

var verbs = map[string]verb{
	"status":   {"status", "status NUMBER STATUS", 2},
	"priority": {"priority", "priority NUMBER bloquante|majeure|mineure", 2},
	"assign":   {"assign", "assign NUMBER [--to EMAIL]", 1},
	"reopen":   {"reopen", "reopen NUMBER --message M", 1},
}

// NewCmdStatus returns `status NUMBER STATUS [--message M]`.
func NewCmdStatus(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	return newCmd(f, verbs["status"], runF)
}

// NewCmdPriority returns `priority NUMBER PRIORITY [--message M]`.
func NewCmdPriority(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	return newCmd(f, verbs["priority"], runF)
}

// NewCmdAssign returns `assign NUMBER [--to EMAIL]`.
func NewCmdAssign(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	return newCmd(f, verbs["assign"], runF)
}

// NewCmdReopen returns `reopen NUMBER --message M`.
func NewCmdReopen(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	return newCmd(f, verbs["reopen"], runF)
}

func newCmd(f *cmdutil.Factory, v verb, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Lang: f.Lang, Workflow: f.Workflow, Action: v.action}
	what := "NUMBER"
	if v.args == 2 {
		what = "NUMBER " + map[string]string{"status": "STATUS", "priority": "PRIORITY"}[v.action]
	}
	cmd := &cobra.Command{
		Use:     v.use,
		Short:   f.T("cli."+v.action+".short", nil),
		Long:    f.T("cli."+v.action+".long", nil),
		Example: f.T("cli."+v.action+".example", nil),
		Args:    cmdutil.ExactArgs(v.args, what),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Number = cmd.Context(), args[0]
			if len(args) > 1 {
				opts.Value = args[1]
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	fl := cmd.Flags()
	if v.action == "assign" {
		fl.StringVar(&opts.Value, "to", "", f.T("cli.assign.flag.to", nil))
	} else {
		fl.StringVarP(&opts.Message, "message", "m", "", f.T("cli.workflow.flag.message", nil))
	}
	cmdutil.AddJSONFlags(cmd, f, "cli.workflow.flag.json", &opts.JSON, &opts.Export)
	return cmd
}

// Run checks what can be checked here (the number, the status or
// priority, the reopen's message), sends the change once, and says where
// the ticket now stands: the ticket as JSON on stdout with --json, one
// line on stderr otherwise.
func Run(opts *Options) error {
	n, err := cmdutil.ParseNumber(opts.Number)
	if err != nil {
		return err
	}
	switch opts.Action {
	case "status":
		if _, ok := support.ParseStatus(opts.Value); !ok {
			return cmdutil.Invalid("status", support.RuleStatus, nil)
		}
	case "priority":
		if _, ok := support.ParsePriority(opts.Value); !ok {
			return cmdutil.Invalid("priority", support.RulePriority, nil)
		}
	case "reopen":
		if _, fe := support.ParseCommentBody(opts.Message, false); fe != nil && fe.Rule == support.RuleRequired {
			return cmdutil.Usage("cli.reopen.message_required", nil)
		}
	}
	ctx, cancel := cmdutil.Bounded(opts.Ctx, cmdutil.NetworkTimeout)
	defer cancel()
	svc, err := opts.Workflow()
	if err != nil {
		return err
	}
	var t *support.Ticket
	switch opts.Action {
	case "status":
		st, _ := support.ParseStatus(opts.Value)
		t, err = svc.ChangeStatus(ctx, n, st, opts.Message)
	case "priority":
		p, _ := support.ParsePriority(opts.Value)
		t, err = svc.ChangePriority(ctx, n, p, opts.Message)
	case "assign":
		t, err = svc.Assign(ctx, n, opts.Value)
	case "reopen":
		t, err = svc.Reopen(ctx, n, opts.Message)
	default:
		return fmt.Errorf("workflow: unknown action %q", opts.Action)
	}
	if err != nil {
		return err
	}
	assignee := ""
	if t.Assignee != "" {
		assignee = locale.T(opts.Lang, "cli.workflow.assignee", map[string]string{"email": t.Assignee})
	}
	fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "cli.workflow.done", map[string]string{
		"number": t.Number.String(), "status": string(t.Status), "priority": string(t.Priority), "assignee": assignee}))
	if opts.JSON {
		return opts.Export.Write(opts.IO.Out, t)
	}
	return nil
}
