package rt

import (
	"context"

	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/support"
)

// Follow polls the ticket's history (RT pushes nothing): one request per
// poll, three more (the ticket, its texts, its files) only when the
// history grew.
func (c *Client) Follow(ctx context.Context, n support.Number, afterID int64, fn func(support.Event) error) error {
	_, id, err := c.ticketPath(n)
	if err != nil {
		return err
	}
	var known []rtTransaction
	p := &helpdesk.Poller{Interval: c.poll,
		Events: func(ctx context.Context, _ support.Number, last int64) ([]support.Event, error) {
			txns, err := c.history(ctx, id)
			if err != nil {
				return nil, err
			}
			if len(txns) == len(known) {
				return nil, nil // nothing new: no further request
			}
			known = txns
			_, events, err := c.load(ctx, n, txns)
			return events, err
		}}
	return p.Follow(ctx, n, afterID, fn)
}
