package rt

import (
	"context"

	"github.com/ent-support/ent-support/internal/support"
)

// UpdateMe: an RT user's contact details are RT's; they are not changed
// from here. (Added when main's TicketService gained UpdateMe, so that the
// redmine branch builds; the RT back end's owner may replace it.)
func (c *Client) UpdateMe(context.Context, support.ContactUpdate) (*support.User, error) {
	return nil, support.Errorf(support.EFORBIDDEN, "backend.update_me", map[string]string{"server": c.base})
}
