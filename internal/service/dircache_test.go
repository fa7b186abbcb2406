package service_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/support"
)

// The directory cache: a change through this process is seen at once; one
// made by another process (straight into the store) within dirCacheTTL.
func TestDirectoryCache(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	f := newFixture(t, service.Config{Now: clock})
	ctx := context.Background()
	const uaiNew = "0690002C"
	in := validInput(uaiNew)

	_, err := f.svc.CreateTicket(f.as(f.admin), in, support.CreateOptions{})
	wantError(t, err, support.EINVALID, "")
	// Added through this service: the cache is dropped, the next create passes.
	if _, err := f.svc.AddEstablishment(f.as(f.admin), support.Establishment{UAI: uaiNew, Name: "Lycée Neuf", City: "Lyon"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateTicket(f.as(f.admin), in, support.CreateOptions{}); err != nil {
		t.Fatalf("create right after the establishment was added: %v", err)
	}

	// Another process renames it in the database: seen once the entry is old.
	if _, err := f.db.UpsertEstablishment(ctx, support.Establishment{UAI: uaiNew, Name: "Lycée Renommé", City: "Lyon"}); err != nil {
		t.Fatal(err)
	}
	tk, err := f.svc.CreateTicket(f.as(f.admin), in, support.CreateOptions{})
	if err != nil || tk.Establishment.Name != "Lycée Neuf" {
		t.Fatalf("within the TTL: %+v, %v; want the cached name", tk, err)
	}
	advance(6 * time.Second)
	tk, err = f.svc.CreateTicket(f.as(f.admin), in, support.CreateOptions{})
	if err != nil || tk.Establishment.Name != "Lycée Renommé" {
		t.Fatalf("after the TTL: %+v, %v; want the new name", tk, err)
	}
}
