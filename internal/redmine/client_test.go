package redmine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// A proxy in front of Redmine that says 503 or 429 with Retry-After:
// reads wait as told, then succeed; writes are never retried blind.
// (A fake server: this is the HTTP layer alone.)
func TestReadsHonourRetryAfterWritesAreNotRetried(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		if r.Method == http.MethodGet && n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.Method != http.MethodGet {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"user":{"id":5,"login":"corr.dupont","firstname":"Camille","lastname":"Dupont"}}`))
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Key: "k", Project: "p"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var u currentUser
	if err := c.getJSON(context.Background(), "/users/current.json", nil, &u); err != nil || u.User.Login != "corr.dupont" {
		t.Fatalf("read: %v %+v", err, u)
	}
	if d := time.Since(start); d < time.Second || hits.Load() != 2 {
		t.Fatalf("answered after %v and %d requests: Retry-After 1 s not honoured", d, hits.Load())
	}
	hits.Store(10)
	_, err = c.sendJSON(context.Background(), http.MethodPut, "/issues/1.json", map[string]any{"issue": issueWrite{Notes: "x"}}, nil)
	se := support.AsError(err)
	if se == nil || se.Code != support.ERATELIMITED || se.RetryAfter != 7 || hits.Load() != 11 {
		t.Fatalf("write: %#v after %d requests", err, hits.Load()-10)
	}
}
