package cmdtest

import (
	"context"

	"github.com/ent-support/ent-support/internal/support"
)

// UpdateMe records the update and applies it to User (checked with the
// service's rules).
func (f *Tickets) UpdateMe(ctx context.Context, c support.ContactUpdate) (*support.User, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	f.ContactUpdates = append(f.ContactUpdates, c)
	c, errs := c.Normalize()
	if len(errs) > 0 {
		return nil, support.InvalidFields(errs)
	}
	if f.User == nil {
		f.User = &support.User{ID: 1, Name: "Administrateur", Role: support.RoleAdmin}
	}
	if c.Phone != "" {
		f.User.Phone = c.Phone
	}
	if c.Email != "" {
		f.User.Email = c.Email
	}
	u := *f.User
	return &u, nil
}
