// Package supportfake is the one in-memory fake of the services, for the
// tests of what sits on top of them: the commands (through cmdtest), the
// HTTP handlers and client, the outbox. It implements every small
// interface of support (InfoService, Tickets, Identity, ContactEditor,
// Directory), WorkflowService, AdminService and Authenticator, records
// what it was asked, and lets a test make any call fail or wait. It has
// no rule of its own beyond checking input as support does: the rules are
// the service's, tested there. Only tests import it.
package supportfake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// Clock is the fixed time of the fake: a Monday morning.
var Clock = time.Date(2026, 11, 30, 8, 30, 0, 0, time.UTC)

// Service is an in-memory TicketService, WorkflowService, AdminService and
// Authenticator. Its fields may be set before the test and read after it;
// while calls may run concurrently (behind an HTTP server), read them
// after the calls ended, or through Count.
type Service struct {
	Info_          support.ServerInfo
	Tickets        []*support.Ticket
	Establishments []support.Establishment
	Files          map[int64][]byte // attachment ID -> content
	// Err, when set, is returned by every call; Fail by the calls of one
	// method (by name, "CreateTicket"), FailN times when FailN names it,
	// else always.
	Err   error
	Fail  map[string]error
	FailN map[string]int
	// FailOn gives, by method, the outcome of each call in turn: the n-th
	// call fails with FailOn[method][n-1] unless it is nil.
	FailOn map[string][]error
	// Block, when set for a method name, is waited on before the call runs.
	Block map[string]chan struct{}
	// Tokens are the users Authenticate knows.
	Tokens map[string]*support.User

	Created   []support.TicketInput
	CreateOps []support.CreateOptions
	Filters   []support.TicketFilter
	Users     []support.UserInput
	Changes   []Change     // workflow and account calls, in order
	Role      support.Role // the role Me answers; "" is admin
	// User, when set, is what Me answers (Role is then ignored), and what
	// UpdateMe changes. Left nil, Me answers the user of the request's
	// context (the one Authenticate gave) if any.
	User *support.User
	// ContactUpdates are the UpdateMe calls, in order.
	ContactUpdates []support.ContactUpdate
	PageSize       int // 0: pages as large as asked
	// Received are the uploads' contents by name, as read during the call;
	// with HashOnly only their SHA-256 is kept, in Hashes, so that a test
	// can measure its caller's memory without the fake's.
	Received map[string][]byte
	HashOnly bool
	Hashes   map[string]string
	// CSV is the last establishment import's content.
	CSV string
	// CheckInput makes CreateTicket check the ticket as the service does
	// (EINVALID with the fields) and file it normalized, for the tests of
	// what carries the service's refusals (the HTTP layer); left false,
	// the ticket is filed as given.
	CheckInput bool

	mu    sync.Mutex
	calls map[string]int
	byKey map[string]*support.Ticket // idempotency key -> ticket
}

var (
	_ support.TicketService   = (*Service)(nil)
	_ support.WorkflowService = (*Service)(nil)
	_ support.AdminService    = (*Service)(nil)
	_ support.Authenticator   = (*Service)(nil)
)

// Change is a workflow or account call the fake received.
type Change struct {
	Action, Value, Message string
	By                     int64 // the caller's ID, when the context has one (behind a server)
}

// New returns a fake with the default limits and one establishment.
func New() *Service {
	return &Service{
		Info_:          support.ServerInfo{Prefix: "CG42N1", Limits: support.DefaultLimits()},
		Establishments: []support.Establishment{{UAI: "0421234N", Name: "Collège du Pilat", City: "Bourg-Argental"}},
		Files:          map[int64][]byte{},
		Fail:           map[string]error{}, FailN: map[string]int{}, FailOn: map[string][]error{},
		Block: map[string]chan struct{}{}, Received: map[string][]byte{}, Hashes: map[string]string{},
	}
}

// enter counts a call, waits on its Block, and returns its failure, if
// any. It is called without f.mu held.
func (f *Service) enter(method string) error {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[method]++
	ch := f.Block[method]
	err := f.Fail[method]
	if on, n := f.FailOn[method], f.calls[method]; err == nil && n <= len(on) {
		err = on[n-1]
	}
	if err != nil {
		if n, ok := f.FailN[method]; ok {
			if n <= 1 {
				delete(f.Fail, method)
				delete(f.FailN, method)
			} else {
				f.FailN[method] = n - 1
			}
		}
	}
	if err == nil {
		err = f.Err
	}
	f.mu.Unlock()
	if ch != nil {
		<-ch
	}
	return err
}

