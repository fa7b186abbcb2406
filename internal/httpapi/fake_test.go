package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// fake is an in-memory service for the handler and client tests: enough
// behaviour to round-trip every method, and hooks to make any call fail.
type fake struct {
	mu       sync.Mutex
	tickets  map[int64]*support.Ticket
	files    map[int64][]byte // attachment ID -> content
	byKey    map[string]int64 // idempotency key -> seq
	users    map[string]*support.User
	lastOpts support.CreateOptions
	received map[string][]byte // upload name -> content, read during CreateTicket
	csv      string
	calls    map[string]int
	// fail, when set for a method name, answers that error; failN counts
	// down so that a call can fail a few times and then succeed.
	fail  map[string]error
	failN map[string]int
	// block, when set for a method name, is waited on.
	block map[string]chan struct{}
	// hashOnly keeps the SHA-256 of uploads instead of their content, so
	// that a test can measure the client's memory without the fake's.
	hashOnly bool
	hashes   map[string]string
	opened   int // how many times an upload was opened by the fake
}

var (
	_ support.TicketService = (*fake)(nil)
	_ support.AdminService  = (*fake)(nil)
	_ support.Authenticator = (*fake)(nil)
)

var (
	reporterUser = &support.User{ID: 7, Name: "Anne Martin", Email: "anne.martin@ac-lyon.fr", Phone: "+33639981234",
		Role: support.RoleReporter, Establishments: []support.Membership{{UAI: "0420001Y", Function: support.ChefEtablissement}},
		CreatedAt: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	adminUser = &support.User{ID: 1, Name: "Root Admin", Email: "admin@example.fr", Role: support.RoleAdmin,
		Establishments: []support.Membership{}, CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
)

const (
	reporterToken = "ents_reporter-secret-token"
	adminToken    = "ents_admin-secret-token"
)

func newFake() *fake {
	return &fake{
		tickets: map[int64]*support.Ticket{}, files: map[int64][]byte{}, byKey: map[string]int64{},
		users:    map[string]*support.User{reporterToken: reporterUser, adminToken: adminUser},
		received: map[string][]byte{}, hashes: map[string]string{}, calls: map[string]int{},
		fail: map[string]error{}, failN: map[string]int{}, block: map[string]chan struct{}{},
	}
}

// enter counts a call and returns its injected failure, if any.
func (f *fake) enter(method string) error {
	f.mu.Lock()
	f.calls[method]++
	ch := f.block[method]
	err := f.fail[method]
	if err != nil {
		if n, ok := f.failN[method]; ok {
			if n <= 1 {
				delete(f.fail, method)
				delete(f.failN, method)
			} else {
				f.failN[method] = n - 1
			}
		}
	}
	f.mu.Unlock()
	if ch != nil {
		<-ch
	}
	return err
}

func (f *fake) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func (f *fake) Authenticate(ctx context.Context, token string) (*support.User, error) {
	if err := f.enter("Authenticate"); err != nil {
		return nil, err
	}
	if u, ok := f.users[token]; ok {
		return u, nil
	}
	return nil, support.Errorf(support.EUNAUTHENTICATED, "error.bad_token", nil)
}

func (f *fake) Info(ctx context.Context) (*support.ServerInfo, error) {
	if err := f.enter("Info"); err != nil {
		return nil, err
	}
	return &support.ServerInfo{Prefix: "CG42N1", Limits: support.DefaultLimits(), OpenDirectory: true, Version: "test"}, nil
}

func (f *fake) CreateTicket(ctx context.Context, in support.TicketInput, opts support.CreateOptions) (*support.Ticket, error) {
	if err := f.enter("CreateTicket"); err != nil {
		return nil, err
	}
	if support.UserFrom(ctx) == nil {
		return nil, support.Errorf(support.EUNAUTHENTICATED, "error.no_token", nil)
	}
	in, errs := in.Normalize()
	if len(errs) > 0 {
		return nil, support.InvalidFields(errs)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastOpts = opts
	if seq, ok := f.byKey[opts.IdempotencyKey]; ok && opts.IdempotencyKey != "" {
		return f.tickets[seq], nil
	}
	seq := int64(len(f.tickets) + 1)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	t := &support.Ticket{TicketSummary: support.TicketSummary{Number: support.Number{Prefix: "CG42N1", Seq: seq},
		TicketInput: in, Status: support.StatusNew, CreatedAt: now, UpdatedAt: now, CreatedBy: support.UserFrom(ctx).ID},
		Attachments: []support.Attachment{}, History: []support.HistoryEntry{{At: now, Actor: "Anne Martin", To: support.StatusNew}},
		Comments: []support.Comment{}}
	for _, u := range opts.Attachments {
		rc, err := u.Open()
		if err != nil {
			return nil, err
		}
		if f.hashOnly {
			h := sha256.New()
			n, err := io.Copy(h, rc)
			rc.Close()
			if err != nil {
				return nil, err
			}
			f.hashes[u.Name] = hex.EncodeToString(h.Sum(nil))
			t.Attachments = append(t.Attachments, support.Attachment{ID: int64(len(t.Attachments) + 1), Name: u.Name, Size: n})
			continue
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		f.received[u.Name] = b
		id := int64(len(f.files) + 1)
		f.files[id] = b
		sum := sha256.Sum256(b)
		t.Attachments = append(t.Attachments, support.Attachment{ID: id, Name: u.Name, ContentType: "text/plain; charset=utf-8",
			Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:]), CreatedAt: now})
	}
	t.AttachmentCount = len(t.Attachments)
	f.tickets[seq] = t
	if opts.IdempotencyKey != "" {
		f.byKey[opts.IdempotencyKey] = seq
	}
	return t, nil
}

// AddComment checks the body, reads the files like CreateTicket (into
// received) and appends the comment to the ticket.
func (f *fake) AddComment(ctx context.Context, n support.Number, body string, files []support.Upload) (*support.Comment, error) {
	if err := f.enter("AddComment"); err != nil {
		return nil, err
	}
	u := support.UserFrom(ctx)
	if u == nil {
		return nil, support.Errorf(support.EUNAUTHENTICATED, "error.no_token", nil)
	}
	body, fe := support.ParseCommentBody(body, len(files) > 0)
	if fe != nil {
		return nil, support.InvalidFields([]support.FieldError{*fe})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tickets[n.Seq]
	if !ok {
		return nil, support.Errorf(support.ENOTFOUND, "error.ticket_not_found", map[string]string{"number": n.String()})
	}
	now := time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC)
	c := support.Comment{ID: int64(len(t.Comments) + 1), Author: u.Name + " <" + u.Email + ">", Role: u.Role, Body: body, CreatedAt: now}
	for _, up := range files {
		rc, err := up.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		f.received[up.Name] = b
		id := int64(len(f.files) + 1)
		f.files[id] = b
		sum := sha256.Sum256(b)
		c.Attachments = append(c.Attachments, support.Attachment{ID: id, Name: up.Name, ContentType: "text/plain; charset=utf-8",
			Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:]), CommentID: c.ID, CreatedAt: now})
	}
	t.Comments = append(t.Comments, c)
	t.Attachments = append(t.Attachments, c.Attachments...)
	return &c, nil
}

