package create

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/drafts"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/support"
)

func fullInput() support.TicketInput {
	return support.TicketInput{
		Reporter:      support.Reporter{Name: "Claire Martin", Function: "chef_etablissement", Phone: "06 39 98 12 34", Email: "c@ac-lyon.fr"},
		Establishment: support.Establishment{UAI: "0421234N"}, Subject: "ENT inaccessible", Population: []support.Population{"tous"},
		Description: "Depuis ce matin la page de connexion affiche une erreur.", Location: "Accueil > Messagerie", Priority: "bloquante"}
}

// refusing creates nothing: the server refuses every ticket with err.
type refusing struct {
	*cmdtest.Tickets
	err error
}

func (r refusing) CreateTicket(context.Context, support.TicketInput, support.CreateOptions) (*support.Ticket, error) {
	return nil, r.err
}

func keepOptions(t *testing.T, svc support.TicketService, p prompter.Prompter) (*NewOptions, *cmdutil.Factory) {
	t.Helper()
	f, _, _, _ := cmdtest.Factory(t, cmdtest.NewTickets())
	if p != nil {
		f.IOStreams.SetStdinTTY(true)
		f.IOStreams.SetStderrTTY(true)
	}
	f.Backend = func() (*cmdutil.Backend, error) { return cmdtest.Backend(svc), nil }
	opts := withServices(&NewOptions{IO: f.IOStreams, Lang: f.Lang, Getenv: f.Getenv, Config: f.Config, Profile: f.Profile,
		Prompter: func() prompter.Prompter { return p }, Drafts: f.Drafts, Outbox: f.Outbox, NoInput: p == nil}, f)
	return opts, f
}

func kept(t *testing.T, err error, want string) {
	t.Helper()
	var k *cmdutil.KeptError
	if !errors.As(err, &k) || !strings.Contains(k.Hint, want) {
		t.Fatalf("error %v, want the ticket kept with a hint naming %q", err, want)
	}
}

// Interrupted after a few fields: they are kept; --resume shows them, and
// the draft goes once the ticket is filed.
func TestInterruptedFormIsResumed(t *testing.T) {
	fake := cmdtest.NewTickets()
	p := &cmdtest.Prompter{Fill: func(req *prompter.TicketRequest) error {
		req.Input.Reporter = support.Reporter{Name: "Claire Martin", Function: "adjoint", Phone: "06 39 98 12 34"}
		return prompter.ErrCancelled
	}}
	opts, f := keepOptions(t, fake, p)
	err := newRun(opts)
	if !errors.Is(err, prompter.ErrCancelled) {
		t.Fatalf("error %v, want ErrCancelled", err)
	}
	kept(t, err, "ent-support new --resume")
	store, _ := f.Drafts()
	d, err := store.Latest()
	if err != nil || d.Input.Reporter.Phone != "06 39 98 12 34" || d.IdempotencyKey != "" {
		t.Fatalf("draft %+v %v: want the three fields, and no key (never validated)", d, err)
	}

	var shown support.TicketInput
	p2 := &cmdtest.Prompter{Answer: true, Fill: func(req *prompter.TicketRequest) error {
		shown = req.Input
		in := fullInput()
		in.Reporter.Name, in.Reporter.Function, in.Reporter.Phone = req.Input.Reporter.Name, req.Input.Reporter.Function, req.Input.Reporter.Phone
		req.Input = in
		return nil
	}}
	opts, _ = keepOptions(t, fake, p2)
	opts.Drafts, opts.Resume = f.Drafts, true
	if err := newRun(opts); err != nil {
		t.Fatal(err)
	}
	if shown.Reporter.Name != "Claire Martin" || shown.Reporter.Function != "adjoint" {
		t.Errorf("the form started from %+v, want the draft's fields", shown.Reporter)
	}
	if len(fake.Created) != 1 || fake.Created[0].Reporter.Function != "adjoint" {
		t.Errorf("created %+v", fake.Created)
	}
	if ds, _ := store.List(); len(ds) != 0 {
		t.Errorf("drafts left after the ticket was filed: %+v", ds)
	}
}

// "No" at the summary keeps a validated draft with its key; resuming it
// from a script sends that key, with the flags over the draft.
func TestNoAtTheSummaryKeepsTheKey(t *testing.T) {
	fake := cmdtest.NewTickets()
	p := &cmdtest.Prompter{Fill: func(req *prompter.TicketRequest) error { req.Input = fullInput(); return nil }, Answer: false}
	opts, f := keepOptions(t, fake, p)
	err := newRun(opts)
	if !errors.Is(err, prompter.ErrCancelled) {
		t.Fatalf("error %v", err)
	}
	store, _ := f.Drafts()
	d, _ := store.Latest()
	if d == nil || !strings.HasPrefix(d.IdempotencyKey, "cli-") {
		t.Fatalf("draft %+v: want the key made at validation", d)
	}
	opts, _ = keepOptions(t, fake, nil)
	opts.Drafts, opts.Resume, opts.ResumeID = f.Drafts, true, d.ID
	opts.Flags.Priority = "mineure"
	if err := newRun(opts); err != nil {
		t.Fatal(err)
	}
	if len(fake.Created) != 1 || fake.CreateOps[0].IdempotencyKey != d.IdempotencyKey || fake.Created[0].Priority != "mineure" {
		t.Errorf("sent %+v with %+v", fake.Created, fake.CreateOps)
	}
	if _, err := store.Get(d.ID); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("draft still there after the ticket was filed: %v", err)
	}
}

