// Package version is `ent-support version`: what this binary is, for bug
// reports and for operators checking a deployment.
package version

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
)

// Info describes a build.
type Info struct {
	Version, Commit, Date string
	Go, OS, Arch          string
}

// Format writes one line: "ent-support dev (commit abc1234, go1.26, linux/amd64)".
func Format(i Info) string {
	s := "ent-support " + i.Version + " ("
	if i.Commit != "" {
		c := i.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		s += "commit " + c + ", "
	}
	if i.Date != "" {
		s += i.Date + ", "
	}
	return s + i.Go + ", " + i.OS + "/" + i.Arch + ")"
}

// NewCmdVersion returns `version`.
func NewCmdVersion(f *cmdutil.Factory, info func() Info) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: f.T("cli.version.short", nil),
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(f.IOStreams.Out, Format(info()))
			return err
		},
	}
}
