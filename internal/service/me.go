package service

import (
	"context"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// UpdateMe changes the caller's own phone number and e-mail, each checked
// with the ticket's rules: what a reporter typed in the form becomes their
// profile. Nothing else of a profile changes here (name, role and
// establishments are an admin's to set). A reporter's e-mail is where
// support's mail about their tickets goes, so a reporter cannot change it
// here: otherwise a token could point an account's mail (subjects, signed
// links) at anyone's address; an admin changes it. An empty update changes
// nothing and returns the caller.
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
	if u.Role == support.RoleReporter && c.Email != "" {
		if !strings.EqualFold(c.Email, u.Email) {
			return nil, support.InvalidFields([]support.FieldError{{Field: "email", Rule: "email_locked"}})
		}
		c.Email = "" // the same address: kept as stored
		if c == (support.ContactUpdate{}) {
			return u, nil
		}
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
