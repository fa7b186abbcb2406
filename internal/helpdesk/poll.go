package helpdesk

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/ent-support/ent-support/internal/httpclient"
	"github.com/ent-support/ent-support/internal/support"
)

// Polling defaults: neither RT nor Redmine pushes changes, so `follow`
// asks. One read every 15 s (±20 %) is polite for a server that also
// serves agents, and quick enough for a person waiting on an answer.
const (
	DefaultPollInterval = 15 * time.Second
	MinPollInterval     = 500 * time.Millisecond
	// MaxPollWait caps the wait after failures and a Retry-After.
	MaxPollWait = 5 * time.Minute
)

// Poller follows a ticket by reading its events again and again: it
// implements support.Follower for back ends that cannot push.
type Poller struct {
	// Events returns the ticket's events, oldest first, with IDs that
	// increase along its story and are never reused (RT transaction ids,
	// Redmine journal ids). It may return events at or before afterID:
	// the poller drops them.
	Events func(ctx context.Context, n support.Number, afterID int64) ([]support.Event, error)
	// Interval between reads (DefaultPollInterval when 0); each wait is
	// jittered by ±20 % so that followers started together spread out.
	Interval time.Duration
	// Sleep waits d or until ctx is done (tests inject their own).
	Sleep func(ctx context.Context, d time.Duration) error
}

var _ support.Follower = (*Poller)(nil)

// Follow calls fn with each event after afterID, once each, in order.
// EUNAVAILABLE and ERATELIMITED are waited out (the server's Retry-After,
// else a backoff doubling from the interval); any other error ends it.
func (p *Poller) Follow(ctx context.Context, n support.Number, afterID int64, fn func(support.Event) error) error {
	last := afterID
	failures := 0
	for {
		events, err := p.Events(ctx, n, last)
		wait := p.interval()
		switch {
		case err == nil:
			failures = 0
			for _, e := range events {
				if e.ID <= last {
					continue
				}
				if err := fn(e); err != nil {
					return err
				}
				last = e.ID
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case transient(err):
			failures++
			wait = min(p.interval()<<min(failures, 8), MaxPollWait)
			if ra := support.AsError(err).RetryAfter; ra > 0 {
				wait = max(wait, min(time.Duration(ra)*time.Second, MaxPollWait))
			}
		default:
			return err
		}
		if err := p.sleep(ctx, jitter(wait)); err != nil {
			return err
		}
	}
}

func (p *Poller) interval() time.Duration {
	if p.Interval <= 0 {
		return DefaultPollInterval
	}
	return max(p.Interval, MinPollInterval)
}

func (p *Poller) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// transient reports the errors a follower waits out.
func transient(err error) bool {
	c := support.ErrorCode(err)
	return (c == support.EUNAVAILABLE || c == support.ERATELIMITED) && !httpclient.RedirectRefused(err)
}

// jitter spreads d by ±20 %.
func jitter(d time.Duration) time.Duration {
	return d*4/5 + time.Duration(rand.Int64N(int64(d*2/5)+1))
}
