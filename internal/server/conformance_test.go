package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/support"
)

// start runs a reference server on a fresh SQLite file and loopback.
func start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Database == "" {
		o.Database = "sqlite:" + filepath.Join(t.TempDir(), "server.db")
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return s
}

// redocly finds the pinned redocly CLI that .ci/run installs.
func redocly(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("redocly"); err == nil {
		return p
	}
	p, _ := filepath.Abs("../../.ci/node_modules/.bin/redocly")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("redocly is missing: .ci/run installs it (npm ci in .ci)")
	}
	t.Skip("redocly is not installed; run .ci/run once to install it")
	return ""
}

// TestOpenAPIConformance sends every route, with each status it can
// answer, to a real server with `redocly respect`, a tool nobody here
// wrote, which checks status, content type and body schema of every
// answer against the document the server serves.
func TestOpenAPIConformance(t *testing.T) {
	bin := redocly(t)
	const admin = "conformance-admin-token-0123456789"
	s := start(t, Options{BootstrapToken: admin, Prefix: "CG42N1",
		Limits:     support.Limits{MaxFileSize: 64 << 10, MaxTicketSize: 128 << 10, MaxFiles: 3},
		RateLimits: httpapi.RateLimits{AuthFailures: support.RateLimit{N: 10, Per: time.Hour}}})

	// Every operation of the served document is exercised by the workflows.
	resp, err := http.Get(s.URL() + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := os.ReadFile("testdata/conformance.arazzo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`operationId: api\.(\w+)`).FindAllStringSubmatch(string(tmpl), -1) {
		used[m[1]] = true
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if !used[op.OperationID] {
				t.Errorf("%s %s (%s) is in the OpenAPI document but no workflow calls it", strings.ToUpper(method), path, op.OperationID)
			}
		}
	}

	dir := t.TempDir()
	wf := strings.ReplaceAll(string(tmpl), "__SPEC__", s.URL()+"/api/v1/openapi.json")
	// A token expiry the server accepts whatever the day the test runs.
	wf = strings.ReplaceAll(wf, "__EXPIRES__", time.Now().Add(30*24*time.Hour).UTC().Format(time.RFC3339))
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("conformance.arazzo.yaml", []byte(wf))
	write("capture.png", pngBytes(1024))
	write("big.png", pngBytes(100<<10))
	write("elf.png", append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 512)...))

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "respect", "conformance.arazzo.yaml",
		"--server", "api="+s.URL(), "--input", "admin="+admin, "--max-fetch-timeout", "20000")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if err != nil {
		t.Fatalf("redocly respect: %v\n%s", err, out.String())
	}
	// respect prints a summary; make sure it ran the workflows at all.
	if !regexp.MustCompile(`Workflows:\s+\d+ passed`).Match(out.Bytes()) {
		t.Fatalf("redocly respect ran no workflow:\n%s", out.String())
	}
	t.Logf("%s", lastLines(out.String(), 8))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// pngBytes returns a valid PNG header padded to size bytes: enough for a
// content check, which reads the signature.
func pngBytes(size int) []byte {
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	for len(b) < size {
		b = append(b, 0)
	}
	return b
}
