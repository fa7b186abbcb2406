// Package mailgate is `ent-support mailgate`: it hands one e-mail, read on
// standard input, to the server (POST /api/v1/mail), for a Postfix or Exim
// pipe alias. Its exit status follows sysexits.h, which MTAs understand:
// 75 keeps the message in the MTA's queue to try again later.
package mailgate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// Exit statuses (sysexits.h).
const (
	ExitOK       = 0
	ExitDataErr  = 65 // not mail, or too large: the MTA bounces it to its sender
	ExitTempFail = 75 // the server cannot take it now: the MTA keeps it and tries again
	ExitNoPerm   = 77 // no token, or one the server refuses: the MTA bounces it
)

// MaxRead bounds what is read of standard input before the server says
// its own limit: far above any server's, so that the server answers 413.
const MaxRead = 512 << 20

// Timeout bounds the whole hand-over: an MTA waits for the pipe, and a
// message not taken in time is simply tried again (75).
const Timeout = 5 * time.Minute

// EnvToken is where the token comes from without --token-file.
const EnvToken = "ENT_SUPPORT_TOKEN"

// Options are the inputs of `mailgate`.
type Options struct {
	F         *cmdutil.Factory
	TokenFile string
}

// NewCmdMailgate returns `mailgate`.
func NewCmdMailgate(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "mailgate",
		Short:   f.T("cli.mailgate.short", nil),
		Long:    f.T("cli.mailgate.long", nil),
		Example: f.T("cli.mailgate.example", nil),
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return mailgateRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.TokenFile, "token-file", "", f.T("cli.mailgate.flag.token_file", nil))
	return cmd
}

// fail writes one line to stderr and ends with code: an MTA puts that line
// in its bounce or its log.
func fail(f *cmdutil.Factory, code int, key string, params map[string]string) error {
	fmt.Fprintln(f.IOStreams.ErrOut, "mailgate: "+strings.ReplaceAll(f.T(key, params), "\n", " "))
	return &cmdutil.SilentError{Code: code}
}

// mailgateRun reads no configuration file and writes nothing on disk: an
// MTA runs it as nobody, with no home, in its queue directory. The server
// and token come from the flags or the environment only.
func mailgateRun(ctx context.Context, opts *Options) error {
	f := opts.F
	server := strings.TrimSpace(f.ServerFlag)
	if server == "" && f.Getenv != nil {
		server = strings.TrimSpace(f.Getenv("ENT_SUPPORT_SERVER"))
	}
	if server == "" {
		// Nothing was sent: the MTA keeps the message until the alias
		// is fixed.
		return fail(f, ExitTempFail, "cli.mailgate.no_server", nil)
	}
	token, err := readToken(opts)
	if err != nil {
		return fail(f, ExitTempFail, "cli.mailgate.token_file", map[string]string{"file": opts.TokenFile, "error": err.Error()})
	}
	if token == "" {
		return fail(f, ExitNoPerm, "cli.mailgate.no_token", nil)
	}
	raw, err := readMessage(f.IOStreams.In)
	if err != nil {
		return fail(f, ExitTempFail, "cli.mailgate.read", map[string]string{"error": err.Error()})
	}
	if len(raw) > MaxRead {
		return fail(f, ExitDataErr, "cli.mailgate.too_large", nil)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return fail(f, ExitDataErr, "error.mail_not_mail", nil)
	}
	b, err := f.Connect(server, token, config.Backend{Kind: config.KindNative})
	if err != nil {
		return fail(f, ExitTempFail, "cli.mailgate.failed", map[string]string{"error": locale.Message(f.Lang, err)})
	}
	poster, err := b.MailPoster()
	if err != nil {
		return fail(f, ExitTempFail, "cli.mailgate.failed", map[string]string{"error": locale.Message(f.Lang, err)})
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	if _, err := poster.PostMail(ctx, raw); err != nil {
		return fail(f, ExitCode(err), "cli.mailgate.failed", map[string]string{"error": locale.Message(f.Lang, err)})
	}
	return nil
}

// readMessage reads standard input whole (at most MaxRead+1 bytes). This
// one-shot process holds one message and exits: collecting garbage while
// the buffer grows cost more than the message itself (a third of the run
// for 5 MiB), so the collector waits until the heap reaches gcLimit. A
// file given on stdin is read into a buffer of its size at once.
func readMessage(in io.Reader) ([]byte, error) {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcLimit)
	size := int64(0)
	if f, ok := in.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = min(st.Size(), MaxRead) + 1
		}
	}
	if size == 0 {
		return io.ReadAll(io.LimitReader(in, MaxRead+1))
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	_, err := buf.ReadFrom(io.LimitReader(in, MaxRead+1))
	return buf.Bytes(), err
}

// gcLimit is the heap size past which mailgate collects garbage again.
const gcLimit = 256 << 20

// ExitCode is the sysexits status of a refused hand-over: the message's
// fault (65), the token's (77), or a server that cannot take it now (75,
// which is also the answer to anything unexpected: the MTA keeps the
// message rather than lose it).
func ExitCode(err error) int {
	switch support.ErrorCode(err) {
	case support.EINVALID, support.ETOOLARGE:
		return ExitDataErr
	case support.EUNAUTHENTICATED, support.EFORBIDDEN:
		return ExitNoPerm
	}
	return ExitTempFail
}

func readToken(opts *Options) (string, error) {
	if opts.TokenFile != "" {
		b, err := os.ReadFile(opts.TokenFile)
		if err != nil {
			return "", err
		}
		line, _, _ := strings.Cut(string(b), "\n")
		return strings.TrimSpace(line), nil
	}
	if opts.F.Getenv == nil {
		return "", nil
	}
	return strings.TrimSpace(opts.F.Getenv(EnvToken)), nil
}
