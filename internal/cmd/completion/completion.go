// Package completion is `ent-support completion SHELL`: the shell
// completion scripts cobra generates, with help in the user's language.
package completion

import (
	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
)

// NewCmdCompletion returns `completion bash|zsh|fish|powershell`.
func NewCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:       "completion bash|zsh|fish|powershell",
		Short:     f.T("cli.completion.short", nil),
		Long:      f.T("cli.completion.long", nil),
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      cmdutil.ExactArgs(1, "SHELL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, root := f.IOStreams.Out, cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell", "pwsh":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return cmdutil.Usage("cli.completion.unknown_shell", map[string]string{"shell": args[0]})
		},
	}
}
