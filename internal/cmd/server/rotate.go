package server

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/iostreams"
)

// RotateLinkKeyOptions is `server rotate-link-key`.
type RotateLinkKeyOptions struct {
	IO     *iostreams.IOStreams
	T      func(key string, params map[string]string) string
	Rotate func(ctx context.Context, database string, revoke bool) error
	Ctx    context.Context

	Database string
	Revoke   bool
}

// NewCmdRotateLinkKey returns `server rotate-link-key`: it works on the
// database, as the server does, not through the API, so that it needs
// no token and works with the server stopped as well as running.
func NewCmdRotateLinkKey(f *cmdutil.Factory, runF func(*RotateLinkKeyOptions) error) *cobra.Command {
	opts := &RotateLinkKeyOptions{IO: f.IOStreams, T: f.T, Rotate: f.RotateLinkKey}
	cmd := &cobra.Command{
		Use:   "rotate-link-key",
		Short: f.T("cli.server.rotate.short", nil),
		Long:  f.T("cli.server.rotate.long", nil),
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if !cmd.Flags().Changed("database") && f.Getenv != nil {
				opts.Database = f.Getenv(EnvName("database"))
			}
			if runF != nil {
				return runF(opts)
			}
			return rotateRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Database, "database", "", f.T("cli.server.flag.database", nil))
	cmd.Flags().BoolVar(&opts.Revoke, "revoke", false, f.T("cli.server.rotate.flag.revoke", nil))
	return cmd
}

func rotateRun(opts *RotateLinkKeyOptions) error {
	ctx := opts.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if err := opts.Rotate(ctx, opts.Database, opts.Revoke); err != nil {
		return err
	}
	key := "cli.server.rotate.done"
	if opts.Revoke {
		key = "cli.server.rotate.revoked"
	}
	fmt.Fprintln(opts.IO.ErrOut, opts.T(key, nil))
	return nil
}
