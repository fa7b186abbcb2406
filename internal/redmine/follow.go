package redmine

import (
	"context"

	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/support"
)

// Follow polls the issue, since Redmine pushes nothing: one read of the
// issue with its journals per interval (helpdesk.Poller: jittered,
// Retry-After honoured, an unreachable server waited for), each journal's
// events given once, in order, after afterID.
func (c *Client) Follow(ctx context.Context, n support.Number, afterID int64, fn func(support.Event) error) error {
	p := helpdesk.Poller{Interval: c.cfg.PollInterval, Events: c.events}
	return p.Follow(ctx, n, afterID, fn)
}

// events reads the issue's story as events.
func (c *Client) events(ctx context.Context, n support.Number, _ int64) ([]support.Event, error) {
	cat, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	is, err := c.getIssue(ctx, cat, n, "journals")
	if err != nil {
		return nil, err
	}
	return c.story(cat, is), nil
}
