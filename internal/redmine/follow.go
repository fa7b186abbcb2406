package redmine

import (
	"context"
	"errors"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// Follow polls the issue, since Redmine pushes nothing: one read (the
// issue with its journals) every PollInterval, jittered ±20 % so that
// followers do not come back together; a server that is down or says
// Retry-After is waited for, never given up on. Each journal's events are
// given once, in order, after afterID.
func (c *Client) Follow(ctx context.Context, n support.Number, afterID int64, fn func(support.Event) error) error {
	cat, err := c.discover(ctx)
	if err != nil {
		return err
	}
	last := afterID
	for {
		wait := c.cfg.PollInterval
		is, err := c.getIssue(ctx, cat, n, "journals")
		switch code := support.ErrorCode(err); {
		case err == nil:
			_, _, events := c.story(cat, is)
			for _, e := range events {
				if e.ID <= last {
					continue
				}
				if err := fn(e); err != nil {
					return err
				}
				last = e.ID
			}
		case errors.Is(err, context.Canceled) || ctx.Err() != nil:
			return ctx.Err()
		case code == support.EUNAVAILABLE || code == support.ERATELIMITED:
			var se *support.Error
			if errors.As(err, &se) && se.RetryAfter > 0 {
				wait = max(wait, time.Duration(se.RetryAfter)*time.Second)
			}
		default:
			return err
		}
		select {
		case <-time.After(wait*4/5 + jitter(wait*2/5)):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
