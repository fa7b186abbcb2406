package httpapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/support"
)

type testServer struct {
	*httptest.Server
	fake *fake
	tmp  string
	logs *bytes.Buffer
}

func newTestServer(t testing.TB, edit func(*ServerConfig)) *testServer {
	t.Helper()
	f := newFake()
	logs := &bytes.Buffer{}
	cfg := ServerConfig{Tickets: f, Admin: f, Auth: f, TempDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, nil))}
	if edit != nil {
		edit(&cfg)
	}
	srv := httptest.NewServer(NewHandler(cfg))
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, fake: f, tmp: cfg.TempDir, logs: logs}
}

// lockedWriter serialises log writes from concurrent handlers.
type lockedWriter struct {
	mu atomic.Int32
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	for !l.mu.CompareAndSwap(0, 1) {
	}
	defer l.mu.Store(0)
	return l.w.Write(b)
}

type req struct {
	method, path, token string
	header              map[string]string
	body                io.Reader
	client              *http.Client // nil = the test server's
}

func (ts *testServer) do(t testing.TB, r req) (*http.Response, []byte) {
	t.Helper()
	hr, err := http.NewRequest(r.method, ts.URL+r.path, r.body)
	if err != nil {
		t.Fatal(err)
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	c := r.client
	if c == nil {
		c = ts.Client()
	}
	resp, err := c.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func jsonBody(t testing.TB, v any) io.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

var jsonCT = map[string]string{"Content-Type": "application/json"}

func validInput() support.TicketInput {
	return support.TicketInput{
		Reporter:      support.Reporter{Name: "Anne Martin", Function: support.ChefEtablissement, Phone: "06 39 98 12 34", Email: "anne.martin@ac-lyon.fr"},
		Establishment: support.Establishment{UAI: "0420001Y"},
		Subject:       "ENT inaccessible",
		Population:    []support.Population{"eleves", "enseignants"},
		Description:   "Depuis ce matin, la page d'accueil renvoie une erreur 502.",
		Location:      "https://dupilat.cybercolleges42.fr/",
		Priority:      support.Bloquante,
	}
}

func decodeProblem(t testing.TB, resp *http.Response, body []byte) problem {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != problemContentType {
		t.Fatalf("content type %q, want problem+json; body %s", ct, body)
	}
	var p problem
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem body %s: %v", body, err)
	}
	if p.Status != resp.StatusCode {
		t.Errorf("problem status %d, answer status %d", p.Status, resp.StatusCode)
	}
	return p
}

// fillPath gives a route pattern's wildcards a value.
func fillPath(p string) string {
	return strings.NewReplacer("{number}", "CG42N1-1", "{id}", "1").Replace(p)
}

func TestEveryRouteDeclaresItsAuthRule(t *testing.T) {
	seen := map[string]bool{}
	for _, rt := range (&server{}).routes() {
		key := rt.Method + " " + rt.Path
		if rt.Access == accessUndeclared {
			t.Errorf("%s: no auth rule", key)
		}
		if seen[key] {
			t.Errorf("%s: registered twice", key)
		}
		seen[key] = true
		if rt.Handler == nil {
			t.Errorf("%s: no handler", key)
		}
	}
}

// Each route keeps its rule: no token is refused unless public, a
// reporter is refused on admin routes.
func TestRouteRulesAreEnforced(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, rt := range (&server{}).routes() {
		path := fillPath(rt.Path)
		resp, body := ts.do(t, req{method: rt.Method, path: path})
		if rt.Access == accessPublic || rt.Access == accessLink {
			if resp.StatusCode == http.StatusUnauthorized {
				t.Errorf("%s %s: public route asks for a token", rt.Method, path)
			}
			continue
		}
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without token: %d %s", rt.Method, path, resp.StatusCode, body)
		}
		resp, body = ts.do(t, req{method: rt.Method, path: path, token: reporterToken})
		if rt.Access == accessAdmin && resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s as reporter: %d %s, want 403", rt.Method, path, resp.StatusCode, body)
		}
		if rt.Access == accessUser && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized) {
			t.Errorf("%s %s as reporter: %d", rt.Method, path, resp.StatusCode)
		}
	}
}

