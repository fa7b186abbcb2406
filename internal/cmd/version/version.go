// Package version is `ent-support version`: what this binary is, for bug
// reports and for operators checking a deployment, and which server it
// files into and why.
package version

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
)

// Info describes a build.
type Info struct {
	Version, Commit, Date string
	Go, OS, Arch          string
	// DefaultServer is the server stamped into a territory's build ("" in
	// the project's own).
	DefaultServer string
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
			return versionRun(f, info())
		},
	}
}

// versionRun writes the version line, the build's default server if it
// has one, then the server in force and where it comes from. The version
// line comes first, so that a broken configuration file still lets it be
// read.
func versionRun(f *cmdutil.Factory, i Info) error {
	w := f.IOStreams.Out
	if _, err := fmt.Fprintln(w, Format(i)); err != nil {
		return err
	}
	if i.DefaultServer != "" {
		fmt.Fprintln(w, f.T("cli.version.default_server", map[string]string{"server": i.DefaultServer}))
	}
	r, err := f.Server()
	if err != nil {
		return err
	}
	if r.Server == "" && (r.Backend.Kind == "" || r.Backend.Kind == config.KindNative) {
		_, err = fmt.Fprintln(w, f.T("cli.version.embedded", nil))
		return err
	}
	_, err = fmt.Fprintln(w, f.T("cli.version.server", map[string]string{"server": r.Server,
		"source": cmdutil.ServerSourceLabel(f.Lang, r)}))
	return err
}