// Count is how many times method was called.
func (f *Service) Count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// Authenticate answers the user of a token in Tokens.
func (f *Service) Authenticate(ctx context.Context, token string) (*support.User, error) {
	if err := f.enter("Authenticate"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, ok := f.Tokens[token]; ok {
		return u, nil
	}
	return nil, support.Errorf(support.EUNAUTHENTICATED, "error.bad_token", nil)
}

func (f *Service) Info(ctx context.Context) (*support.ServerInfo, error) {
	if err := f.enter("Info"); err != nil {
		return nil, err
	}
	i := f.Info_
	return &i, nil
}

// read reads an upload, keeping its content (or hash) in Received
// (Hashes); f.mu is held.
func (f *Service) read(u support.Upload) ([]byte, int64, error) {
	rc, err := u.Open()
	if err != nil {
		return nil, 0, err
	}
	defer rc.Close()
	if f.HashOnly {
		h := sha256.New()
		n, err := io.Copy(h, rc)
		if f.Hashes == nil {
			f.Hashes = map[string]string{}
		}
		f.Hashes[u.Name] = hex.EncodeToString(h.Sum(nil))
		return nil, n, err
	}
	b, err := io.ReadAll(rc)
	if f.Received == nil {
		f.Received = map[string][]byte{}
	}
	f.Received[u.Name] = b
	return b, int64(len(b)), err
}

// attach keeps b as the next file and describes it; f.mu is held.
func (f *Service) attach(name string, b []byte, size int64, commentID int64) support.Attachment {
	id := int64(len(f.Files) + 1)
	f.Files[id] = b
	a := support.Attachment{ID: id, Name: name, Size: size, CommentID: commentID, CreatedAt: Clock}
	if !f.HashOnly {
		sum := sha256.Sum256(b)
		a.ContentType, a.SHA256 = http.DetectContentType(b), hex.EncodeToString(sum[:])
	}
	return a
}

// CreateTicket records the input in Created and files it (see
// CheckInput), once per idempotency key.
func (f *Service) CreateTicket(ctx context.Context, in support.TicketInput, opts support.CreateOptions) (*support.Ticket, error) {
	if err := f.enter("CreateTicket"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Created = append(f.Created, in)
	f.CreateOps = append(f.CreateOps, opts)
	if t := f.byKey[opts.IdempotencyKey]; t != nil && opts.IdempotencyKey != "" {
		return t, nil
	}
	filed := in
	if f.CheckInput {
		norm, errs := in.Normalize()
		if len(errs) > 0 {
			return nil, support.InvalidFields(errs)
		}
		filed = norm
	}
	t := &support.Ticket{TicketSummary: support.TicketSummary{
		Number: support.Number{Prefix: "CG42N1", Seq: int64(len(f.Tickets) + 1)}, TicketInput: filed,
		Status: support.StatusNew, CreatedAt: Clock, UpdatedAt: Clock},
		Attachments: []support.Attachment{}, Comments: []support.Comment{}}
	actor := "Administrateur"
	if u := support.UserFrom(ctx); u != nil {
		t.CreatedBy, actor = u.ID, u.Name
	}
	t.History = []support.HistoryEntry{{At: Clock, Actor: actor, To: support.StatusNew}}
	for _, u := range opts.Attachments {
		b, n, err := f.read(u)
		if err != nil {
			return nil, err
		}
		t.Attachments = append(t.Attachments, f.attach(u.Name, b, n, 0))
	}
	t.AttachmentCount = len(t.Attachments)
	f.Tickets = append(f.Tickets, t)
	if opts.IdempotencyKey != "" {
		if f.byKey == nil {
			f.byKey = map[string]*support.Ticket{}
		}
		f.byKey[opts.IdempotencyKey] = t
	}
	return t, nil
}

// Filed is the ticket filed with an idempotency key, or nil.
func (f *Service) Filed(key string) *support.Ticket {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byKey[key]
}

// ListTickets pages through Tickets in order (the cursor is an index),
// keeping those of the filter's first status when it gives one.
func (f *Service) ListTickets(ctx context.Context, flt support.TicketFilter) (*support.TicketPage, error) {
	if err := f.enter("ListTickets"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Filters = append(f.Filters, flt)
	start := 0
	if flt.Cursor != "" {
		fmt.Sscan(flt.Cursor, &start)
	}
	n := flt.Limit
	if n == 0 {
		n = support.DefaultListLimit
	}
	if f.PageSize > 0 && f.PageSize < n {
		n = f.PageSize
	}
	page := &support.TicketPage{Tickets: []support.TicketSummary{}}
	for i := start; i < len(f.Tickets); i++ {
		if len(flt.Status) > 0 && flt.Status[0] != f.Tickets[i].Status {
			continue
		}
		if len(page.Tickets) == n {
			page.NextCursor = fmt.Sprint(i)
			break
		}
		page.Tickets = append(page.Tickets, f.Tickets[i].TicketSummary)
	}
	return page, nil
}

func (f *Service) GetTicket(ctx context.Context, n support.Number) (*support.Ticket, error) {
	if err := f.enter("GetTicket"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.find(n)
}

// find is the ticket of n; f.mu is held.
func (f *Service) find(n support.Number) (*support.Ticket, error) {
	for _, t := range f.Tickets {
		if t.Number.Seq == n.Seq && (n.Prefix == "" || n.Prefix == t.Number.Prefix) {
			return t, nil
		}
	}
	return nil, support.Errorf(support.ENOTFOUND, "error.ticket_not_found", map[string]string{"number": n.String()})
}

func (f *Service) OpenAttachment(ctx context.Context, n support.Number, id int64) (*support.Attachment, io.ReadCloser, error) {
	if err := f.enter("OpenAttachment"); err != nil {
		return nil, nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.find(n)
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

// AddComment appends the comment to the ticket, by the user of ctx (the
// local admin without one), and its files to Files.
func (f *Service) AddComment(ctx context.Context, n support.Number, body string, files []support.Upload) (*support.Comment, error) {
	if err := f.enter("AddComment"); err != nil {
		return nil, err
	}
	body, fe := support.ParseCommentBody(body, len(files) > 0)
	if fe != nil {
		return nil, support.InvalidFields([]support.FieldError{*fe})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.find(n)
	if err != nil {
		return nil, err
	}
	c := support.Comment{ID: int64(len(t.Comments) + 1), Author: "Administrateur <admin@localhost>",
		Role: support.RoleAdmin, Body: body, CreatedAt: Clock}
	if u := support.UserFrom(ctx); u != nil {
		c.Author, c.Role = u.Name+" <"+u.Email+">", u.Role
	}
	for _, up := range files {
		b, size, err := f.read(up)
		if err != nil {
			return nil, err
		}
		a := f.attach(up.Name, b, size, c.ID)
		c.Attachments = append(c.Attachments, a)
		t.Attachments = append(t.Attachments, a)
	}
	t.Comments = append(t.Comments, c)
	return &c, nil
}

// Me answers User, else the user of ctx, else an admin of Role.
func (f *Service) Me(ctx context.Context) (*support.User, error) {
	if err := f.enter("Me"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.User != nil {
		u := *f.User
		return &u, nil
	}
	if u := support.UserFrom(ctx); u != nil {
		return u, nil
	}
	role := support.RoleAdmin
	if f.Role != "" {
		role = f.Role
	}
	return &support.User{ID: 1, Name: "Administrateur", Role: role}, nil
}

// UpdateMe records the update and applies it (checked with the service's
// rules) to User, created as an admin when nil; with a caller in ctx and
// no User, to a copy of the caller.
func (f *Service) UpdateMe(ctx context.Context, c support.ContactUpdate) (*support.User, error) {
	if err := f.enter("UpdateMe"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ContactUpdates = append(f.ContactUpdates, c)
	c, errs := c.Normalize()
	if len(errs) > 0 {
		return nil, support.InvalidFields(errs)
	}
	u := f.User
	if u == nil {
		if cu := support.UserFrom(ctx); cu != nil {
			// The caller of a request: changed in the answer only, so
			// that the fake's users stay as the test set them.
			cp := *cu
			u = &cp
		} else {
			f.User = &support.User{ID: 1, Name: "Administrateur", Role: support.RoleAdmin}
			u = f.User
		}
	}
	if c.Phone != "" {
		u.Phone = c.Phone
	}
	if c.Email != "" {
		u.Email = c.Email
	}
	cp := *u
	return &cp, nil
}

// SearchEstablishments answers the establishments whose UAI starts with q
// or whose name holds it, limit at most (0: all).
func (f *Service) SearchEstablishments(ctx context.Context, q string, limit int) ([]support.Establishment, error) {
	if err := f.enter("SearchEstablishments"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []support.Establishment
	for _, e := range f.Establishments {
		if (strings.HasPrefix(e.UAI, strings.ToUpper(q)) || strings.Contains(strings.ToLower(e.Name), strings.ToLower(q))) &&
			(limit == 0 || len(out) < limit) {
			out = append(out, e)
		}
	}
	return out, nil
}
