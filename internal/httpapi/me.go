package httpapi

import (
	"context"
	"net/http"

	"github.com/ent-support/ent-support/internal/support"
)

// updateMe is PATCH /api/v1/me: the caller's own phone and e-mail. Any
// other key (role, establishments, name) is refused as an unknown field:
// the body cannot grant anything.
func (s *server) updateMe(w http.ResponseWriter, r *http.Request) {
	var in support.ContactUpdate
	if err := decodeJSONBody(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.cfg.Tickets.UpdateMe(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, http.StatusOK, u)
}

// UpdateMe changes the caller's own phone and e-mail. Setting the same
// values twice gives the same profile, so a retry after a lost answer is
// harmless and the client's usual retries apply.
func (c *Client) UpdateMe(ctx context.Context, in support.ContactUpdate) (*support.User, error) {
	var out support.User
	if err := c.call(ctx, http.MethodPatch, "/me", nil, nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
