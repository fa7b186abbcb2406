// Package cmdtest holds what the command tests share: a Factory on buffers
// over the in-memory fake of the services (supportfake), a fake prompter,
// and golden files.
// Only tests import it.
package cmdtest

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/drafts"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/outbox"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/support"
	"github.com/ent-support/ent-support/internal/support/supportfake"
)

// Update rewrites golden files instead of comparing: go test ./... -update.
var Update = flag.Bool("update", false, "rewrite golden files")

// Paris is where the tests read times.
var Paris, _ = time.LoadLocation("Europe/Paris")

// Clock is the fixed time of the tests: a Monday morning (the fake's).
var Clock = supportfake.Clock

// Tickets is the in-memory fake of the services, shared with the other
// packages' tests: see supportfake.
type Tickets = supportfake.Service

// Change is a workflow call the fake received.
type Change = supportfake.Change

// NewTickets returns a fake with the default limits and one establishment.
func NewTickets() *Tickets { return supportfake.New() }

// Prompter is a scripted form: Fill is applied to the request at each
// FillTicket, Answer is what Confirm says.
type Prompter struct {
	Fill     func(req *prompter.TicketRequest) error
	Answer   bool
	Rounds   int
	Problems [][]support.FieldError // what each round was shown
	Summary  string
	// Lines are the answers of Input and Secret, in order; Asked records
	// their titles.
	Lines []string
	Asked []string
	// Requests are the requests of each FillTicket, as the form got them.
	Requests []prompter.TicketRequest
	// Questions are the questions Confirm was asked, in order; AnswerTo,
	// when set, answers those that show no summary.
	Questions []string
	AnswerTo  func(question string) bool
}

var _ prompter.Prompter = (*Prompter)(nil)

func (p *Prompter) FillTicket(ctx context.Context, req *prompter.TicketRequest) error {
	p.Rounds++
	p.Problems = append(p.Problems, req.Problems)
	p.Requests = append(p.Requests, *req)
	if p.Fill == nil {
		return nil
	}
	return p.Fill(req)
}

func (p *Prompter) Confirm(ctx context.Context, text, question string) (bool, error) {
	p.Questions = append(p.Questions, question)
	if text == "" {
		if p.AnswerTo != nil {
			return p.AnswerTo(question), nil
		}
		return p.Answer, nil
	}
	p.Summary = text
	return p.Answer, nil
}

// Input answers the next of Lines (value when they are used up), checked
// like the real prompter does.
func (p *Prompter) Input(ctx context.Context, title, value string, check func(string) error) (string, error) {
	p.Asked = append(p.Asked, title)
	v := value
	if len(p.Lines) > 0 {
		v, p.Lines = p.Lines[0], p.Lines[1:]
	}
	if check != nil {
		if err := check(v); err != nil {
			return "", err
		}
	}
	return v, nil
}

// Secret answers the next of Lines.
func (p *Prompter) Secret(ctx context.Context, title string) (string, error) {
	p.Asked = append(p.Asked, title)
	if len(p.Lines) == 0 {
		return "", prompter.ErrCancelled
	}
	v := p.Lines[0]
	p.Lines = p.Lines[1:]
	return v, nil
}

// Factory returns a Factory on buffers over fake, with a config in a
// temporary directory, and the buffers of stdin, stdout and stderr.
func Factory(t testing.TB, fake *Tickets) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	f := &cmdutil.Factory{
		IOStreams: ios, Lang: locale.FR, Getenv: func(string) string { return "" },
		Now: func() time.Time { return Clock }, Location: Paris,
		Config:    func() (*config.Config, error) { return config.Load(dir) },
		Backend:   func() (*cmdutil.Backend, error) { return Backend(fake), nil },
		Prompter:  func() prompter.Prompter { return nil },
		Drafts:    func() (*drafts.Store, error) { return drafts.Open(state, nil), nil },
		Outbox:    func() (*outbox.Outbox, error) { return outbox.Open(state, nil), nil },
		RunServer: func(context.Context, cmdutil.ServerOptions) error { return nil },
		Cleanup:   func() {},
	}
	return f, in, out, errOut
}

// Backend is our own server's back end on fake: its reporter services,
// and the workflow and admin services too when fake is a *Tickets.
func Backend(svc support.TicketService) *cmdutil.Backend {
	b := &cmdutil.Backend{Kind: config.KindNative, Name: "ent-support", Caps: cmdutil.Capabilities{
		Info: svc, Tickets: svc, Identity: svc, ContactEditor: svc, Directory: svc}}
	if fake, ok := svc.(*Tickets); ok {
		b.Caps.Workflow, b.Caps.Admin = fake, fake
	}
	return b
}

// Golden compares got with testdata/<name>, or rewrites it with -update.
func Golden(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}