// A ticket the server refuses is kept as a draft, with its key.
func TestServerRefusalKeepsADraft(t *testing.T) {
	svc := refusing{cmdtest.NewTickets(), support.Errorf(support.EFORBIDDEN, "error.forbidden", nil)}
	opts, f := keepOptions(t, svc, nil)
	opts.Flags = fullInput()
	err := newRun(opts)
	if support.ErrorCode(err) != support.EFORBIDDEN {
		t.Fatalf("error %v, want the refusal's code", err)
	}
	kept(t, err, "--resume")
	store, _ := f.Drafts()
	if d, _ := store.Latest(); d == nil || d.Input.Subject != "ENT inaccessible" || d.IdempotencyKey == "" {
		t.Errorf("draft %+v", d)
	}
}

// A script's own invalid flags make no draft: the script has them.
func TestScriptMistakeMakesNoDraft(t *testing.T) {
	opts, f := keepOptions(t, cmdtest.NewTickets(), nil)
	opts.Flags = fullInput()
	opts.Flags.Reporter.Phone = "12"
	if err := newRun(opts); support.ErrorCode(err) != support.EINVALID {
		t.Fatalf("error %v", err)
	}
	store, _ := f.Drafts()
	if ds, _ := store.List(); len(ds) != 0 {
		t.Errorf("drafts %+v", ds)
	}
}

// An unreachable server: the complete ticket and a copy of its file go to
// the outbox with the key; exit code of the unreachable server.
func TestUnreachableServerFillsTheOutbox(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "shot.png")
	os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"+strings.Repeat("x", 100)), 0o644)
	fake := cmdtest.NewTickets()
	fake.Err = support.Errorf(support.EUNAVAILABLE, "error.unreachable", nil)
	opts, f := keepOptions(t, fake, nil)
	opts.Flags = fullInput()
	opts.Attach = []string{png}
	err := newRun(opts)
	if support.ErrorCode(err) != support.EUNAVAILABLE {
		t.Fatalf("error %v", err)
	}
	kept(t, err, "ent-support outbox send")
	o, _ := f.Outbox()
	es, _ := o.List()
	if len(es) != 1 || !strings.HasPrefix(es[0].IdempotencyKey, "cli-") || len(es[0].Attachments) != 1 || es[0].Input.Reporter.Phone != "+33639981234" {
		t.Fatalf("outbox %+v: want the normalised ticket, its key and its file", es)
	}
	os.Remove(png)
	fake.Err = nil
	if err := o.Send(context.Background(), fake, nil); err != nil {
		t.Fatal(err)
	}
	if len(fake.Created) != 1 || fake.CreateOps[0].IdempotencyKey != es[0].IdempotencyKey || len(fake.Files) != 1 {
		t.Errorf("sent %+v %+v", fake.Created, fake.CreateOps)
	}
}

// A draft the server refused (an outbox entry that came back) carries the
// server's field errors: new --resume names them on stderr, and the form
// starts on those fields.
func TestResumedRefusalStartsOnTheServersProblems(t *testing.T) {
	fake := cmdtest.NewTickets()
	var problems []support.FieldError
	p := &cmdtest.Prompter{Answer: true, Fill: func(req *prompter.TicketRequest) error {
		problems = req.Problems
		req.Input = fullInput()
		return nil
	}}
	opts, f := keepOptions(t, fake, p)
	store, _ := f.Drafts()
	// Valid for the client's checks: only the server knew what was wrong.
	d := &drafts.Draft{ID: "20261202-091759-2fe0", Input: fullInput(),
		Problems: []support.FieldError{{Field: "location", Rule: support.RuleLocation}}}
	if err := store.Save(d); err != nil {
		t.Fatal(err)
	}
	opts.Resume, opts.ResumeID = true, d.ID
	if err := newRun(opts); err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || problems[0].Field != "location" {
		t.Errorf("the form started with problems %+v, want the server's on location", problems)
	}
	errs := f.IOStreams.ErrOut.(*bytes.Buffer).String()
	if !strings.Contains(errs, "Ce ticket (brouillon 20261202-091759-2fe0) a été refusé ; à corriger :") || !strings.Contains(errs, "(location)") {
		t.Errorf("stderr = %q, want the server's problems named", errs)
	}
	if len(fake.Created) != 1 {
		t.Errorf("created %+v", fake.Created)
	}
	if ds, _ := store.List(); len(ds) != 0 {
		t.Errorf("drafts left after the ticket was filed: %+v", ds)
	}
}

// withServices gives opts the capabilities of f's back end, as NewCmdNew does.
func withServices(opts *NewOptions, f *cmdutil.Factory) *NewOptions {
	opts.Info, opts.Tickets, opts.Identity = f.Info, f.Tickets, f.Identity
	opts.Directory, opts.ContactEditor = f.Directory, f.ContactEditor
	return opts
}
