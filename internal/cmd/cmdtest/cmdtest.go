// Package cmdtest holds what the command tests share: an in-memory fake of
// the services, a fake prompter, a Factory on buffers, and golden files.
// Only tests import it.
package cmdtest

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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
)

// Update rewrites golden files instead of comparing: go test ./... -update.
var Update = flag.Bool("update", false, "rewrite golden files")

// Paris is where the tests read times.
var Paris, _ = time.LoadLocation("Europe/Paris")

// Clock is the fixed time of the tests: a Monday morning.
var Clock = time.Date(2026, 11, 30, 8, 30, 0, 0, time.UTC)

// Tickets is an in-memory TicketService and AdminService that records what
// it was asked. Errors set in Err are returned by every call.
type Tickets struct {
	Info_          support.ServerInfo
	Tickets        []*support.Ticket
	Establishments []support.Establishment
	Files          map[int64][]byte
	Err            error

	Created   []support.TicketInput
	CreateOps []support.CreateOptions
	Filters   []support.TicketFilter
	Users     []support.UserInput
	Changes   []Change     // workflow calls, in order
	Role      support.Role // the role Me answers; "" is admin
	// User, when set, is what Me answers (Role is then ignored), and what
	// UpdateMe changes.
	User *support.User
	// ContactUpdates are the UpdateMe calls, in order.
	ContactUpdates []support.ContactUpdate
	PageSize       int // 0: pages as large as asked
}

var (
	_ support.TicketService = (*Tickets)(nil)
	_ support.AdminService  = (*Tickets)(nil)
)

// NewTickets returns a fake with the default limits and one establishment.
func NewTickets() *Tickets {
	return &Tickets{
		Info_:          support.ServerInfo{Prefix: "CG42N1", Limits: support.DefaultLimits()},
		Establishments: []support.Establishment{{UAI: "0421234N", Name: "Collège du Pilat", City: "Bourg-Argental"}},
		Files:          map[int64][]byte{},
	}
}

func (f *Tickets) Info(ctx context.Context) (*support.ServerInfo, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	i := f.Info_
	return &i, nil
}

func (f *Tickets) CreateTicket(ctx context.Context, in support.TicketInput, opts support.CreateOptions) (*support.Ticket, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	f.Created = append(f.Created, in)
	f.CreateOps = append(f.CreateOps, opts)
	t := &support.Ticket{TicketSummary: support.TicketSummary{
		Number: support.Number{Prefix: "CG42N1", Seq: int64(len(f.Tickets) + 1)}, TicketInput: in,
		Status: support.StatusNew, CreatedAt: Clock, UpdatedAt: Clock}}
	for i, u := range opts.Attachments {
		rc, err := u.Open()
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		id := int64(len(f.Files) + i + 1)
		f.Files[id] = b
		t.Attachments = append(t.Attachments, support.Attachment{ID: id, Name: u.Name, Size: int64(len(b))})
	}
	f.Tickets = append(f.Tickets, t)
	return t, nil
}

func (f *Tickets) ListTickets(ctx context.Context, flt support.TicketFilter) (*support.TicketPage, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	f.Filters = append(f.Filters, flt)
	start := 0
	if flt.Cursor != "" {
		fmt.Sscan(flt.Cursor, &start)
	}
	n := flt.Limit
	if f.PageSize > 0 && f.PageSize < n {
		n = f.PageSize
	}
	page := &support.TicketPage{Tickets: []support.TicketSummary{}}
	for i := start; i < len(f.Tickets) && len(page.Tickets) < n; i++ {
		page.Tickets = append(page.Tickets, f.Tickets[i].TicketSummary)
		if i+1 < len(f.Tickets) && len(page.Tickets) == n {
			page.NextCursor = fmt.Sprint(i + 1)
		}
	}
	return page, nil
}

func (f *Tickets) GetTicket(ctx context.Context, n support.Number) (*support.Ticket, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	for _, t := range f.Tickets {
		if t.Number.Seq == n.Seq && (n.Prefix == "" || n.Prefix == t.Number.Prefix) {
			return t, nil
		}
	}
	return nil, support.Errorf(support.ENOTFOUND, "error.ticket_not_found", map[string]string{"number": n.String()})
}

