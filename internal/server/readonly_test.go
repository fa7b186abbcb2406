package server

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A database the server cannot write (here opened read-only by SQLite,
// as a full disk or a read-only mount would leave it) makes creates answer
// 503 problem+json, code unavailable, in the request's language, so that
// clients keep the ticket and retry later; reads still work.
func TestReadOnlyDatabaseAnswers503(t *testing.T) {
	file := filepath.Join(t.TempDir(), "server.db")

	// First a normal server makes the database and files one ticket.
	ctx, cancel := context.WithCancel(context.Background())
	rw, err := Open(ctx, Options{Addr: "127.0.0.1:0", Database: "sqlite:" + file, BootstrapToken: benchAdmin,
		OpenDirectory: true, Prefix: "CG42N1"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- rw.Serve(ctx, 5*time.Second) }()
	c := benchClient()
	body, _ := json.Marshal(benchTicket(0))
	a, err := do(t, c, "POST", rw.URL()+"/api/v1/tickets", body, nil)
	if err != nil || a.status != http.StatusCreated {
		t.Fatalf("create on the writable server: %v %d %s", err, a.status, a.body)
	}
	c.CloseIdleConnections()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Then the same database, read-only.
	ro := start(t, Options{Database: "sqlite:" + file + "?mode=ro", BootstrapToken: benchAdmin,
		OpenDirectory: true, Prefix: "CG42N1"})
	t.Cleanup(c.CloseIdleConnections)

	for _, tt := range []struct {
		lang, detail string
	}{
		{"", "Le stockage du serveur est momentanément indisponible"},
		{"fr-FR,fr;q=0.9", "Le stockage du serveur est momentanément indisponible"},
		{"en-GB,en;q=0.8", "The server's storage is unavailable for now"},
	} {
		h := map[string]string{"Idempotency-Key": "cli-readonly-" + tt.lang}
		if tt.lang != "" {
			h["Accept-Language"] = tt.lang
		}
		a, err := do(t, c, "POST", ro.URL()+"/api/v1/tickets", body, h)
		if err != nil {
			t.Fatal(err)
		}
		if a.status != http.StatusServiceUnavailable {
			t.Errorf("create on a read-only database (Accept-Language %q): %d %s, want 503", tt.lang, a.status, a.body)
			continue
		}
		p := decodeProblem(t, a)
		if p.Code != "unavailable" {
			t.Errorf("code %q, want unavailable", p.Code)
		}
		if !strings.Contains(p.Detail, tt.detail) {
			t.Errorf("Accept-Language %q: detail %q, want %q", tt.lang, p.Detail, tt.detail)
		}
	}

	// Reads still work: the ticket filed before, the list, who am I.
	if got := listNumbers(t, c, ro.URL()); len(got) != 1 || got[0] != "CG42N1-1" {
		t.Errorf("list on the read-only database: %v, want [CG42N1-1]", got)
	}
	for _, path := range []string{"/api/v1/tickets/CG42N1-1", "/api/v1/me", "/healthz"} {
		if a, err := do(t, c, "GET", ro.URL()+path, nil, nil); err != nil || a.status != http.StatusOK {
			t.Errorf("GET %s on the read-only database: %v %d %s", path, err, a.status, a.body)
		}
	}
}
