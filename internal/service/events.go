package service

import (
	"context"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

var _ support.EventService = (*Service)(nil)

// hub wakes the followers of a ticket after a change to it committed. It
// carries no data: a follower woken re-reads the store after the last ID
// it sent, so a wake-up lost or merged with another misses nothing.
type hub struct {
	mu   sync.Mutex
	subs map[support.Number]map[chan struct{}]struct{}
	// all are woken by a change of any ticket (the mail notifier).
	all map[chan struct{}]struct{}
}

// subscribeAll returns a channel that receives after each change of any
// ticket, and the function that stops it.
func (h *hub) subscribeAll() (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	h.mu.Lock()
	if h.all == nil {
		h.all = map[chan struct{}]struct{}{}
	}
	h.all[c] = struct{}{}
	h.mu.Unlock()
	return c, func() {
		h.mu.Lock()
		delete(h.all, c)
		h.mu.Unlock()
	}
}

// SubscribeAll wakes the caller after each change committed through this
// service, whatever the ticket: what the mail notifier waits on. Like a
// follower's, a wake-up carries nothing; the caller re-reads the store.
func (s *Service) SubscribeAll() (<-chan struct{}, func()) { return s.hub.subscribeAll() }

// subscribe returns a channel that receives after each change of ticket n,
// and the function that stops it.
func (h *hub) subscribe(n support.Number) (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[support.Number]map[chan struct{}]struct{}{}
	}
	if h.subs[n] == nil {
		h.subs[n] = map[chan struct{}]struct{}{}
	}
	h.subs[n][c] = struct{}{}
	h.mu.Unlock()
	return c, func() {
		h.mu.Lock()
		delete(h.subs[n], c)
		if len(h.subs[n]) == 0 {
			delete(h.subs, n)
		}
		h.mu.Unlock()
	}
}

// notify wakes every follower of ticket n without ever blocking: a
// follower already due to wake up needs no second signal.
func (h *hub) notify(n support.Number) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.subs[n] {
		select {
		case c <- struct{}{}:
		default:
		}
	}
	for c := range h.all {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// notifyAll wakes every follower and the mail notifier: what a change
// feed does after it lost track (see Wake).
func (h *hub) notifyAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, subs := range h.subs {
		for c := range subs {
			select {
			case c <- struct{}{}:
			default:
			}
		}
	}
	for c := range h.all {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// Wake wakes the followers of ticket n and the mail notifier, for a change
// committed by another process on the same database (the store's change
// feed calls it). Changes made through this service wake them already.
func (s *Service) Wake(n support.Number) { s.hub.notify(n) }

// WakeAll wakes every follower and the mail notifier: the change feed
// calls it when it may have missed changes (after a reconnection).
func (s *Service) WakeAll() { s.hub.notifyAll() }

// Events returns the events of a ticket the caller may see (any other is
// not found, as for GetTicket).
func (s *Service) Events(ctx context.Context, n support.Number, afterID int64, limit int) ([]support.Event, error) {
	t, err := s.GetTicket(ctx, n)
	if err != nil {
		return nil, err
	}
	return s.store.Events(ctx, t.Number, afterID, limit)
}

// Follow sends the events of a ticket the caller may see: those after
// afterID, then each change as this service commits it. With
// Config.EventPoll set it also reads the store at that interval, for
// changes made by another process on the same database (embedded mode).
func (s *Service) Follow(ctx context.Context, n support.Number, afterID int64, fn func(support.Event) error) error {
	t, err := s.GetTicket(ctx, n)
	if err != nil {
		return err
	}
	n = t.Number
	wake, stop := s.hub.subscribe(n)
	defer stop()
	var poll <-chan time.Time
	if s.cfg.EventPoll > 0 {
		tk := time.NewTicker(s.cfg.EventPoll)
		defer tk.Stop()
		poll = tk.C
	}
	for {
		// Subscribed before reading: a change committed after this read
		// leaves a wake-up in the channel.
		for {
			evs, err := s.store.Events(ctx, n, afterID, 0)
			if err != nil {
				return err
			}
			for _, e := range evs {
				if err := fn(e); err != nil {
					return err
				}
				afterID = e.ID
			}
			if len(evs) < support.MaxEventBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		case <-poll:
		}
	}
}
