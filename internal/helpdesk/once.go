package helpdesk

import (
	"context"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// Once files a ticket exactly once on a back end without idempotency keys.
// Before any send of key that may have happened already (the journal
// knows; a retry always may), find looks for a ticket carrying the key's
// marker; if there is one, it is the answer (replayed). Otherwise the key
// is recorded and create sends the ticket. A transient failure
// (EUNAVAILABLE: the answer may have been lost) is retried up to
// OnceTries times, each after a search. create must not retry by itself.
type Once struct {
	Journal *Journal
	Find    func(ctx context.Context, marker string) (id int64, found bool, err error)
	Create  func(ctx context.Context) (id int64, err error)
	// Wait is the pause before a retry (default 500 ms, doubling).
	Wait  time.Duration
	Sleep func(ctx context.Context, d time.Duration) error
}

// OnceTries bounds the attempts of one Once.Do.
const OnceTries = 3

// Do returns the ticket's id, and whether it was found rather than made.
func (o *Once) Do(ctx context.Context, key string) (id int64, replayed bool, err error) {
	wait := o.Wait
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	maybeSent := o.Journal.Sent(key)
	for try := 1; ; try++ {
		if maybeSent {
			id, found, err := o.Find(ctx, Marker(key))
			if err != nil {
				if try < OnceTries && transient(err) {
					if err := o.pause(ctx, wait<<(try-1)); err != nil {
						return 0, false, err
					}
					continue
				}
				return 0, false, err
			}
			if found {
				return id, true, nil
			}
		}
		if err := o.Journal.Mark(key); err != nil {
			return 0, false, err
		}
		maybeSent = true
		id, err := o.Create(ctx)
		if err == nil {
			return id, false, nil
		}
		if try >= OnceTries || !transient(err) || ctx.Err() != nil {
			return 0, false, err
		}
		if err := o.pause(ctx, wait<<(try-1)); err != nil {
			return 0, false, err
		}
	}
}

func (o *Once) pause(ctx context.Context, d time.Duration) error {
	p := Poller{Sleep: o.Sleep}
	return p.sleep(ctx, jitter(d))
}

// Unreachable is the error of a request that got no answer, or a 502,
// 503 or 504: the back end may or may not have acted.
func Unreachable(server string, retryAfter int) error {
	e := support.Errorf(support.EUNAVAILABLE, "error.unreachable", map[string]string{"server": server})
	e.RetryAfter = retryAfter
	return e
}
