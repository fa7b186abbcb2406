package service

import (
	"context"

	"github.com/ent-support/ent-support/internal/support"
)

// UpdateMe changes the caller's own phone number and e-mail, each checked
// with the ticket's rules: what a reporter typed in the form becomes their
// profile. Nothing else of a profile changes here (name, role and
// establishments are an admin's to set). An empty update changes nothing
// and returns the caller.
func (s *Service) UpdateMe(ctx context.Context, c support.ContactUpdate) (*support.User, error) {
	u, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	c, errs := c.Normalize()
	if len(errs) > 0 {
		return nil, support.InvalidFields(errs)
	}
	if c == (support.ContactUpdate{}) {
		return u, nil
	}
	return s.store.UpdateUserContact(ctx, u.ID, c)
}

// UpdateMe changes this session's own phone and e-mail; the session acts
// as the user now stored from then on.
func (b *Session) UpdateMe(ctx context.Context, c support.ContactUpdate) (*support.User, error) {
	u, err := b.s.UpdateMe(b.ctx(ctx), c)
	if err == nil {
		b.u = u
	}
	return u, err
}
