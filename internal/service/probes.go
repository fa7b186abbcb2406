package service

import (
	"context"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// ProbeFlushInterval is how long a probe waits in memory before it is
// written: at most one write per key and interval, however many probes.
const ProbeFlushInterval = time.Second

// probeKey is what makes two probes the same audit entry: the same
// actor, action, detail and address within one minute. Not the target:
// someone trying ticket numbers one after the other is one entry, whose
// target is the first number of the minute.
type probeKey struct {
	minute                        int64 // Unix minutes
	actorID                       int64
	actor, action, detail, remote string
}

// probes aggregates refusals that a flood repeats (see Auditor.Probe):
// counted in memory, written by one goroutine at most every
// ProbeFlushInterval, into one entry per key and minute (the first write
// inserts it, the next ones add to its count). A flood of bad tokens then
// costs the database a few writes a second, not one per request, and
// creates are not kept waiting behind them.
type probes struct {
	mu      sync.Mutex
	pending map[probeKey]*support.AuditEntry // counts not yet written
	running bool                             // a flush is scheduled
	closed  bool

	wake chan struct{} // ends the wait of the scheduled flush
	done chan struct{} // closed when the scheduled flush has run

	flushMu sync.Mutex         // one flush at a time
	rows    map[probeKey]int64 // entry written for a key, this minute or the last
}

// Probe counts e (see support.Auditor); the write happens within
// ProbeFlushInterval, or at FlushAudit.
func (s *Service) Probe(ctx context.Context, e support.AuditEntry) {
	if e.Remote == "" {
		e.Remote = support.RemoteFrom(ctx)
	}
	now := s.cfg.Now()
	k := probeKey{now.Unix() / 60, e.ActorID, e.Actor, e.Action, e.Detail, e.Remote}
	p := &s.probes
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pending == nil {
		p.pending = map[probeKey]*support.AuditEntry{}
	}
	if pe := p.pending[k]; pe != nil {
		pe.Count++
	} else {
		e.At, e.Count, e.ID = now, 1, 0
		p.pending[k] = &e
	}
	if !p.running && !p.closed {
		p.running = true
		p.wake, p.done = make(chan struct{}), make(chan struct{})
		go s.flushLater(p.wake, p.done)
	}
}

// flushLater writes the pending probes after ProbeFlushInterval, and
// again while more keep coming; it stops when an interval brought none.
func (s *Service) flushLater(wake, done chan struct{}) {
	defer close(done)
	t := time.NewTimer(ProbeFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-wake:
			return
		}
		s.flushProbes(context.Background())
		p := &s.probes
		p.mu.Lock()
		if len(p.pending) == 0 || p.closed {
			p.running = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		t.Reset(ProbeFlushInterval)
	}
}

// flushProbes writes the pending probes now.
func (s *Service) flushProbes(ctx context.Context) {
	p := &s.probes
	p.flushMu.Lock()
	defer p.flushMu.Unlock()
	p.mu.Lock()
	pending := p.pending
	p.pending = nil
	p.mu.Unlock()
	if len(pending) == 0 {
		return
	}
	if p.rows == nil {
		p.rows = map[probeKey]int64{}
	}
	minute := s.cfg.Now().Unix() / 60
	for k := range p.rows {
		if k.minute < minute-1 {
			delete(p.rows, k)
		}
	}
	ctx = context.WithoutCancel(ctx)
	for k, e := range pending {
		var err error
		if id, ok := p.rows[k]; ok {
			err = s.store.AddAuditCount(ctx, id, e.Count)
		} else if err = s.store.AddAudit(ctx, e); err == nil {
			p.rows[k] = e.ID
		}
		if err != nil {
			s.log.Error("audit log write failed", "action", e.Action, "target", e.Target, "count", e.Count, "err", err)
		}
	}
}

// FlushAudit writes the probes still in memory and stops the flushing
// goroutine; later probes are written at the next FlushAudit only. The
// server calls it at shutdown, before closing the store.
func (s *Service) FlushAudit(ctx context.Context) {
	p := &s.probes
	p.mu.Lock()
	p.closed = true
	wake, done := p.wake, p.done
	running := p.running
	p.running = false
	p.mu.Unlock()
	if running {
		close(wake)
		<-done
	}
	s.flushProbes(ctx)
}
