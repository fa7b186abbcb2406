package service

import (
	"context"
	"io"

	"github.com/ent-support/ent-support/internal/support"
)

// Session is the service seen by one user: every call runs as that user.
// The embedded mode hands it to the commands in place of an HTTP client.
type Session struct {
	s *Service
	u *support.User
}

var (
	_ support.TicketService = (*Session)(nil)
	_ support.AdminService  = (*Session)(nil)
)

// As returns the service acting as u.
func (s *Service) As(u *support.User) *Session { return &Session{s: s, u: u} }

func (b *Session) ctx(ctx context.Context) context.Context { return support.WithUser(ctx, b.u) }

func (b *Session) Info(ctx context.Context) (*support.ServerInfo, error) { return b.s.Info(b.ctx(ctx)) }
func (b *Session) CreateTicket(ctx context.Context, in support.TicketInput, opts support.CreateOptions) (*support.Ticket, error) {
	return b.s.CreateTicket(b.ctx(ctx), in, opts)
}
func (b *Session) ListTickets(ctx context.Context, f support.TicketFilter) (*support.TicketPage, error) {
	return b.s.ListTickets(b.ctx(ctx), f)
}
func (b *Session) GetTicket(ctx context.Context, n support.Number) (*support.Ticket, error) {
	return b.s.GetTicket(b.ctx(ctx), n)
}
func (b *Session) AddComment(ctx context.Context, n support.Number, body string, files []support.Upload) (*support.Comment, error) {
	return b.s.AddComment(b.ctx(ctx), n, body, files)
}
func (b *Session) OpenAttachment(ctx context.Context, n support.Number, id int64) (*support.Attachment, io.ReadCloser, error) {
	return b.s.OpenAttachment(b.ctx(ctx), n, id)
}
func (b *Session) Me(ctx context.Context) (*support.User, error) { return b.s.Me(b.ctx(ctx)) }
func (b *Session) SearchEstablishments(ctx context.Context, q string, limit int) ([]support.Establishment, error) {
	return b.s.SearchEstablishments(b.ctx(ctx), q, limit)
}
func (b *Session) CreateUser(ctx context.Context, in support.UserInput) (*support.User, string, error) {
	return b.s.CreateUser(b.ctx(ctx), in)
}
func (b *Session) AddEstablishment(ctx context.Context, e support.Establishment) (*support.Establishment, error) {
	return b.s.AddEstablishment(b.ctx(ctx), e)
}
func (b *Session) ImportEstablishments(ctx context.Context, r io.Reader) (*support.ImportReport, error) {
	return b.s.ImportEstablishments(b.ctx(ctx), r)
}
func (b *Session) ListUsers(ctx context.Context, f support.UserFilter) ([]support.User, error) {
	return b.s.ListUsers(b.ctx(ctx), f)
}
func (b *Session) SetUserDisabled(ctx context.Context, ref string, disabled bool) (*support.User, error) {
	return b.s.SetUserDisabled(b.ctx(ctx), ref, disabled)
}
func (b *Session) RotateToken(ctx context.Context, ref string, opts support.TokenOptions) (*support.User, string, error) {
	return b.s.RotateToken(b.ctx(ctx), ref, opts)
}
func (b *Session) UpdateUser(ctx context.Context, ref string, c support.ContactUpdate) (*support.User, error) {
	return b.s.UpdateUser(b.ctx(ctx), ref, c)
}
func (b *Session) Audit(ctx context.Context, f support.AuditFilter) ([]support.AuditEntry, error) {
	return b.s.Audit(b.ctx(ctx), f)
}

var _ support.EventService = (*Session)(nil)

func (b *Session) Events(ctx context.Context, n support.Number, afterID int64, limit int) ([]support.Event, error) {
	return b.s.Events(b.ctx(ctx), n, afterID, limit)
}
func (b *Session) Follow(ctx context.Context, n support.Number, afterID int64, fn func(support.Event) error) error {
	return b.s.Follow(b.ctx(ctx), n, afterID, fn)
}