func (f *Tickets) OpenAttachment(ctx context.Context, n support.Number, id int64) (*support.Attachment, io.ReadCloser, error) {
	t, err := f.GetTicket(ctx, n)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range t.Attachments {
		if a.ID == id {
			return &a, io.NopCloser(bytes.NewReader(f.Files[id])), nil
		}
	}
	return nil, nil, support.Errorf(support.ENOTFOUND, "error.attachment_not_found", nil)
}

func (f *Tickets) Me(ctx context.Context) (*support.User, error) {
	if f.User != nil {
		u := *f.User
		return &u, f.Err
	}
	role := support.RoleAdmin
	if f.Role != "" {
		role = f.Role
	}
	return &support.User{ID: 1, Name: "Administrateur", Role: role}, f.Err
}

func (f *Tickets) SearchEstablishments(ctx context.Context, q string, limit int) ([]support.Establishment, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	var out []support.Establishment
	for _, e := range f.Establishments {
		if strings.HasPrefix(e.UAI, strings.ToUpper(q)) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *Tickets) CreateUser(ctx context.Context, in support.UserInput) (*support.User, string, error) {
	if f.Err != nil {
		return nil, "", f.Err
	}
	f.Users = append(f.Users, in)
	return &support.User{ID: int64(len(f.Users) + 1), Name: in.Name, Email: in.Email, Role: in.Role}, "ents_faketoken", nil
}

// ListUsers answers the users created through the fake, as users.
func (f *Tickets) ListUsers(ctx context.Context, uf support.UserFilter) ([]support.User, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	out := []support.User{}
	for i, in := range f.Users {
		if uf.Role == "" || uf.Role == in.Role {
			out = append(out, support.User{ID: int64(i + 2), Name: in.Name, Email: in.Email, Role: in.Role})
		}
	}
	return out, nil
}

// SetUserDisabled records the call as a Change ("disable"/"enable").
func (f *Tickets) SetUserDisabled(ctx context.Context, ref string, disabled bool) (*support.User, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	verb := "enable"
	if disabled {
		verb = "disable"
	}
	f.Changes = append(f.Changes, Change{Action: verb, Value: ref})
	return &support.User{ID: 2, Email: ref, Disabled: disabled}, nil
}

// RotateToken records the call as a Change ("token").
func (f *Tickets) RotateToken(ctx context.Context, ref string, opts support.TokenOptions) (*support.User, string, error) {
	if f.Err != nil {
		return nil, "", f.Err
	}
	f.Changes = append(f.Changes, Change{Action: "token", Value: ref})
	return &support.User{ID: 2, Email: ref, TokenExpiresAt: opts.ExpiresAt}, "ents_rotatedtoken", nil
}

// UpdateUser records the call as a Change ("update", the ref and the
// e-mail and phone given, space-separated).
func (f *Tickets) UpdateUser(ctx context.Context, ref string, c support.ContactUpdate) (*support.User, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	f.Changes = append(f.Changes, Change{Action: "update", Value: ref + " " + c.Email + " " + c.Phone})
	return &support.User{ID: 2, Name: "Carla Corr", Email: c.Email, Phone: c.Phone}, nil
}

// Audit answers no entries.
func (f *Tickets) Audit(ctx context.Context, af support.AuditFilter) ([]support.AuditEntry, error) {
	return []support.AuditEntry{}, f.Err
}

func (f *Tickets) AddEstablishment(ctx context.Context, e support.Establishment) (*support.Establishment, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	f.Establishments = append(f.Establishments, e)
	return &e, nil
}

func (f *Tickets) ImportEstablishments(ctx context.Context, r io.Reader) (*support.ImportReport, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	io.Copy(io.Discard, r)
	return &support.ImportReport{Added: 1, Refused: 1, Lines: []support.ImportLine{
		{Line: 2, UAI: "0421234N", Result: "added"},
		{Line: 3, UAI: "0421234X", Result: "refused", Error: &support.FieldError{Field: "uai", Rule: support.RuleUAIKey, Params: map[string]string{"expected": "0421234N"}}},
	}}, nil
}

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
