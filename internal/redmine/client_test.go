package redmine

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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

// TestUploadGetsTheUploadDeadline: a file takes the time its size needs on
// a slow line (1 s per 256 KiB on top of an ordinary call), not the
// ordinary call's cap.
func TestUploadGetsTheUploadDeadline(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(time.Second) // a slow line: longer than the ordinary call
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"upload":{"token":"7.abc"}}`))
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Key: "k", Project: "p", Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	text := []byte(strings.Repeat("journal de connexion de l'ENT\n", 20000)) // ≈ 600 KiB: 2 s more
	up := support.Upload{Name: "connexion.log", Size: int64(len(text)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(text)), nil }}
	ref, err := c.upload1(context.Background(), up)
	if err != nil || ref.Token != "7.abc" {
		t.Fatalf("upload: %+v, %v", ref, err)
	}
	// An ordinary call still has the ordinary deadline.
	var u currentUser
	if err := c.getJSON(context.Background(), "/users/current.json", nil, &u); support.ErrorCode(err) != support.EUNAVAILABLE {
		t.Fatalf("a slow ordinary call: %v", err)
	}
}
