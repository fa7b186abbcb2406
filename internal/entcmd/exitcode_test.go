package entcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmd/root"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/support"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("disk full"), 1},
		{support.Errorf(support.EINTERNAL, "error.internal", nil), 1},
		{&cmdutil.UsageError{Key: "cli.usage.unknown_flag"}, 2},
		{&cmdutil.InterruptedError{Key: "cli.follow.stopped"}, 130},
		{support.InvalidFields([]support.FieldError{{Field: "reporter.phone", Rule: support.RulePhone}}), 2},
		{support.Errorf(support.ETOOLARGE, "error.too_large", nil), 2},
		{support.Errorf(support.ECONFLICT, "error.email_taken", nil), 2},
		{support.Errorf(support.EUNAUTHENTICATED, "error.bad_token", nil), 3},
		{support.Errorf(support.EFORBIDDEN, "error.admin_only", nil), 3},
		{support.Errorf(support.ENOTFOUND, "error.ticket_not_found", nil), 4},
		{support.Errorf(support.EUNAVAILABLE, "error.unreachable", nil), 5},
		{support.Errorf(support.ERATELIMITED, "", nil), 5},
		{prompter.ErrCancelled, 130},
		{fmt.Errorf("form: %w", prompter.ErrCancelled), 130},
		{&cmdutil.SilentError{Code: 2}, 2},
		{fmt.Errorf("wrapped: %w", support.Errorf(support.ENOTFOUND, "", nil)), 4},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// What people read when something goes wrong, in both languages.
func TestPrintErrorGolden(t *testing.T) {
	errs := []error{
		support.InvalidFields([]support.FieldError{
			{Field: "reporter.phone", Rule: support.RulePhone},
			{Field: "establishment.uai", Rule: support.RuleUAIKey, Params: map[string]string{"expected": "0421234N"}},
			{Field: "attachments", Rule: support.RuleFileEmpty, Params: map[string]string{"name": "capture.png"}},
		}),
		&cmdutil.UsageError{Key: "cli.usage.unknown_flag", Params: map[string]string{"arg": "--urgence"}, Cmd: "ent-support new"},
		support.Errorf(support.EUNAUTHENTICATED, "error.bad_token", nil),
		// A server's answer is already in the reader's language: kept as is.
		&support.Error{Code: support.ENOTFOUND, Message: "Le ticket CG42N1-9 est introuvable."},
		prompter.ErrCancelled,
		errors.New("open /x: permission denied"),
		&cmdutil.SilentError{Code: 2},
	}
	for _, lang := range []string{"fr", "en"} {
		var b bytes.Buffer
		for _, err := range errs {
			fmt.Fprintf(&b, "== exit %d\n", ExitCode(err))
			PrintError(&b, lang, err)
		}
		cmdtest.Golden(t, "errors."+lang+".golden", b.String())
	}
}

// run turns cobra's plain English errors into our usage errors.
func TestRunTranslatesCobraErrors(t *testing.T) {
	f, _, _, _ := cmdtest.Factory(t, cmdtest.NewTickets())
	cmd := root.NewCmdRoot(f)
	for _, args := range [][]string{{"lister"}, {"new", "--urgence"}, {"list", "--limit", "x"}, {"show"}} {
		cmd.SetArgs(args)
		_, err := run(context.Background(), cmd)
		var ue *cmdutil.UsageError
		if !errors.As(err, &ue) || ue.Key == "cli.usage.other" || ue.Cmd == "" {
			t.Errorf("%v: %#v, want a translated usage error with its command", args, err)
		}
	}
}