func TestAuthProblems(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, tc := range []struct {
		name, auth, lang string
		want             problem
	}{
		{"missing", "", "fr", problem{Type: problemType("unauthenticated"), Title: "Authentification requise ou jeton invalide.",
			Status: 401, Code: "unauthenticated", Detail: "Authentification requise : aucun jeton fourni."}},
		{"not bearer", "Basic abc", "en", problem{Type: problemType("unauthenticated"), Title: "Authentication required, or invalid token.",
			Status: 401, Code: "unauthenticated", Detail: "Authentication required: no token given."}},
		{"bad", "Bearer ents_wrong-secret", "en-GB,fr;q=0.5", problem{Type: problemType("unauthenticated"), Title: "Authentication required, or invalid token.",
			Status: 401, Code: "unauthenticated", Detail: "Invalid, expired or revoked token."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{"Accept-Language": tc.lang}
			if tc.auth != "" {
				h["Authorization"] = tc.auth
			}
			resp, body := ts.do(t, req{method: "GET", path: "/api/v1/me", header: h})
			if diff := cmp.Diff(tc.want, decodeProblem(t, resp, body)); diff != "" {
				t.Errorf("problem (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
			}
			if strings.Contains(string(body), "secret") {
				t.Errorf("token echoed: %s", body)
			}
		})
	}
	if strings.Contains(ts.logs.String(), "secret") {
		t.Errorf("token logged:\n%s", ts.logs)
	}
	resp, body := ts.do(t, req{method: "GET", path: "/api/v1/audit", token: reporterToken})
	if p := decodeProblem(t, resp, body); p.Status != 403 || p.Detail != "Seul un administrateur peut faire cela." {
		t.Errorf("reporter on admin route: %+v", p)
	}
}

func TestPublicRoutes(t *testing.T) {
	ts := newTestServer(t, nil)
	resp, body := ts.do(t, req{method: "GET", path: "/healthz"})
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Errorf("healthz: %d %s", resp.StatusCode, body)
	}
	resp, body = ts.do(t, req{method: "GET", path: "/api/v1/info"})
	var info support.ServerInfo
	if err := json.Unmarshal(body, &info); err != nil || resp.StatusCode != 200 || info.Prefix != "CG42N1" {
		t.Errorf("info: %d %s", resp.StatusCode, body)
	}
	resp, body = ts.do(t, req{method: "GET", path: "/api/v1/openapi.json"})
	if resp.StatusCode != 200 || !bytes.Equal(body, openAPIDocument) || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("openapi: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	ts := newTestServer(t, nil)
	resp, body := ts.do(t, req{method: "GET", path: "/api/v1/nope", header: map[string]string{"Accept-Language": "en"}})
	if p := decodeProblem(t, resp, body); p.Status != 404 || p.Code != "not_found" || p.Detail != "No such address." {
		t.Errorf("404: %+v", p)
	}
	resp, body = ts.do(t, req{method: "DELETE", path: "/api/v1/tickets", token: reporterToken})
	if p := decodeProblem(t, resp, body); p.Status != 405 || p.Code != "invalid" {
		t.Errorf("405: %+v", p)
	}
	if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow = %q", allow)
	}
}

func TestCreateTicketJSON(t *testing.T) {
	ts := newTestServer(t, nil)
	h := map[string]string{"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": "abc-123"}
	resp, body := ts.do(t, req{method: "POST", path: "/api/v1/tickets", token: reporterToken, header: h, body: jsonBody(t, validInput())})
	if resp.StatusCode != 201 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if loc := resp.Header.Get("Location"); loc != "/api/v1/tickets/CG42N1-1" {
		t.Errorf("Location = %q", loc)
	}
	var got support.Ticket
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Number.String() != "CG42N1-1" || got.Reporter.Phone != "+33639981234" {
		t.Errorf("ticket: %+v", got)
	}
	if lastOpts(ts.fake).IdempotencyKey != "abc-123" {
		t.Errorf("idempotency key = %q", lastOpts(ts.fake).IdempotencyKey)
	}
	// A replay answers the same ticket (201 too: see createTicket).
	resp, body2 := ts.do(t, req{method: "POST", path: "/api/v1/tickets", token: reporterToken, header: h, body: jsonBody(t, validInput())})
	if resp.StatusCode != 201 || !bytes.Equal(body, body2) {
		t.Errorf("replay: %d %s", resp.StatusCode, body2)
	}
}

