package outbox

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/support"
)

// outbox rm on a terminal shows the ticket and asks: "no" keeps it, "yes"
// deletes it with its folder. Without a terminal and without --yes it
// refuses with a usage error naming --yes, and deletes nothing.
func TestRmAsksOnATerminalAndNeedsYesElsewhere(t *testing.T) {
	f, _, _, errOut := cmdtest.Factory(t, cmdtest.NewTickets())
	o, _ := f.Outbox()
	e, err := o.Add(support.TicketInput{Subject: "Messagerie en panne"}, "cli-1", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &cmdtest.Prompter{Answer: false}
	opts := &Options{IO: f.IOStreams, Lang: f.Lang, Outbox: f.Outbox,
		Prompter: func() prompter.Prompter { return p }}

	// No terminal: refused, nothing asked, nothing deleted.
	err = rmRun(opts, e.ID)
	var ue *cmdutil.UsageError
	if !errors.As(err, &ue) || ue.Key != "keep.outbox.rm.needs_yes" {
		t.Fatalf("error %v, want the usage error asking for --yes", err)
	}
	if len(p.Questions) != 0 {
		t.Errorf("asked %q without a terminal", p.Questions)
	}

	f.IOStreams.SetStdinTTY(true)
	f.IOStreams.SetStderrTTY(true)
	if err := rmRun(opts, e.ID); !errors.Is(err, prompter.ErrCancelled) {
		t.Fatalf("error %v after \"no\", want ErrCancelled", err)
	}
	if !strings.Contains(p.Summary, "Messagerie en panne") || len(p.Questions) != 1 {
		t.Errorf("summary %q, questions %q", p.Summary, p.Questions)
	}
	if _, err := o.Get(e.ID); err != nil {
		t.Fatalf("the entry went after \"no\": %v", err)
	}

	p.Answer = true
	if err := rmRun(opts, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Get(e.ID); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("the entry is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(o.Dir(), e.ID)); !os.IsNotExist(err) {
		t.Errorf("its folder is still there: %v", err)
	}
	if !strings.Contains(errOut.String(), "Ticket "+e.ID+" supprimé de la boîte d'envoi.") {
		t.Errorf("stderr = %q", errOut.String())
	}
}
