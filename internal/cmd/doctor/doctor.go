// Package doctor is `ent-support doctor`: it checks the profile against its
// back end (server reachable, token valid, queue or project visible, each
// custom field with its type and values) and says what to add, and how.
package doctor

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/support"
)

// DoctorOptions are the command's inputs.
type DoctorOptions struct {
	Ctx    context.Context
	Out    io.Writer
	T      func(key string, params map[string]string) string
	Doctor func() (support.Doctor, error)
	JSON   bool
	Export cmdutil.Export
}

// NewCmdDoctor returns `doctor`. runF replaces the run in tests of the flags.
func NewCmdDoctor(f *cmdutil.Factory, runF func(*DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{Out: f.IOStreams.Out, T: f.T, Doctor: f.Doctor}
	cmd := &cobra.Command{
		Use:     "doctor",
		Short:   f.T("cli.doctor.short", nil),
		Long:    f.T("cli.doctor.long", nil),
		Example: f.T("cli.doctor.example", nil),
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, f, "cli.doctor.flag.json", &opts.JSON, &opts.Export)
	return cmd
}

// Run prints one line per check — ✓ or ✗, what was checked, what was
// found — and under each failure the fix. It exits 1 when a check failed.
func Run(opts *DoctorOptions) error {
	d, err := opts.Doctor()
	if err != nil {
		return err
	}
	ctx := opts.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := cmdutil.Bounded(ctx, cmdutil.NetworkTimeout)
	defer cancel()
	checks := d.Doctor(ctx)
	failed := 0
	for _, c := range checks {
		if !c.OK {
			failed++
		}
	}
	if opts.JSON {
		if checks == nil {
			checks = []support.Check{}
		}
		if err := opts.Export.Write(opts.Out, checks); err != nil {
			return err
		}
	} else {
		// What the checks found came partly from the network.
		out := iostreams.SafeWriter(opts.Out)
		for _, c := range checks {
			mark := "✓"
			if !c.OK {
				mark = "✗"
			}
			line := mark + " " + c.Name
			if c.Detail != "" {
				line += " — " + c.Detail
			}
			fmt.Fprintln(out, line)
			if !c.OK && c.Fix != "" {
				fmt.Fprintln(out, "  "+opts.T("cli.doctor.fix", map[string]string{"fix": c.Fix}))
			}
		}
	}
	if failed > 0 {
		return cmdutil.ErrSilent
	}
	return nil
}
