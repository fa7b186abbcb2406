// Package entcmd is the program's entry: it builds the command tree, runs
// it, prints errors in the user's language and maps them to exit codes
// with one table. Its tests run the real binary against real servers
// (testdata/script).
package entcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmd/factory"
	"github.com/ent-support/ent-support/internal/cmd/root"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/support"
)

// Exit codes: the contract with scripts (README, "Exit codes").
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitAuth        = 3
	ExitNotFound    = 4
	ExitUnavailable = 5
	ExitInterrupted = 130
)

// codeExits is THE table from an error code to an exit code.
var codeExits = map[string]int{
	support.EINVALID:         ExitUsage,
	support.ETOOLARGE:        ExitUsage, // a file or body over a limit: the input must change
	support.ECONFLICT:        ExitUsage, // e.g. an e-mail already taken: the input must change
	support.EUNAUTHENTICATED: ExitAuth,
	support.EFORBIDDEN:       ExitAuth,
	support.ENOTFOUND:        ExitNotFound,
	support.EUNAVAILABLE:     ExitUnavailable,
	support.ERATELIMITED:     ExitUnavailable, // the server cannot serve us now; retry later
}

// Main runs the program and returns its exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := factory.New()
	defer f.Cleanup()
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(os.Args[1:])
	c, err := run(ctx, cmd)
	if err == nil {
		return ExitOK
	}
	code := ExitCode(err)
	if ctx.Err() != nil && code != ExitOK {
		// Whatever broke, it broke because the person pressed Ctrl-C; what
		// was kept, and how to go on, is still worth saying.
		var kept *cmdutil.KeptError
		switch {
		case c != nil && c.Annotations[cmdutil.AnnotationInterrupted] != "":
			err = &cmdutil.InterruptedError{Key: c.Annotations[cmdutil.AnnotationInterrupted]}
		case errors.As(err, &kept):
			err = &cmdutil.KeptError{Err: prompter.ErrCancelled, Hint: kept.Hint}
		default:
			err = prompter.ErrCancelled
		}
		code = ExitInterrupted
	}
	PrintError(f.IOStreams.ErrOut, f.Lang, err)
	return code
}

// run executes cmd; it returns the command that ran (nil when none was
// found) and its error.
func run(ctx context.Context, cmd *cobra.Command) (*cobra.Command, error) {
	c, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return c, nil
	}
	var ue *cmdutil.UsageError
	if errors.As(err, &ue) {
		if ue.Cmd == "" && c != nil {
			ue.Cmd = c.CommandPath()
		}
		return c, err
	}
	if support.ErrorCode(err) == support.EINTERNAL && !isTyped(err) {
		// Cobra's own errors (an unknown command) are plain English strings.
		if u, ok := cmdutil.FlagError(err).(*cmdutil.UsageError); ok && u.Key != "cli.usage.other" {
			if c != nil {
				u.Cmd = c.CommandPath()
			}
			return c, u
		}
	}
	return c, err
}

func isTyped(err error) bool {
	var se *support.Error
	var sil *cmdutil.SilentError
	return errors.As(err, &se) || errors.As(err, &sil) || errors.Is(err, prompter.ErrCancelled)
}

// ExitCode maps an error to the exit code scripts rely on.
func ExitCode(err error) int {
	var (
		sil *cmdutil.SilentError
		ue  *cmdutil.UsageError
		se  *support.Error
		ie  *cmdutil.InterruptedError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, prompter.ErrCancelled), errors.As(err, &ie):
		return ExitInterrupted
	case errors.As(err, &sil):
		return sil.Code
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, &se):
		if c, ok := codeExits[se.Code]; ok {
			return c
		}
	}
	return ExitError
}

// PrintError writes err for people: the message, then one line per field
// naming the field and the rule, then a hint for usage errors.
func PrintError(w io.Writer, lang string, err error) {
	var (
		sil *cmdutil.SilentError
		ue  *cmdutil.UsageError
		se  *support.Error
	)
	// Messages carry servers' words (RT's, Redmine's, a proxy's): shown,
	// never obeyed by the terminal.
	w = iostreams.SafeWriter(w)
	var kept *cmdutil.KeptError
	if errors.As(err, &kept) {
		PrintError(w, lang, kept.Err)
		fmt.Fprintln(w, kept.Hint)
		return
	}
	prefix := locale.T(lang, "cli.error.prefix", nil)
	var ie *cmdutil.InterruptedError
	switch {
	case errors.As(err, &sil):
		return
	case errors.As(err, &ie):
		fmt.Fprintln(w, locale.T(lang, ie.Key, nil))
	case errors.Is(err, prompter.ErrCancelled):
		fmt.Fprintln(w, locale.T(lang, "cli.error.cancelled", nil))
	case errors.As(err, &ue):
		params := ue.Params
		if a, ok := params["arg"]; ok && ue.Key == "cli.usage.missing_arg" {
			// The argument as the usage line names it, in lang (CLÉ, not KEY).
			params = map[string]string{"arg": locale.Args(lang, a)}
		}
		fmt.Fprintln(w, prefix+locale.T(lang, ue.Key, params))
		if ue.Cmd != "" {
			fmt.Fprintln(w, locale.T(lang, "cli.usage.hint", map[string]string{"cmd": ue.Cmd}))
		}
	case errors.As(err, &se):
		fmt.Fprintln(w, prefix+locale.Message(lang, se))
		for _, fe := range se.Fields {
			fmt.Fprintln(w, "  - "+locale.Field(lang, fe))
		}
	default:
		fmt.Fprintln(w, prefix+err.Error())
	}
}
