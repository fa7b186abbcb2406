package workflow

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/support"
)

// Flags → options.
func TestFlags(t *testing.T) {
	type newCmd func(*cmdutil.Factory, func(*Options) error) *cobra.Command
	tests := []struct {
		name    string
		cmd     newCmd
		args    []string
		want    Options
		wantErr bool
	}{
		{"status", NewCmdStatus, []string{"1042", "en_attente", "--message", "Une capture ?"},
			Options{Action: "status", Number: "1042", Value: "en_attente", Message: "Une capture ?"}, false},
		{"status json", NewCmdStatus, []string{"1", "resolu", "--json"}, Options{Action: "status", Number: "1", Value: "resolu", JSON: true}, false},
		{"status without a status", NewCmdStatus, []string{"1"}, Options{}, true},
		{"priority", NewCmdPriority, []string{"1", "bloquante", "-m", "Tout le collège"},
			Options{Action: "priority", Number: "1", Value: "bloquante", Message: "Tout le collège"}, false},
		{"assign self", NewCmdAssign, []string{"7"}, Options{Action: "assign", Number: "7"}, false},
		{"assign to", NewCmdAssign, []string{"7", "--to", "paul@example.fr"}, Options{Action: "assign", Number: "7", Value: "paul@example.fr"}, false},
		{"assign takes no message", NewCmdAssign, []string{"7", "--message", "x"}, Options{}, true},
		{"reopen", NewCmdReopen, []string{"7", "--message", "Revenu."}, Options{Action: "reopen", Number: "7", Message: "Revenu."}, false},
		{"reopen takes no value", NewCmdReopen, []string{"7", "en_cours"}, Options{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _, _ := cmdtest.Factory(t, cmdtest.NewTickets())
			var got *Options
			cmd := tt.cmd(f, func(o *Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(f.IOStreams.ErrOut)
			cmd.SetErr(f.IOStreams.ErrOut)
			err := cmd.Execute()
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tt.want, got, cmpopts.IgnoreFields(Options{}, "IO", "Lang", "Workflow", "Ctx")); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

// Options → behaviour.
func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		wantChange []cmdtest.Change
		wantErr    string // the code, or the usage key
		wantStderr string
		wantOut    string
	}{
		{name: "status", opts: Options{Action: "status", Number: "cg42n1-1", Value: "En_Attente", Message: "Une capture ?"},
			wantChange: []cmdtest.Change{{Action: "status", Value: "en_attente", Message: "Une capture ?"}}, wantStderr: "Ticket CG42N1-1 : en_attente, priorité majeure."},
		{name: "status json", opts: Options{Action: "status", Number: "1", Value: "resolu", JSON: true},
			wantChange: []cmdtest.Change{{Action: "status", Value: "resolu", Message: ""}}, wantOut: `"status": "resolu"`},
		{name: "priority", opts: Options{Action: "priority", Number: "1", Value: "Bloquante"},
			wantChange: []cmdtest.Change{{Action: "priority", Value: "bloquante", Message: ""}}, wantStderr: "priorité bloquante"},
		{name: "assign", opts: Options{Action: "assign", Number: "1"},
			wantChange: []cmdtest.Change{{Action: "assign", Value: "", Message: ""}}, wantStderr: "confié à admin@localhost"},
		{name: "reopen", opts: Options{Action: "reopen", Number: "1", Message: "Revenu."},
			wantChange: []cmdtest.Change{{Action: "reopen", Value: "", Message: "Revenu."}}, wantStderr: "en_cours"},
		{name: "bad status", opts: Options{Action: "status", Number: "1", Value: "ferme"}, wantErr: support.EINVALID},
		{name: "bad priority", opts: Options{Action: "priority", Number: "1", Value: "urgente"}, wantErr: support.EINVALID},
		{name: "bad number", opts: Options{Action: "status", Number: "abc", Value: "resolu"}, wantErr: support.EINVALID},
		{name: "reopen without a message", opts: Options{Action: "reopen", Number: "1", Message: " "}, wantErr: "cli.reopen.message_required"},
		{name: "unknown ticket", opts: Options{Action: "status", Number: "9", Value: "resolu"}, wantErr: support.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := cmdtest.NewTickets()
			fake.Tickets = []*support.Ticket{{TicketSummary: support.TicketSummary{Number: support.Number{Prefix: "CG42N1", Seq: 1},
				TicketInput: support.TicketInput{Priority: support.Majeure}, Status: support.StatusNew}}}
			f, _, out, errOut := cmdtest.Factory(t, fake)
			opts := tt.opts
			opts.IO, opts.Lang, opts.Workflow = f.IOStreams, f.Lang, f.Workflow
			err := Run(&opts)
			if tt.wantErr != "" {
				got := support.ErrorCode(err)
				if u, ok := err.(*cmdutil.UsageError); ok {
					got = u.Key
				}
				if got != tt.wantErr {
					t.Errorf("error %v, want %s", err, tt.wantErr)
				}
				if len(fake.Changes) != 0 {
					t.Errorf("sent %+v", fake.Changes)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantChange, fake.Changes); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if !strings.Contains(errOut.String(), tt.wantStderr) || !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stderr %q (want %q), stdout %q (want %q)", errOut, tt.wantStderr, out, tt.wantOut)
			}
			if !tt.opts.JSON && out.Len() != 0 {
				t.Errorf("stdout %q, want nothing without --json", out)
			}
		})
	}
}