func (f *fake) ListTickets(ctx context.Context, flt support.TicketFilter) (*support.TicketPage, error) {
	if err := f.enter("ListTickets"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	page := &support.TicketPage{Tickets: []support.TicketSummary{}}
	for seq := int64(1); seq <= int64(len(f.tickets)); seq++ {
		t := f.tickets[seq]
		if len(flt.Status) > 0 && flt.Status[0] != t.Status {
			continue
		}
		page.Tickets = append(page.Tickets, t.TicketSummary)
	}
	if flt.Limit == 1 && len(page.Tickets) > 1 {
		page.Tickets, page.NextCursor = page.Tickets[:1], "next"
	}
	return page, nil
}

func (f *fake) GetTicket(ctx context.Context, n support.Number) (*support.Ticket, error) {
	if err := f.enter("GetTicket"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tickets[n.Seq]
	if !ok || (n.Prefix != "" && n.Prefix != "CG42N1") {
		return nil, support.Errorf(support.ENOTFOUND, "error.ticket_not_found", map[string]string{"number": n.String()})
	}
	return t, nil
}

func (f *fake) OpenAttachment(ctx context.Context, n support.Number, id int64) (*support.Attachment, io.ReadCloser, error) {
	t, err := f.GetTicket(ctx, n)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range t.Attachments {
		if a.ID == id {
			f.mu.Lock()
			b := f.files[id]
			f.mu.Unlock()
			a := a
			return &a, io.NopCloser(bytes.NewReader(b)), nil
		}
	}
	return nil, nil, support.Errorf(support.ENOTFOUND, "error.attachment_not_found", nil)
}

func (f *fake) Me(ctx context.Context) (*support.User, error) {
	if err := f.enter("Me"); err != nil {
		return nil, err
	}
	return support.UserFrom(ctx), nil
}

var directory = []support.Establishment{
	{UAI: "0420001Y", Name: "Collège du Pilat", City: "Saint-Genest-Malifaux", Department: "42", Territory: "Loire"},
	{UAI: "0420002Z", Name: "Lycée Jean Monnet", City: "Saint-Étienne", Department: "42"},
}

func (f *fake) SearchEstablishments(ctx context.Context, q string, limit int) ([]support.Establishment, error) {
	if err := f.enter("SearchEstablishments"); err != nil {
		return nil, err
	}
	var out []support.Establishment
	for _, e := range directory {
		if strings.Contains(strings.ToLower(e.Name), strings.ToLower(q)) && (limit == 0 || len(out) < limit) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fake) CreateUser(ctx context.Context, in support.UserInput) (*support.User, string, error) {
	if err := f.enter("CreateUser"); err != nil {
		return nil, "", err
	}
	if _, ok := support.ParseRole(string(in.Role)); !ok {
		return nil, "", support.InvalidFields([]support.FieldError{{Field: "role", Rule: support.RuleRole}})
	}
	u := &support.User{ID: 42, Name: in.Name, Email: in.Email, Phone: in.Phone, Role: in.Role,
		Establishments: []support.Membership{}, CreatedAt: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	for _, uai := range in.UAIs {
		u.Establishments = append(u.Establishments, support.Membership{UAI: uai, Function: in.Function})
	}
	return u, "ents_new-token", nil
}

func (f *fake) AddEstablishment(ctx context.Context, e support.Establishment) (*support.Establishment, error) {
	if err := f.enter("AddEstablishment"); err != nil {
		return nil, err
	}
	if _, fe := support.ParseUAI(e.UAI); fe != nil {
		fe.Field = "uai"
		return nil, support.InvalidFields([]support.FieldError{*fe})
	}
	return &e, nil
}

func (f *fake) ImportEstablishments(ctx context.Context, csv io.Reader) (*support.ImportReport, error) {
	if err := f.enter("ImportEstablishments"); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(csv)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.csv = string(b)
	f.mu.Unlock()
	rep := &support.ImportReport{Lines: []support.ImportLine{}}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		uai := strings.SplitN(line, ";", 2)[0]
		if _, fe := support.ParseUAI(uai); fe != nil {
			rep.Refused++
			rep.Lines = append(rep.Lines, support.ImportLine{Line: i + 2, UAI: uai, Result: "refused", Error: fe})
			continue
		}
		rep.Added++
		rep.Lines = append(rep.Lines, support.ImportLine{Line: i + 2, UAI: uai, Result: "added"})
	}
	return rep, nil
}

func (f *fake) ListUsers(ctx context.Context, uf support.UserFilter) ([]support.User, error) {
	if err := f.enter("ListUsers"); err != nil {
		return nil, err
	}
	return []support.User{{ID: 42, Name: "Marie Curie", Email: "m.curie@example.fr", Role: support.RoleReporter,
		Establishments: []support.Membership{{UAI: "0421234N", Function: support.ChefEtablissement}}}}, nil
}

func (f *fake) SetUserDisabled(ctx context.Context, ref string, disabled bool) (*support.User, error) {
	if err := f.enter("SetUserDisabled"); err != nil {
		return nil, err
	}
	return &support.User{ID: 42, Email: ref, Role: support.RoleReporter, Disabled: disabled, Establishments: []support.Membership{}}, nil
}

func (f *fake) RotateToken(ctx context.Context, ref string, opts support.TokenOptions) (*support.User, string, error) {
	if err := f.enter("RotateToken"); err != nil {
		return nil, "", err
	}
	return &support.User{ID: 42, Email: ref, Role: support.RoleReporter, TokenExpiresAt: opts.ExpiresAt,
		Establishments: []support.Membership{}}, "ents_rotated", nil
}

func (f *fake) UpdateUser(ctx context.Context, ref string, c support.ContactUpdate) (*support.User, error) {
	if err := f.enter("UpdateUser"); err != nil {
		return nil, err
	}
	// The name tells the test which ref the server was given.
	return &support.User{ID: 42, Name: "ref " + ref, Email: c.Email, Phone: c.Phone, Role: support.RoleReporter,
		Establishments: []support.Membership{}}, nil
}

func (f *fake) Audit(ctx context.Context, af support.AuditFilter) ([]support.AuditEntry, error) {
	if err := f.enter("Audit"); err != nil {
		return nil, err
	}
	return []support.AuditEntry{{ID: 1, Action: support.AuditDenied, Target: "GET /api/v1/audit"}}, nil
}