func TestCreateTicketRefusals(t *testing.T) {
	ts := newTestServer(t, nil)
	deep := strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)
	bad := validInput()
	bad.Reporter.Phone = "12"
	bad.Priority = "urgente"
	for _, tc := range []struct {
		name   string
		header map[string]string
		body   string
		status int
		errors []support.FieldError
	}{
		{"unknown key", jsonCT, `{"subject":"x","colour":"blue"}`, 400,
			[]support.FieldError{{Field: "body", Rule: "unknown_key", Params: map[string]string{"key": "colour"},
				Message: "Request body (body): unknown key \"colour\"; see the format's documentation"}}},
		{"too deep", jsonCT, deep, 400,
			[]support.FieldError{{Field: "body", Rule: "json_depth", Params: map[string]string{"max": "32"},
				Message: "Request body (body): the JSON is nested more than 32 levels deep"}}},
		{"invalid UTF-8", jsonCT, "{\"subject\":\"caf\xe9 au lait\"}", 400,
			[]support.FieldError{{Field: "body", Rule: "utf8", Params: map[string]string{"offset": "15"},
				Message: "Request body (body): is not valid UTF-8 text (byte 15)"}}},
		{"wrong type", jsonCT, `{"population":"eleves"}`, 400,
			[]support.FieldError{{Field: "population", Rule: "syntax", Params: map[string]string{"reason": "expected array, got string"},
				Message: "People affected (population): cannot be read: expected array, got string"}}},
		{"bad fields", jsonCT, mustJSON(t, bad), 400, []support.FieldError{
			{Field: "reporter.phone", Rule: "phone", Message: "Phone number (reporter.phone): must be a French number: 10 digits starting with 0 (06 39 98 12 34) or +33 and 9 digits (+33 6 39 98 12 34)"},
			{Field: "priority", Rule: "priority", Message: "Priority (priority): must be bloquante (the ENT is unavailable), majeure (a major feature of a service is unavailable) or mineure (requests for information, guidance, or help with a minor feature of a service that is unavailable)"}}},
		{"bad idempotency key", map[string]string{"Content-Type": "application/json", "Idempotency-Key": "é"}, mustJSON(t, validInput()), 400,
			[]support.FieldError{{Field: "idempotency_key", Rule: "idempotency_key", Params: map[string]string{"max": "200"},
				Message: "Idempotency key (idempotency_key): must be 1 to 200 printable characters"}}},
		{"long idempotency key", map[string]string{"Content-Type": "application/json", "Idempotency-Key": strings.Repeat("k", 201)}, mustJSON(t, validInput()), 400,
			[]support.FieldError{{Field: "idempotency_key", Rule: "idempotency_key", Params: map[string]string{"max": "200"},
				Message: "Idempotency key (idempotency_key): must be 1 to 200 printable characters"}}},
		{"not json", map[string]string{"Content-Type": "text/plain"}, "hello", 415, nil},
		{"no content type", nil, "{}", 415, nil},
		{"too large", jsonCT, `{"description":"` + strings.Repeat("x", maxJSONBody) + `"}`, 413, nil},
		{"two values", jsonCT, mustJSON(t, validInput()) + "{}", 400,
			[]support.FieldError{{Field: "body", Rule: "syntax", Params: map[string]string{"reason": "data after the JSON value"},
				Message: "Request body (body): cannot be read: data after the JSON value"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{"Accept-Language": "en"}
			for k, v := range tc.header {
				h[k] = v
			}
			resp, body := ts.do(t, req{method: "POST", path: "/api/v1/tickets", token: reporterToken, header: h, body: strings.NewReader(tc.body)})
			p := decodeProblem(t, resp, body)
			if p.Status != tc.status {
				t.Errorf("status %d, want %d: %s", p.Status, tc.status, body)
			}
			if diff := cmp.Diff(tc.errors, p.Errors); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The same problem in French and in English, field messages filled.
func TestProblemLanguages(t *testing.T) {
	ts := newTestServer(t, nil)
	bad := validInput()
	bad.Establishment.UAI = "0420001A"
	for _, tc := range []struct {
		lang string
		want problem
	}{
		{"fr-FR,fr;q=0.9", problem{Type: problemType("invalid"), Title: "Requête invalide.", Status: 400,
			Detail: "Certains champs sont invalides.", Code: "invalid", Errors: []support.FieldError{{
				Field: "establishment.uai", Rule: "uai_key", Params: map[string]string{"expected": "0420001Y"},
				Message: "Établissement (code UAI) (establishment.uai) : la lettre clé ne correspond pas aux 7 chiffres : vouliez-vous dire 0420001Y ?"}}}},
		{"en", problem{Type: problemType("invalid"), Title: "Invalid request.", Status: 400,
			Detail: "Some fields are invalid.", Code: "invalid", Errors: []support.FieldError{{
				Field: "establishment.uai", Rule: "uai_key", Params: map[string]string{"expected": "0420001Y"},
				Message: "Establishment (UAI code) (establishment.uai): the key letter does not match the 7 digits: did you mean 0420001Y?"}}}},
	} {
		resp, body := ts.do(t, req{method: "POST", path: "/api/v1/tickets", token: reporterToken,
			header: map[string]string{"Content-Type": "application/json", "Accept-Language": tc.lang}, body: jsonBody(t, bad)})
		if diff := cmp.Diff(tc.want, decodeProblem(t, resp, body)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.lang, diff)
		}
	}
}

// multipartBody builds a create body in memory (tests only: the client
// streams).
func multipartBody(t testing.TB, ticket string, files map[string][]byte, order ...string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if ticket != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="ticket"`)
		h.Set("Content-Type", "application/json")
		w, _ := mw.CreatePart(h)
		w.Write([]byte(ticket))
	}
	for _, name := range order {
		w, _ := mw.CreateFormFile("attachments", name)
		w.Write(files[name])
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func assertNoTempFiles(t testing.TB, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("temp file left behind: %s", e.Name())
	}
}

func TestCreateTicketMultipart(t *testing.T) {
	ts := newTestServer(t, nil)
	files := map[string][]byte{"capture.txt": []byte("hello"), "journal.log": bytes.Repeat([]byte("log line\n"), 1000)}
	body, ct := multipartBody(t, mustJSON(t, validInput()), files, "capture.txt", `C:\Users\anne\journal.log`)
	files[`C:\Users\anne\journal.log`] = files["journal.log"]
	body, ct = multipartBody(t, mustJSON(t, validInput()), files, "capture.txt", `C:\Users\anne\journal.log`)
	resp, b := ts.do(t, req{method: "POST", path: "/api/v1/tickets", token: reporterToken, header: map[string]string{"Content-Type": ct}, body: body})
	if resp.StatusCode != 201 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	want := map[string][]byte{"capture.txt": files["capture.txt"], "journal.log": files["journal.log"]}
	if diff := cmp.Diff(want, ts.fake.Received); diff != "" {
		t.Errorf("files received (-want +got):\n%s", diff)
	}
	assertNoTempFiles(t, ts.tmp)

	// The service's refusal also removes the spooled files.
	ts.fake.Fail["CreateTicket"] = support.InvalidFields([]support.FieldError{{Field: "attachments", Rule: "file_type", Params: map[string]string{"detected": "application/zip"}}})
	body, ct = multipartBody(t, mustJSON(t, validInput()), files, "capture.txt")
	resp, b = ts.do(t, req{method: "POST", path: "/api/v1/tickets", token: reporterToken, header: map[string]string{"Content-Type": ct}, body: body})
	if resp.StatusCode != 400 {
		t.Errorf("status %d: %s", resp.StatusCode, b)
	}
	assertNoTempFiles(t, ts.tmp)
}

func TestCreateTicketMultipartRefusals(t *testing.T) {
	ts := newTestServer(t, func(c *ServerConfig) {
		c.Limits = support.Limits{MaxFileSize: 100, MaxTicketSize: 150, MaxFiles: 2}
	})
	small := bytes.Repeat([]byte("a"), 80)
	big := bytes.Repeat([]byte("b"), 101)
	ticket := mustJSON(t, validInput())
	for _, tc := range []struct {
		name   string
		ticket string
		files  map[string][]byte
		order  []string
		status int
		errors []support.FieldError
	}{
		{"file over limit", ticket, map[string][]byte{"big.png": big}, []string{"big.png"}, 413,
			[]support.FieldError{{Field: "attachments", Rule: "file_size",
				Params:  map[string]string{"name": "big.png", "size": "101", "size_known": "false", "max": "100"},
				Message: "Screenshot and/or attachment (attachments): the file \"big.png\" is more than 101 B, over the limit of 100 B per file"}}},
		{"ticket over limit", ticket, map[string][]byte{"a.txt": small, "b.txt": small}, []string{"a.txt", "b.txt"}, 413,
			[]support.FieldError{{Field: "attachments", Rule: "ticket_size",
				Params:  map[string]string{"size": "151", "size_known": "false", "max": "150"},
				Message: "Screenshot and/or attachment (attachments): the attachments total more than 151 B, over the limit of 150 B per ticket"}}},
		{"too many files", ticket, map[string][]byte{"a": []byte("1"), "b": []byte("2"), "c": []byte("3")}, []string{"a", "b", "c"}, 413,
			[]support.FieldError{{Field: "attachments", Rule: "file_count", Params: map[string]string{"max": "2"},
				Message: "Screenshot and/or attachment (attachments): at most 2 attachments per ticket"}}},
		{"no ticket part", "", map[string][]byte{"a": []byte("1")}, []string{"a"}, 400,
			[]support.FieldError{{Field: "ticket", Rule: "required", Message: "Ticket (ticket): this field is required"}}},
		{"unknown key in ticket part", `{"subject":"x","extra":1}`, nil, nil, 400,
			[]support.FieldError{{Field: "body", Rule: "unknown_key", Params: map[string]string{"key": "extra"},
				Message: "Request body (body): unknown key \"extra\"; see the format's documentation"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := multipartBody(t, tc.ticket, tc.files, tc.order...)
			resp, b := ts.do(t, req{method: "POST", path: "/api/v1/tickets", token: reporterToken,
				header: map[string]string{"Content-Type": ct, "Accept-Language": "en"}, body: body})
			p := decodeProblem(t, resp, b)
			if p.Status != tc.status {
				t.Errorf("status %d, want %d", p.Status, tc.status)
			}
			if diff := cmp.Diff(tc.errors, p.Errors); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			assertNoTempFiles(t, ts.tmp)
		})
	}
	if n := ts.fake.Count("CreateTicket"); n != 0 {
		t.Errorf("service called %d times for refused bodies", n)
	}
}

// countingReader is an endless multipart body: a ticket part, then a file
// part that never ends. It counts what the server pulled from it.
type countingReader struct {
	head io.Reader
	read atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.head.Read(p)
	if err == io.EOF {
		for i := range p {
			p[i] = 'x'
		}
		n, err = len(p), nil
	}
	c.read.Add(int64(n))
	if c.read.Load() > 1<<30 {
		return n, io.EOF // a server that reads 1 GiB has failed the test anyway
	}
	return n, err
}

// A file over the limit is refused as soon as it crosses it: the server
// does not read the rest of a (here endless) body.
func TestOversizedUploadIsRefusedWhileStreaming(t *testing.T) {
	const limit = 1 << 20
	ts := newTestServer(t, func(c *ServerConfig) {
		c.Limits = support.Limits{MaxFileSize: limit, MaxTicketSize: 4 * limit, MaxFiles: 3}
	})
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	w, _ := mw.CreateFormField("ticket")
	w.Write([]byte(mustJSON(t, validInput())))
	mw.CreateFormFile("attachments", "endless.log")
	body := &countingReader{head: &head}
	hr, _ := http.NewRequest("POST", ts.URL+"/api/v1/tickets", body)
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	hr.Header.Set("Authorization", "Bearer "+reporterToken)
	resp, err := ts.Client().Do(hr)
	// Go's transport hands back the early answer; a write error on the
	// closed connection is tolerated, what matters is what was read.
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		p := decodeProblem(t, resp, b)
		if p.Status != 413 || len(p.Errors) != 1 || p.Errors[0].Rule != "file_size" {
			t.Errorf("answer: %s", b)
		}
	} else if !errors.Is(err, io.ErrClosedPipe) && !strings.Contains(err.Error(), "reset") && !strings.Contains(err.Error(), "broken pipe") {
		t.Logf("client error: %v", err)
	}
	t.Logf("client sent %d bytes (err %v)", body.read.Load(), err)
	// Kernel socket buffers take a few MiB more than the server read.
	if n := body.read.Load(); n > 16*limit {
		t.Errorf("the client could send %d bytes: the server kept reading", n)
	}
	assertNoTempFiles(t, ts.tmp)
}

func TestListTickets(t *testing.T) {
	ts := newTestServer(t, nil)
	for range 2 {
		ts.do(t, req{method: "POST", path: "/api/v1/tickets", token: reporterToken, header: jsonCT, body: jsonBody(t, validInput())})
	}
	resp, body := ts.do(t, req{method: "GET", path: "/api/v1/tickets?status=nouveau,en_cours&priority=bloquante&priority=Majeure&mine=true&since=2026-01-02&limit=1&sort=priority&uai=0420001y", token: reporterToken})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var page support.TicketPage
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Tickets) != 1 || page.NextCursor == "" {
		t.Errorf("page: %s", body)
	}

	resp, body = ts.do(t, req{method: "GET", path: "/api/v1/tickets?status=ouvert&priority=urgente&since=hier&limit=0&mine=peut-etre&sort=name&uai=123",
		token: reporterToken, header: map[string]string{"Accept-Language": "en"}})
	p := decodeProblem(t, resp, body)
	var got []string
	for _, fe := range p.Errors {
		got = append(got, fe.Field+":"+fe.Rule)
		if fe.Message == "" {
			t.Errorf("%s: no message", fe.Field)
		}
	}
	want := []string{"status:status", "priority:priority", "uai:uai_format", "mine:syntax", "since:date", "limit:limit", "sort:syntax"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("field errors (-want +got):\n%s", diff)
	}
}

func TestParseTicketFilter(t *testing.T) {
	f, err := parseTicketFilter(map[string][]string{"since": {"2026-03-01T08:00:00Z"}, "status": {"Résolu", "clos"}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Since.Format("2006-01-02T15:04Z07:00") != "2026-03-01T08:00Z" || len(f.Status) != 2 || f.Status[0] != support.StatusResolved {
		t.Errorf("filter: %+v", f)
	}
	f, _ = parseTicketFilter(map[string][]string{"since": {"2026-03-01"}})
	if _, off := f.Since.Zone(); f.Since.Hour() != 0 || off != 3600 {
		t.Errorf("a bare date starts at midnight in Paris: %v", f.Since)
	}
}

func TestGetTicketNumbers(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.do(t, req{method: "POST", path: "/api/v1/tickets", token: reporterToken, header: jsonCT, body: jsonBody(t, validInput())})
	for _, n := range []string{"CG42N1-1", "cg42n1-1", "1"} {
		resp, body := ts.do(t, req{method: "GET", path: "/api/v1/tickets/" + n, token: reporterToken})
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"number":"CG42N1-1"`) {
			t.Errorf("%s: %d %s", n, resp.StatusCode, body)
		}
	}
	resp, body := ts.do(t, req{method: "GET", path: "/api/v1/tickets/abc", token: reporterToken})
	if p := decodeProblem(t, resp, body); p.Status != 400 || p.Errors[0].Field != "number" {
		t.Errorf("bad number: %s", body)
	}
	resp, body = ts.do(t, req{method: "GET", path: "/api/v1/tickets/99", token: reporterToken, header: map[string]string{"Accept-Language": "en"}})
	if p := decodeProblem(t, resp, body); p.Status != 404 || p.Detail != "Ticket 99 not found." {
		t.Errorf("missing: %s", body)
	}
}

func TestGetAttachment(t *testing.T) {
	ts := newTestServer(t, nil)
	files := map[string][]byte{"rapport d'été \"final\".txt": []byte("contenu")}
	body, ct := multipartBody(t, mustJSON(t, validInput()), files, "rapport d'été \"final\".txt")
	ts.do(t, req{method: "POST", path: "/api/v1/tickets", token: reporterToken, header: map[string]string{"Content-Type": ct}, body: body})
	resp, b := ts.do(t, req{method: "GET", path: "/api/v1/tickets/1/attachments/1", token: reporterToken})
	if resp.StatusCode != 200 || string(b) != "contenu" {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	want := map[string]string{
		"Content-Type":            "text/plain; charset=utf-8",
		"Content-Disposition":     `attachment; filename="rapport d'_t_ _final_.txt"; filename*=UTF-8''rapport%20d%27%C3%A9t%C3%A9%20_final_.txt`,
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; sandbox",
		"Cache-Control":           "private, no-store",
		"Content-Length":          "7",
	}
	got := map[string]string{}
	for k := range want {
		got[k] = resp.Header.Get(k)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	for _, path := range []string{"/api/v1/tickets/1/attachments/2", "/api/v1/tickets/1/attachments/x", "/api/v1/tickets/5/attachments/1"} {
		resp, b := ts.do(t, req{method: "GET", path: path, token: reporterToken})
		if p := decodeProblem(t, resp, b); p.Status != 404 {
			t.Errorf("%s: %s", path, b)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	for in, want := range map[string]string{
		"a.png":           `attachment; filename="a.png"; filename*=UTF-8''a.png`,
		"../../etc/pass":  `attachment; filename=".._.._etc_pass"; filename*=UTF-8''.._.._etc_pass`,
		"x\r\nSet-Cookie": `attachment; filename="x__Set-Cookie"; filename*=UTF-8''x__Set-Cookie`,
		"":                `attachment; filename="file"; filename*=UTF-8''file`,
	} {
		if got := contentDisposition(in); got != want {
			t.Errorf("%q: got %s", in, got)
		}
	}
}

func TestMeEstablishmentsUsers(t *testing.T) {
	ts := newTestServer(t, nil)
	resp, body := ts.do(t, req{method: "GET", path: "/api/v1/me", token: reporterToken})
	var u support.User
	if json.Unmarshal(body, &u); resp.StatusCode != 200 || u.Email != reporterUser.Email {
		t.Errorf("me: %d %s", resp.StatusCode, body)
	}
	resp, body = ts.do(t, req{method: "GET", path: "/api/v1/establishments?q=pilat&limit=5", token: reporterToken})
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), `{"establishments":[{"uai":"0420001Y"`) {
		t.Errorf("search: %d %s", resp.StatusCode, body)
	}
	resp, body = ts.do(t, req{method: "GET", path: "/api/v1/establishments?q=zzz", token: reporterToken})
	if strings.TrimSpace(string(body)) != `{"establishments":[]}` {
		t.Errorf("empty search: %s", body)
	}
	resp, body = ts.do(t, req{method: "GET", path: "/api/v1/establishments?limit=x", token: reporterToken})
	if p := decodeProblem(t, resp, body); p.Status != 400 || p.Errors[0].Rule != "limit" {
		t.Errorf("bad limit: %s", body)
	}

	resp, body = ts.do(t, req{method: "POST", path: "/api/v1/establishments", token: adminToken, header: jsonCT,
		body: strings.NewReader(`{"uai":"0420003A","name":"École","city":"Firminy"}`)})
	if resp.StatusCode != 201 || !strings.Contains(string(body), `"uai":"0420003A"`) {
		t.Errorf("add establishment: %d %s", resp.StatusCode, body)
	}
	resp, body = ts.do(t, req{method: "POST", path: "/api/v1/establishments/import", token: adminToken,
		header: map[string]string{"Content-Type": "text/csv; charset=utf-8"}, body: strings.NewReader("uai;name\n0420001Y;A\n123;B\n")})
	var rep support.ImportReport
	if json.Unmarshal(body, &rep); resp.StatusCode != 200 || rep.Added != 1 || rep.Refused != 1 {
		t.Errorf("import: %d %s", resp.StatusCode, body)
	}
	resp, body = ts.do(t, req{method: "POST", path: "/api/v1/establishments/import", token: adminToken, header: jsonCT, body: strings.NewReader("{}")})
	if p := decodeProblem(t, resp, body); p.Status != 415 {
		t.Errorf("import as JSON: %s", body)
	}

	resp, body = ts.do(t, req{method: "POST", path: "/api/v1/users", token: adminToken, header: jsonCT,
		body: strings.NewReader(`{"name":"Paul Durand","email":"paul@ac-lyon.fr","role":"reporter","function":"adjoint","uais":["0420001Y"]}`)})
	var cu struct {
		User  support.User `json:"user"`
		Token string       `json:"token"`
	}
	if json.Unmarshal(body, &cu); resp.StatusCode != 201 || cu.Token != "ents_faketoken" || cu.User.ID != 2 {
		t.Errorf("create user: %d %s", resp.StatusCode, body)
	}
	resp, body = ts.do(t, req{method: "POST", path: "/api/v1/users", token: adminToken, header: jsonCT, body: strings.NewReader(`{"name":"P","role":"boss"}`)})
	if p := decodeProblem(t, resp, body); p.Status != 400 || p.Errors[0].Field != "role" {
		t.Errorf("bad user: %s", body)
	}
}

// Every code answers its status; internal errors keep their text in the
// log; Retry-After travels.
func TestErrorStatuses(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, tc := range []struct {
		err    error
		status int
	}{
		{support.Errorf(support.EINVALID, "error.invalid_fields", nil), 400},
		{support.Errorf(support.EINVALID, "error.idempotency_mismatch", nil), 422},
		{support.Errorf(support.EUNAUTHENTICATED, "error.bad_token", nil), 401},
		{support.Errorf(support.EFORBIDDEN, "error.forbidden", nil), 403},
		{support.Errorf(support.ENOTFOUND, "error.ticket_not_found", map[string]string{"number": "1"}), 404},
		{support.Errorf(support.ECONFLICT, "error.email_taken", nil), 409},
		{support.Errorf(support.ETOOLARGE, "error.too_large", nil), 413},
		{&support.Error{Code: support.ERATELIMITED, RetryAfter: 7}, 429},
		{&support.Error{Code: support.EUNAVAILABLE, Key: "error.storage_unavailable", RetryAfter: 30}, 503},
		{fmt.Errorf("database is locked: /srv/secret/path.db"), 500},
	} {
		ts.fake.Fail["Me"] = tc.err
		resp, body := ts.do(t, req{method: "GET", path: "/api/v1/me", token: reporterToken})
		p := decodeProblem(t, resp, body)
		if p.Status != tc.status || p.Code != support.ErrorCode(tc.err) {
			t.Errorf("%v: %d %s", tc.err, p.Status, p.Code)
		}
		if e := support.AsError(tc.err); e.RetryAfter > 0 && resp.Header.Get("Retry-After") != fmt.Sprint(e.RetryAfter) {
			t.Errorf("%v: Retry-After = %q", tc.err, resp.Header.Get("Retry-After"))
		}
		if strings.Contains(string(body), "secret") {
			t.Errorf("internal error leaked: %s", body)
		}
	}
	if !strings.Contains(ts.logs.String(), "database is locked") {
		t.Errorf("internal error not logged:\n%s", ts.logs)
	}
}

func TestPanicsBecomeProblems(t *testing.T) {
	ts := newTestServer(t, func(c *ServerConfig) { c.Tickets = panicky{c.Tickets} })
	resp, body := ts.do(t, req{method: "GET", path: "/api/v1/info"})
	if p := decodeProblem(t, resp, body); p.Status != 500 {
		t.Errorf("%s", body)
	}
}

type panicky struct{ support.TicketService }

func (panicky) Info(context.Context) (*support.ServerInfo, error) { panic("boom") }

func TestStatusTableBothWays(t *testing.T) {
	for _, row := range codeStatus {
		if got := statusOf(&support.Error{Code: row.Code, Key: row.Key}); row.Key != "" && got != row.Status {
			t.Errorf("%s/%s -> %d, want %d", row.Code, row.Key, got, row.Status)
		}
		if got := codeOf(row.Status); got != row.Code {
			t.Errorf("%d -> %s, want %s", row.Status, got, row.Code)
		}
	}
	for _, code := range []string{support.EINVALID, support.EUNAUTHENTICATED, support.EFORBIDDEN, support.ENOTFOUND,
		support.ECONFLICT, support.ETOOLARGE, support.EUNAVAILABLE, support.ERATELIMITED, support.EINTERNAL} {
		if got := codeOf(statusOf(&support.Error{Code: code})); got != code {
			t.Errorf("%s does not survive the trip: %s", code, got)
		}
	}
}

// The url of a ticket read is on the public address when one is set,
// else on the address the request came to, https when it came over TLS.
func TestTicketPageBase(t *testing.T) {
	for _, tt := range []struct {
		public string
		tls    bool
		want   string
	}{
		{"https://support.example.fr/", false, "https://support.example.fr"},
		{"", false, "http://10.0.0.7:8080"},
		{"", true, "https://10.0.0.7:8080"},
	} {
		r := httptest.NewRequest("GET", "http://10.0.0.7:8080/api/v1/tickets/1", nil)
		if tt.tls {
			r.TLS = &tls.ConnectionState{}
		}
		s := &server{cfg: ServerConfig{PublicURL: tt.public}}
		if got := s.publicBase(r); got != tt.want {
			t.Errorf("public %q, TLS %v: %q, want %q", tt.public, tt.tls, got, tt.want)
		}
	}
}
