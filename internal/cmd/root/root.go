// Package root assembles the command tree of ent-support and translates
// cobra's own texts (usage, help, flag errors) into the user's language.
package root

import (
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/build"
	admincmd "github.com/ent-support/ent-support/internal/cmd/admin"
	attachmentscmd "github.com/ent-support/ent-support/internal/cmd/attachments"
	authcmd "github.com/ent-support/ent-support/internal/cmd/auth"
	commentcmd "github.com/ent-support/ent-support/internal/cmd/comment"
	completioncmd "github.com/ent-support/ent-support/internal/cmd/completion"
	configcmd "github.com/ent-support/ent-support/internal/cmd/config"
	contactcmd "github.com/ent-support/ent-support/internal/cmd/contact"
	newcmd "github.com/ent-support/ent-support/internal/cmd/create"
	doctorcmd "github.com/ent-support/ent-support/internal/cmd/doctor"
	downloadcmd "github.com/ent-support/ent-support/internal/cmd/download"
	draftscmd "github.com/ent-support/ent-support/internal/cmd/drafts"
	followcmd "github.com/ent-support/ent-support/internal/cmd/follow"
	listcmd "github.com/ent-support/ent-support/internal/cmd/list"
	mailgatecmd "github.com/ent-support/ent-support/internal/cmd/mailgate"
	outboxcmd "github.com/ent-support/ent-support/internal/cmd/outbox"
	replycmd "github.com/ent-support/ent-support/internal/cmd/reply"
	servercmd "github.com/ent-support/ent-support/internal/cmd/server"
	showcmd "github.com/ent-support/ent-support/internal/cmd/show"
	versioncmd "github.com/ent-support/ent-support/internal/cmd/version"
	workflowcmd "github.com/ent-support/ent-support/internal/cmd/workflow"
	"github.com/ent-support/ent-support/internal/cmdutil"
)

// NewCmdRoot returns the whole tree. It does no I/O: building it is the
// whole start-up cost of `--help` and `--version`.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:           "ent-support",
		Short:         f.T("cli.root.short", nil),
		Long:          f.T("cli.root.long", nil),
		Version:       build.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cmdutil.GroupArgs,
		RunE:          cmdutil.ShowHelp,
		// A command that talks to the server first sends what waits in
		// the outbox; that never makes it fail.
		PersistentPreRunE: func(c *cobra.Command, args []string) error {
			if c.Annotations[cmdutil.AnnotationNetwork] != "" {
				cmdutil.FlushOutbox(c.Context(), f)
			}
			return nil
		},
		// The tree is not sorted: commands show in the order people use them.
	}
	cobra.EnableCommandSorting = false
	cmd.CompletionOptions.DisableDefaultCmd = true
	cmd.SetVersionTemplate(versioncmd.Format(VersionInfo()) + "\n")
	cmd.PersistentFlags().StringVar(&f.ProfileFlag, "profile", "", f.T("cli.flag.profile", nil))
	cmd.PersistentFlags().StringVar(&f.CAFileFlag, "ca-file", "", f.T("cli.flag.ca_file", nil))
	cmd.PersistentFlags().StringVar(&f.ServerFlag, "server", "", f.T("cli.flag.server", nil))
	cmd.Flags().Bool("version", false, f.T("cli.flag.version", nil))
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		ue := cmdutil.FlagError(err)
		if u, ok := ue.(*cmdutil.UsageError); ok && u.Cmd == "" {
			u.Cmd = c.CommandPath()
		}
		return ue
	})
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)

	cmd.AddCommand(
		network(newcmd.NewCmdNew(f, nil)),
		draftscmd.NewCmdDrafts(f, nil),
		outboxcmd.NewCmdOutbox(f),
		network(listcmd.NewCmdList(f, nil)),
		network(showcmd.NewCmdShow(f, nil)),
		network(followcmd.NewCmdFollow(f, nil)),
		network(commentcmd.NewCmdComment(f, nil)),
		network(workflowcmd.NewCmdReopen(f, nil)),
		network(replycmd.NewCmdReply(f, nil)),
		network(workflowcmd.NewCmdStatus(f, nil)),
		network(workflowcmd.NewCmdPriority(f, nil)),
		network(workflowcmd.NewCmdAssign(f, nil)),
		network(attachmentscmd.NewCmdAttachments(f, nil)),
		network(downloadcmd.NewCmdDownload(f, nil)),
		authcmd.NewCmdAuth(f),
		configcmd.NewCmdConfig(f),
		doctorcmd.NewCmdDoctor(f, nil),
		contactcmd.NewCmdContact(f, nil),
		admincmd.NewCmdAdmin(f),
		servercmd.NewCmdServer(f, nil),
		mailgatecmd.NewCmdMailgate(f, nil),
		completioncmd.NewCmdCompletion(f),
		versioncmd.NewCmdVersion(f, VersionInfo),
	)
	cmd.SetHelpCommand(helpCommand(f))
	completioncmd.Register(f, cmd)
	localize(f, cmd)
	return cmd
}

// network marks a command that talks to the server.
func network(c *cobra.Command) *cobra.Command {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[cmdutil.AnnotationNetwork] = "true"
	return c
}

func helpCommand(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "help [" + f.T("cli.help.command", nil) + "]",
		Short: f.T("cli.help.short", nil),
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if target == nil || err != nil {
				return &cmdutil.UsageError{Key: "cli.usage.unknown_command",
					Params: map[string]string{"arg": strings.Join(args, " ")}, Cmd: c.Root().CommandPath()}
			}
			// `help lsit`: Find stops at the last command it knows and
			// leaves the rest; help on that command would hide the typo.
			if len(rest) > 0 {
				return cmdutil.UnknownCommand(target, rest[0])
			}
			return target.Help()
		},
	}
}

// localize gives every command our help flag and a usage in the user's
// language; cobra's own are English.
func localize(f *cmdutil.Factory, root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Flags().Lookup("help") == nil {
			c.Flags().BoolP("help", "h", false, f.T("cli.flag.help", nil))
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
	root.SetUsageFunc(usageFunc(f.Lang))
}

// VersionInfo describes this binary: the release stamp, else what the Go
// toolchain recorded of the VCS state.
func VersionInfo() versioncmd.Info {
	info := versioncmd.Info{Version: build.Version, Commit: build.Commit, Date: build.Date,
		Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, DefaultServer: build.DefaultServer}
	if info.Commit == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					info.Commit = s.Value
				case "vcs.modified":
					if s.Value == "true" && info.Commit != "" {
						info.Commit += "-dirty"
					}
				}
			}
		}
	}
	return info
}
