package rt

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// These run without RT: RT's answers as the client reads them.

func TestCheckMessages(t *testing.T) {
	for _, tc := range []struct {
		body string
		ok   bool
	}{
		{`["Ticket 2: Status changed from 'new' to 'open'"]`, true},
		{`["Correspondence added","Status changed from 'open' to 'resolved'"]`, true},
		{`["Correspondence added","You can't change status from 'open' to 'open'."]`, true},
		{`["Invalid value for custom field"]`, false},
		{`["Status 'bogus' isn't a valid status for tickets in this queue."]`, false},
		{`["Comments added","Permission Denied"]`, false},
		{`{"id":"3"}`, true},
	} {
		err := checkMessages(&answer{status: 200, body: []byte(tc.body)})
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.body, err)
		}
	}
}

func TestMappings(t *testing.T) {
	for rt, want := range map[string]support.Status{"new": "nouveau", "open": "en_cours", "stalled": "en_attente",
		"resolved": "resolu", "rejected": "clos", "deleted": "clos", "custom": "custom"} {
		if got := statusFromRT(rt); got != want {
			t.Errorf("statusFromRT(%s) = %s", rt, got)
		}
	}
	for _, st := range support.Statuses {
		if back := statusFromRT(toRT[st]); back != st {
			t.Errorf("%s → %s → %s", st, toRT[st], back)
		}
	}
	for _, p := range support.Priorities {
		if got := priorityFromNumber(itoa(int64(priorityNumber[p]))); got != p {
			t.Errorf("priority %s → %d → %s", p, priorityNumber[p], got)
		}
	}
	if priorityFromNumber("0") != "" || priorityFromNumber("bloquante") != "" {
		t.Error("0 or a stored label must read as no priority")
	}
	if q := quote(`l'école \ 1`); q != `'l\'école \\ 1'` {
		t.Errorf("quote = %s", q)
	}
}

// TestReadsRetryAfter503: a read answered 503 with Retry-After is tried
// again after that wait; a 403 on a ticket is "not found".
func TestReadsRetryAfter503(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/REST/2.0/ticket/7" && n.Add(1) == 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		case r.URL.Path == "/REST/2.0/ticket/7":
			w.Write([]byte(`{"id":7,"Subject":"s","Status":"open","Priority":"50"}`))
		default:
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"message":"Forbidden"}`))
		}
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Token: "1-2-x", Queue: "Q", Prefix: "P"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var raw rtTicket
	if err := c.get(context.Background(), "/ticket/7", nil, true, &raw); err != nil || raw.Subject != "s" {
		t.Fatalf("get = %+v, %v", raw, err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %v, want the Retry-After second", d)
	}
	if err := c.get(context.Background(), "/ticket/8", nil, true, &raw); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("403 on a ticket: %v", err)
	}
	if err := c.get(context.Background(), "/queue/Q", nil, false, &raw); support.ErrorCode(err) != support.EFORBIDDEN {
		t.Errorf("403 elsewhere: %v", err)
	}
}

// TestHonoursTheCAFile: an RT behind a territory's own CA is reached with
// the CA file (--ca-file, ENT_SUPPORT_CA_FILE), and refused without it,
// with the message that names the unknown authority.
func TestHonoursTheCAFile(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"id":7,"Subject":"s","Status":"open","Priority":"50"}`))
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	get := func(caFile string) error {
		c, err := New(Config{BaseURL: srv.URL, Token: "1-2-x", Queue: "Q", Prefix: "P", CAFile: caFile})
		if err != nil {
			return err
		}
		var raw rtTicket
		return c.get(context.Background(), "/ticket/7", nil, true, &raw)
	}
	if err := get(ca); err != nil {
		t.Fatalf("with the CA file: %v", err)
	}
	if se := support.AsError(get("")); se == nil || se.Key != "error.tls_unknown_authority" {
		t.Fatalf("without the CA file: %#v", se)
	}
	if se := support.AsError(get(filepath.Join(t.TempDir(), "missing.pem"))); se == nil || se.Key != "error.bad_ca_file" {
		t.Fatalf("a missing CA file: %#v", se)
	}
}
