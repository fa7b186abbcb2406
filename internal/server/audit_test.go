package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/sqlstore"
	"github.com/ent-support/ent-support/internal/support"
)

// badTokens sends n requests with wrong tokens from workers clients at
// once and checks that each was refused with 401.
func badTokens(t testing.TB, url string, n, workers int) {
	t.Helper()
	c := benchClient()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				req, _ := http.NewRequest("GET", url+"/api/v1/me", nil)
				req.Header.Set("Authorization", "Bearer ents_wrong-guess-0123456789abcdef")
				resp, err := c.Do(req)
				if err != nil {
					failed.Store(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					failed.Store(fmt.Errorf("bad token answered %d", resp.StatusCode))
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		t.Fatal(err)
	}
}

// deniedEntries reads the audit log's refusals with detail through the service.
func deniedEntries(t *testing.T, s *Server, detail string) []support.AuditEntry {
	t.Helper()
	ctx := context.Background()
	admin, err := s.Service.Authenticate(ctx, benchAdmin)
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.Service.Audit(support.WithUser(ctx, admin), support.AuditFilter{Action: support.AuditDenied, Limit: support.MaxListLimit})
	if err != nil {
		t.Fatal(err)
	}
	var out []support.AuditEntry
	for _, e := range all {
		if e.Detail == detail {
			out = append(out, e)
		}
	}
	return out
}

func sumCounts(es []support.AuditEntry) (n int64) {
	for _, e := range es {
		n += e.Count
	}
	return n
}

// 1,000 bad tokens within a minute, from one address, are not 1,000
// audit rows: they are counted in memory and written as one entry per
// minute (two when the flood straddles a minute), whose counts add up to
// 1,000; GET /api/v1/audit shows the count.
func TestBadTokenFloodAuditedAsCounts(t *testing.T) {
	f := newSecFixture(t, Options{})
	badTokens(t, f.url, 1000, 8)
	es := deniedEntries(t, f.s, "bad token")
	if len(es) == 0 || len(es) > 2 {
		t.Fatalf("%d audit entries for 1,000 bad tokens, want 1 or 2: %+v", len(es), es)
	}
	if n := sumCounts(es); n != 1000 {
		t.Errorf("counts add up to %d, want 1000: %+v", n, es)
	}
	for _, e := range es {
		if e.Remote != "127.0.0.1" || e.Target != "GET /api/v1/me" || e.Actor != "" {
			t.Errorf("entry %+v", e)
		}
	}
	// The same through the API, count included.
	resp, body := f.do(t, "admin", "GET", "/api/v1/audit?action=denied", "", nil)
	var list struct{ Entries []map[string]any }
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/audit: %d %s", resp.StatusCode, body)
	}
	var total float64
	for _, e := range list.Entries {
		if e["detail"] == "bad token" {
			total += e["count"].(float64)
		}
	}
	if total != 1000 {
		t.Errorf("GET /api/v1/audit counts %v bad tokens, want 1000: %s", total, body)
	}
}

// Someone trying the numbers of other establishments' tickets one after
// the other is one entry per minute too, whose target is the first number
// tried.
func TestNotFoundProbesAuditedAsCounts(t *testing.T) {
	f := newSecFixture(t, Options{})
	if resp, body := f.upload(t, "reporterA", benchTicket(1), `filename="capture.png"`); resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	for range 50 {
		if resp, _ := f.do(t, "reporterB", "GET", "/api/v1/tickets/CG42N1-1", "", nil); resp.StatusCode != 404 {
			t.Fatalf("B reads A's ticket: %d", resp.StatusCode)
		}
	}
	es := deniedEntries(t, f.s, "ticket of another establishment")
	if len(es) == 0 || len(es) > 2 || sumCounts(es) != 50 {
		t.Fatalf("50 probes audited as %+v", es)
	}
	if es[0].Actor != "Paul Autre <paul.autre@example.org>" || es[0].Target != "CG42N1-1" {
		t.Errorf("entry %+v", es[0])
	}
}

// Bad tokens still in memory when the server stops are written before
// the database closes.
func TestProbesWrittenAtShutdown(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "server.db")
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Open(ctx, Options{Addr: "127.0.0.1:0", Database: db, BootstrapToken: benchAdmin})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, 5*time.Second) }()
	badTokens(t, s.URL(), 7, 1)
	cancel() // at once: well within the flush interval
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.Open(context.Background(), db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	es, err := st.ListAudit(context.Background(), support.AuditFilter{Action: support.AuditDenied})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Count != 7 || es[0].Detail != "bad token" {
		t.Errorf("after shutdown the audit log holds %+v, want one bad-token entry counting 7", es)
	}
}
