package service_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/support"
)

// Probes are one entry per minute and actor, detail and address: a key
// seen again after a flush adds to its entry, a new minute or another
// address makes a new one; the target is the first of the minute; the
// writes wait for the flush (or a read of the audit log).
func TestProbesCountedPerMinute(t *testing.T) {
	store := openStore(t)
	var mu sync.Mutex
	now := time.Date(2026, 12, 2, 9, 0, 10, 0, time.UTC)
	svc := service.New(store, service.Config{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	t.Cleanup(func() { svc.FlushAudit(context.Background()) })
	ctx := context.Background()
	probe := func(remote string, n int, target string) {
		for i := range n {
			svc.Probe(support.WithRemote(ctx, remote), support.AuditEntry{Action: support.AuditDenied,
				Target: fmt.Sprintf("%s%d", target, i), Detail: "bad token"})
		}
	}
	probe("192.0.2.1", 30, "GET /a")
	if es, _ := store.ListAudit(ctx, support.AuditFilter{}); len(es) != 0 {
		t.Errorf("probes written at once: %+v", es)
	}
	svc.FlushAudit(ctx)              // as at shutdown; later probes wait for the next one
	probe("192.0.2.1", 12, "GET /b") // the same minute, after a flush
	probe("192.0.2.2", 5, "GET /c")  // another address
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	probe("192.0.2.1", 7, "GET /d") // the next minute
	svc.FlushAudit(ctx)
	es, err := store.ListAudit(ctx, support.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, e := range es {
		got[e.Remote+" "+e.Target+" "+e.At.Format("15:04")] = e.Count
	}
	want := map[string]int64{"192.0.2.1 GET /a0 09:00": 42, "192.0.2.2 GET /c0 09:00": 5, "192.0.2.1 GET /d0 09:01": 7}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("entries %v, want %v", got, want)
	}
}

// Without anyone reading the audit log, probes reach the database within
// about ProbeFlushInterval, written in the background.
func TestProbesFlushedInTheBackground(t *testing.T) {
	store := openStore(t)
	svc := service.New(store, service.Config{})
	t.Cleanup(func() { svc.FlushAudit(context.Background()) })
	ctx := support.WithRemote(context.Background(), "192.0.2.1")
	for range 3 {
		svc.Probe(ctx, support.AuditEntry{Action: support.AuditDenied, Target: "GET /api/v1/me", Detail: "bad token"})
	}
	deadline := time.Now().Add(3 * service.ProbeFlushInterval)
	for {
		es, err := store.ListAudit(context.Background(), support.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 1 && es[0].Count == 3 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the audit log holds %+v", 3*service.ProbeFlushInterval, es)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
