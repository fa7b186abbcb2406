package list

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/support"
)

// Flags → options.
func TestNewCmdListFlags(t *testing.T) {
	tests := []struct {
		args []string
		want ListOptions
	}{
		{nil, ListOptions{Limit: DefaultLimit}},
		{[]string{"--status", "nouveau,en_cours", "--status", "clos", "--priority", "bloquante", "--uai", "0421234N", "--mine",
			"--since", "2026-09-01", "-L", "7", "--sort", "priority", "--json"},
			ListOptions{Status: []string{"nouveau", "en_cours", "clos"}, Priority: []string{"bloquante"}, UAI: "0421234N", Mine: true,
				Since: "2026-09-01", Limit: 7, Sort: "priority", JSON: true}},
		// --jq and --template imply --json.
		{[]string{"-q", ".[].number"}, ListOptions{Limit: DefaultLimit, JSON: true, Export: cmdutil.Export{JQ: ".[].number"}}},
		{[]string{"--template", "{{len .}}"}, ListOptions{Limit: DefaultLimit, JSON: true, Export: cmdutil.Export{Template: "{{len .}}"}}},
		{[]string{"--web", "-L", "3"}, ListOptions{Limit: 3, Web: true}},
	}
	for _, tt := range tests {
		f, _, _, _ := cmdtest.Factory(t, cmdtest.NewTickets())
		var got *ListOptions
		cmd := NewCmdList(f, func(o *ListOptions) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(&bytes.Buffer{})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, *got, cmpopts.IgnoreFields(ListOptions{}, "IO", "Lang", "Location", "Tickets", "Identity", "Embedded", "Ctx", "Browse")); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tt.args, diff)
		}
	}
}

func fixture() *cmdtest.Tickets {
	fake := cmdtest.NewTickets()
	subjects := []string{"ENT inaccessible depuis ce matin", "Cahier de textes vide pour les élèves de 4e B, toutes matières confondues, depuis la mise à jour",
		"Question sur les quotas"}
	prios := []support.Priority{support.Bloquante, support.Majeure, support.Mineure}
	for i, s := range subjects {
		fake.Tickets = append(fake.Tickets, &support.Ticket{TicketSummary: support.TicketSummary{
			Number: support.Number{Prefix: "CG42N1", Seq: int64(3 - i)},
			TicketInput: support.TicketInput{Subject: s, Priority: prios[i],
				Establishment: support.Establishment{UAI: "0421234N", Name: "Collège du Pilat"}},
			Status: support.Statuses[i], CreatedAt: cmdtest.Clock.Add(-time.Duration(i) * 26 * time.Hour),
			UpdatedAt: cmdtest.Clock.Add(-time.Duration(i) * time.Hour)}})
	}
	return fake
}

// Options → behaviour.
func TestListRun(t *testing.T) {
	tests := []struct {
		name       string
		opts       ListOptions
		tty        bool
		width      int
		pageSize   int
		golden     string
		wantErr    string
		wantFilter support.TicketFilter
		wantStderr string
	}{
		{name: "tab-separated for scripts", opts: ListOptions{Limit: 50}, golden: "list.tsv"},
		{name: "a table on a terminal", opts: ListOptions{Limit: 50}, tty: true, width: 160, golden: "list.table"},
		{name: "a table cut to a narrow terminal", opts: ListOptions{Limit: 50}, tty: true, width: 110, golden: "list-narrow.table"},
		{name: "80 columns: the dates are left out", opts: ListOptions{Limit: 50}, tty: true, width: 80, golden: "list-80.table"},
		{name: "a table on a terminal of unknown width", opts: ListOptions{Limit: 50}, tty: true, golden: "list-full.table"},
		{name: "json", opts: ListOptions{Limit: 50, JSON: true}, golden: "list.json"},
		{name: "every page, up to --limit", opts: ListOptions{Limit: 2}, pageSize: 1, golden: "list-limit2.tsv"},
		{name: "filters reach the service", opts: ListOptions{Limit: 50, Status: []string{"En_Cours"}, Priority: []string{"majeure"},
			UAI: "0421234n", Mine: true, Since: "2026-11-01", Sort: "priorité"},
			wantFilter: support.TicketFilter{Status: []support.Status{"en_cours"}, Priority: []support.Priority{"majeure"}, UAI: "0421234N",
				Mine: true, Since: time.Date(2026, 11, 1, 0, 0, 0, 0, cmdtest.Paris), Sort: "priority", Limit: 50}},
		{name: "bad filters, all at once", opts: ListOptions{Limit: 0, Status: []string{"ouvert"}, Since: "hier"}, wantErr: support.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := fixture()
			fake.PageSize = tt.pageSize
			f, _, out, errOut := cmdtest.Factory(t, fake)
			f.IOStreams.SetStdoutTTY(tt.tty)
			f.IOStreams.SetTerminalSize(tt.width, 0)
			opts := tt.opts
			opts.IO, opts.Lang, opts.Location, opts.Tickets, opts.Identity = f.IOStreams, f.Lang, f.Location, f.Tickets, f.Identity
			err := listRun(&opts)
			if tt.wantErr != "" {
				if support.ErrorCode(err) != tt.wantErr {
					t.Fatalf("error %v, want %s", err, tt.wantErr)
				}
				if n := len(support.AsError(err).Fields); n != 3 {
					t.Errorf("%d field errors, want 3", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.golden != "" {
				cmdtest.Golden(t, tt.golden, out.String())
			}
			if tt.wantFilter.Limit != 0 {
				if diff := cmp.Diff(tt.wantFilter, fake.Filters[0]); diff != "" {
					t.Errorf("filter (-want +got):\n%s", diff)
				}
			}
			if errOut.String() != tt.wantStderr {
				t.Errorf("stderr %q", errOut)
			}
		})
	}
}

func TestListEmpty(t *testing.T) {
	for _, tty := range []bool{false, true} {
		f, _, out, errOut := cmdtest.Factory(t, cmdtest.NewTickets())
		f.IOStreams.SetStdoutTTY(tty)
		if err := listRun(&ListOptions{IO: f.IOStreams, Lang: f.Lang, Tickets: f.Tickets, Identity: f.Identity, Limit: 10}); err != nil {
			t.Fatal(err)
		}
		wantErr := ""
		if tty {
			wantErr = "Aucun ticket.\n"
		}
		if out.Len() != 0 || errOut.String() != wantErr {
			t.Errorf("tty=%v: stdout %q, stderr %q", tty, out, errOut)
		}
	}
}

// The embedded server's local admin is the person filing for themselves:
// their table has no agents' columns.
func TestListEmbeddedNoAgentColumns(t *testing.T) {
	f, _, out, _ := cmdtest.Factory(t, fixture())
	f.IOStreams.SetStdoutTTY(true)
	err := listRun(&ListOptions{IO: f.IOStreams, Lang: f.Lang, Location: f.Location, Tickets: f.Tickets,
		Embedded: func() bool { return true }, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(out.String(), "\n")
	if strings.Contains(header, "ASSIGNÉ") || !strings.HasPrefix(header, "NUMÉRO") {
		t.Errorf("header %q", header)
	}
}
