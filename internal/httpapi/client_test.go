package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ent-support/ent-support/internal/support"
)

func newClient(t testing.TB, url, token, lang string) *Client {
	t.Helper()
	c, err := NewClient(ClientConfig{BaseURL: url, Token: token, Lang: lang, UserAgent: "ent-support/test", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func asSupportError(t testing.TB, err error) *support.Error {
	t.Helper()
	var e *support.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not a *support.Error", err, err)
	}
	return e
}

// memUpload is an upload whose opens are counted.
func memUpload(name string, b []byte, opens *atomic.Int32) support.Upload {
	return support.Upload{Name: name, Size: int64(len(b)), Open: func() (io.ReadCloser, error) {
		if opens != nil {
			opens.Add(1)
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}

func TestClientRoundTrips(t *testing.T) {
	ts := newTestServer(t, nil)
	c := newClient(t, ts.URL+"/", reporterToken, "fr")
	admin := newClient(t, ts.URL, adminToken, "en")
	ctx := context.Background()

	info, err := c.Info(ctx)
	if err != nil || info.Prefix != "CG42N1" || info.Limits != support.DefaultLimits() {
		t.Fatalf("Info: %+v %v", info, err)
	}
	me, err := c.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(reporterUser, me); diff != "" {
		t.Errorf("Me (-want +got):\n%s", diff)
	}

	created, err := c.CreateTicket(ctx, validInput(), support.CreateOptions{IdempotencyKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetTicket(ctx, support.Number{Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("GetTicket (-created +got):\n%s", diff)
	}
	if lastOpts(ts.fake).IdempotencyKey != "k1" {
		t.Errorf("key %q", lastOpts(ts.fake).IdempotencyKey)
	}
	// Without a key, one is made per call.
	if _, err := c.CreateTicket(ctx, validInput(), support.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if k := lastOpts(ts.fake).IdempotencyKey; len(k) != 32 {
		t.Errorf("generated key %q", k)
	}

	var opens atomic.Int32
	content := []byte("une trace du problème\n")
	withFile, err := c.CreateTicket(ctx, validInput(), support.CreateOptions{Attachments: []support.Upload{memUpload("trace.log", content, &opens)}})
	if err != nil {
		t.Fatal(err)
	}
	if opens.Load() != 1 || len(withFile.Attachments) != 1 {
		t.Fatalf("opens %d, attachments %+v", opens.Load(), withFile.Attachments)
	}
	a, rc, err := c.OpenAttachment(ctx, withFile.Number, withFile.Attachments[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	want := withFile.Attachments[0]
	if diff := cmp.Diff(want, *a, cmpopts.IgnoreFields(support.Attachment{}, "CreatedAt")); diff != "" || !bytes.Equal(b, content) {
		t.Errorf("OpenAttachment (-want +got):\n%s\ncontent %q", diff, b)
	}

	page, err := c.ListTickets(ctx, support.TicketFilter{Status: []support.Status{support.StatusNew}, Priority: support.Priorities,
		UAI: "0420001Y", Mine: true, Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Limit: 1, Sort: "priority", Cursor: "c"})
	if err != nil || len(page.Tickets) != 1 || page.NextCursor == "" {
		t.Errorf("ListTickets: %+v %v", page, err)
	}
	es, err := c.SearchEstablishments(ctx, "lycée", 10)
	if err != nil || len(es) != 1 || es[0] != directory[1] {
		t.Errorf("SearchEstablishments: %+v %v", es, err)
	}

	u, token, err := admin.CreateUser(ctx, support.UserInput{Name: "Paul Durand", Email: "paul@ac-lyon.fr", Role: support.RoleReporter,
		Function: support.Adjoint, UAIs: []string{"0420001Y"}})
	if err != nil || token != "ents_faketoken" || u.Establishments[0].Function != support.Adjoint {
		t.Errorf("CreateUser: %+v %q %v", u, token, err)
	}
	e, err := admin.AddEstablishment(ctx, directory[0])
	if err != nil || *e != directory[0] {
		t.Errorf("AddEstablishment: %+v %v", e, err)
	}
	rep, err := admin.ImportEstablishments(ctx, strings.NewReader("uai;nom\n0420001Y;A\n0420001A;B\n"))
	if err != nil {
		t.Fatal(err)
	}
	wantRep := &support.ImportReport{Added: 1, Refused: 1, Lines: []support.ImportLine{{Line: 2, UAI: "0420001Y", Result: "added"},
		{Line: 3, UAI: "0420001A", Result: "refused", Error: &support.FieldError{Field: "establishment.uai", Rule: "uai_key", Params: map[string]string{"expected": "0420001Y"}}}}}
	if diff := cmp.Diff(wantRep, rep); diff != "" {
		t.Errorf("ImportEstablishments (-want +got):\n%s", diff)
	}
}

func TestClientErrorMapping(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := context.Background()
	c := newClient(t, ts.URL, reporterToken, "en")
	bad := validInput()
	bad.Reporter.Phone = "123"
	_, err := c.CreateTicket(ctx, bad, support.CreateOptions{})
	want := &support.Error{Code: support.EINVALID, Message: "Some fields are invalid.", Fields: []support.FieldError{{Field: "reporter.phone", Rule: "phone",
		Message: "Phone number (reporter.phone): must be a French number: 10 digits starting with 0 (06 39 98 12 34) or +33 and 9 digits (+33 6 39 98 12 34)"}}}
	if diff := cmp.Diff(want, asSupportError(t, err)); diff != "" {
		t.Errorf("invalid (-want +got):\n%s", diff)
	}

	_, err = newClient(t, ts.URL, reporterToken, "fr").GetTicket(ctx, support.Number{Prefix: "CG42N1", Seq: 9})
	if e := asSupportError(t, err); e.Code != support.ENOTFOUND || e.Message != "Le ticket CG42N1-9 est introuvable." {
		t.Errorf("not found: %+v", e)
	}
	_, err = newClient(t, ts.URL, "ents_nope", "en").Me(ctx)
	if e := asSupportError(t, err); e.Code != support.EUNAUTHENTICATED || e.Message != "Invalid, expired or revoked token." {
		t.Errorf("bad token: %+v", e)
	}
	_, err = c.Audit(ctx, support.AuditFilter{})
	if e := asSupportError(t, err); e.Code != support.EFORBIDDEN {
		t.Errorf("reporter reading the audit log: %+v", e)
	}
	ts.fake.Fail["CreateTicket"] = support.Errorf(support.EINVALID, "error.idempotency_mismatch", nil)
	_, err = c.CreateTicket(ctx, validInput(), support.CreateOptions{IdempotencyKey: "reused"})
	if e := asSupportError(t, err); e.Code != support.EINVALID || !strings.Contains(e.Message, "idempotency key") {
		t.Errorf("mismatch: %+v", e)
	}
	ts.fake.Fail["CreateTicket"] = support.Errorf(support.ETOOLARGE, "error.too_large", nil)
	_, err = c.CreateTicket(ctx, validInput(), support.CreateOptions{Attachments: []support.Upload{memUpload("a.txt", []byte("x"), nil)}})
	if e := asSupportError(t, err); e.Code != support.ETOOLARGE {
		t.Errorf("too large: %+v", e)
	}
	_, _, err = c.OpenAttachment(ctx, support.Number{Seq: 5}, 1)
	if e := asSupportError(t, err); e.Code != support.ENOTFOUND {
		t.Errorf("attachment: %+v", e)
	}
	// A local file that cannot be read is the caller's problem, not retried.
	_, err = c.CreateTicket(ctx, validInput(), support.CreateOptions{Attachments: []support.Upload{{Name: "gone.png", Size: 3,
		Open: func() (io.ReadCloser, error) { return nil, os.ErrNotExist }}}})
	if e := asSupportError(t, err); e.Code != support.EINVALID || e.Fields[0].Rule != support.RuleFileUnreadable {
		t.Errorf("unreadable: %+v", e)
	}
}

func TestClientRetriesUnavailableThenSucceeds(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.fake.Fail["Info"] = &support.Error{Code: support.EUNAVAILABLE, RetryAfter: 1}
	ts.fake.FailN["Info"] = 2
	start := time.Now()
	if _, err := newClient(t, ts.URL, "", "en").Info(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := ts.fake.Count("Info"); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("Retry-After not honoured: done in %v", d)
	}
}

func TestClientRetriesCreateWithTheSameKey(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.fake.Fail["CreateTicket"] = &support.Error{Code: support.EUNAVAILABLE}
	ts.fake.FailN["CreateTicket"] = 1
	var opens atomic.Int32
	c := newClient(t, ts.URL, reporterToken, "en")
	tk, err := c.CreateTicket(context.Background(), validInput(), support.CreateOptions{
		Attachments: []support.Upload{memUpload("a.txt", []byte("contenu"), &opens)}})
	if err != nil {
		t.Fatal(err)
	}
	if ts.fake.Count("CreateTicket") != 2 || opens.Load() != 2 || len(tk.Attachments) != 1 {
		t.Errorf("calls %d, opens %d, ticket %+v", ts.fake.Count("CreateTicket"), opens.Load(), tk)
	}
	if string(ts.fake.Received["a.txt"]) != "contenu" {
		t.Errorf("a retried upload arrived as %q", ts.fake.Received["a.txt"])
	}
}

func TestClientDoesNotRetryOtherErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, code := range []string{support.EINVALID, support.EFORBIDDEN, support.EINTERNAL} {
		ts.fake.Fail["Me"] = support.Errorf(code, "", nil)
		before := ts.fake.Count("Me")
		_, err := newClient(t, ts.URL, reporterToken, "en").Me(context.Background())
		if asSupportError(t, err).Code != code || ts.fake.Count("Me")-before != 1 {
			t.Errorf("%s: %v after %d calls", code, err, ts.fake.Count("Me")-before)
		}
	}
}

func TestClientUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + l.Addr().String()
	l.Close()
	c := newClient(t, addr, reporterToken, "fr")
	_, err = c.Me(context.Background())
	want := &support.Error{Code: support.EUNAVAILABLE, Key: "error.unreachable", Params: map[string]string{"server": addr}}
	if diff := cmp.Diff(want, asSupportError(t, err)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	_, err = c.CreateTicket(context.Background(), validInput(), support.CreateOptions{Attachments: []support.Upload{memUpload("a", []byte("b"), nil)}})
	if diff := cmp.Diff(want, asSupportError(t, err)); diff != "" {
		t.Errorf("upload (-want +got):\n%s", diff)
	}
}

func TestClientBadResponse(t *testing.T) {
	// Something that is not an ent-support server: HTML on every path.
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/api/v1/me" {
			w.WriteHeader(http.StatusBadGateway)
		}
		io.WriteString(w, "<html>hello</html>")
	}))
	defer html.Close()
	c := newClient(t, html.URL, reporterToken, "fr")
	_, err := c.Info(context.Background())
	want := &support.Error{Code: support.EINTERNAL, Key: "error.bad_response", Params: map[string]string{"server": html.URL, "status": "200"}}
	if diff := cmp.Diff(want, asSupportError(t, err)); diff != "" {
		t.Errorf("HTML 200 (-want +got):\n%s", diff)
	}
	_, err = c.Me(context.Background()) // a proxy's 502, retried, then given up
	want = &support.Error{Code: support.EUNAVAILABLE, Key: "error.bad_response", Params: map[string]string{"server": html.URL, "status": "502"}}
	if diff := cmp.Diff(want, asSupportError(t, err)); diff != "" {
		t.Errorf("HTML 502 (-want +got):\n%s", diff)
	}
	if _, err := NewClient(ClientConfig{BaseURL: "ftp://x"}); asSupportError(t, err).Key != "error.bad_server_url" {
		t.Errorf("bad URL: %v", err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, []byte("not a certificate"), 0o600)
	if _, err := NewClient(ClientConfig{BaseURL: "https://x", CAFile: ca}); asSupportError(t, err).Key != "error.bad_ca_file" {
		t.Errorf("bad CA: %v", err)
	}
}

// writeRandomFile writes size random bytes and returns the path and sha256.
func writeRandomFile(t testing.TB, size int64) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "big.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), rand.Reader, size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, hex.EncodeToString(h.Sum(nil))
}

func fileUpload(path string, size int64) support.Upload {
	return support.Upload{Name: filepath.Base(path), Size: size, Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// uploadAllocs sends a file of size bytes and returns what the process
// allocated meanwhile (client and in-process server together).
func uploadAllocs(t *testing.T, ts *testServer, size int64) uint64 {
	t.Helper()
	path, sum := writeRandomFile(t, size)
	c := newClient(t, ts.URL, reporterToken, "en")
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := c.CreateTicket(context.Background(), validInput(), support.CreateOptions{Attachments: []support.Upload{fileUpload(path, size)}}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got := ts.fake.Hashes["big.bin"]; got != sum {
		t.Fatalf("%d bytes arrived with sha256 %s, want %s", size, got, sum)
	}
	return after.TotalAlloc - before.TotalAlloc
}

// A large file arrives intact, and memory does not grow with its size.
func TestClientStreamsLargeUploads(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 22 MiB")
	}
	ts := newTestServer(t, func(c *ServerConfig) {
		c.Limits = support.Limits{MaxFileSize: 32 << 20, MaxTicketSize: 32 << 20, MaxFiles: 1}
	})
	ts.fake.HashOnly = true
	small := uploadAllocs(t, ts, 2<<20)
	large := uploadAllocs(t, ts, 20<<20)
	t.Logf("allocated: %d KiB for 2 MiB, %d KiB for 20 MiB", small>>10, large>>10)
	// Buffering the file would allocate at least its size; streaming
	// allocates about the same whatever the size.
	if large > small+8<<20 {
		t.Errorf("allocations grow with the file: %d KiB for 2 MiB, %d KiB for 20 MiB", small>>10, large>>10)
	}
}

// A file over the server's limit comes back as ETOOLARGE with its field
// error, not as a broken connection, although the server stops reading.
func TestClientUploadOverLimit(t *testing.T) {
	ts := newTestServer(t, func(c *ServerConfig) {
		c.Limits = support.Limits{MaxFileSize: 1 << 20, MaxTicketSize: 2 << 20, MaxFiles: 2}
	})
	path, _ := writeRandomFile(t, 16<<20)
	c := newClient(t, ts.URL, reporterToken, "fr")
	_, err := c.CreateTicket(context.Background(), validInput(), support.CreateOptions{Attachments: []support.Upload{fileUpload(path, 16<<20)}})
	want := []support.FieldError{{Field: "attachments", Rule: "file_size",
		Params:  map[string]string{"name": "big.bin", "size": "1048577", "size_known": "false", "max": "1048576"},
		Message: "Capture d'écran et/ou pièce jointe (attachments) : le fichier « big.bin » fait plus de 1 Mio, au-delà de la limite de 1 Mio par fichier"}}
	e := asSupportError(t, err)
	if diff := cmp.Diff(want, e.Fields); e.Code != support.ETOOLARGE || diff != "" {
		t.Errorf("code %s, fields (-want +got):\n%s", e.Code, diff)
	}
	assertNoTempFiles(t, ts.tmp)
}

// 408 means the server gave up waiting for us: asking again is right.
func TestClientRetriesRequestTimeout(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusRequestTimeout)
			io.WriteString(w, `{"type":"about:blank","title":"Request Timeout","status":408}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"prefix":"CG42N1","limits":{"max_file_size":1,"max_ticket_size":1,"max_files":1},"open_directory":false,"version":"x"}`)
	}))
	defer srv.Close()
	info, err := newClient(t, srv.URL, "", "en").Info(context.Background())
	if err != nil || info.Prefix != "CG42N1" || calls.Load() != 2 {
		t.Errorf("info %+v, err %v, after %d calls; want a success on the second", info, err, calls.Load())
	}
}

// TestPostMailRetrySendsTheWholeMessage: the message goes as a reader (no
// copies of a 5 MiB body), so a retry after a busy answer must send it
// from its beginning again, with its length.
func TestPostMailRetrySendsTheWholeMessage(t *testing.T) {
	msg := bytes.Repeat([]byte("From: a@example.fr\r\nSubject: x\r\n\r\nbody\r\n"), 50_000)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, err := io.ReadAll(r.Body)
		if n := calls.Add(1); n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if err != nil || !bytes.Equal(got, msg) || r.ContentLength != int64(len(msg)) {
			t.Errorf("attempt %d: %d bytes (Content-Length %d), want %d: %v", calls.Load(), len(got), r.ContentLength, len(msg), err)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"result":"ticket","number":"CG42N1-1"}`)
	}))
	defer srv.Close()
	res, err := newClient(t, srv.URL, "gate-token", "fr").PostMail(context.Background(), msg)
	if err != nil || res.Number != "CG42N1-1" || calls.Load() != 2 {
		t.Fatalf("result %+v, %v after %d calls", res, err, calls.Load())
	}
}
