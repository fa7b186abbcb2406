package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/filecheck"
	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/notify"
	"github.com/ent-support/ent-support/internal/support"
)

// syncBuffer is a log destination shared by the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// secFixture is a real server on a real SQLite file, logging everything
// (debug level) to a buffer, with two establishments: a reporter in each,
// an agent, and the tokens each was given.
type secFixture struct {
	s      *Server
	db     string // the SQLite file
	tmp    string // the server's upload spool
	log    *syncBuffer
	tokens map[string]string // who → token, every token issued
	url    string
}

const (
	uaiA = "0421234N"
	uaiB = "0750001U"
)

func newSecFixture(t *testing.T, o Options) *secFixture {
	t.Helper()
	dir := t.TempDir()
	f := &secFixture{db: filepath.Join(dir, "server.db"), tmp: filepath.Join(dir, "spool"), log: &syncBuffer{},
		tokens: map[string]string{"admin": benchAdmin}}
	if err := os.Mkdir(f.tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	o.Database, o.TempDir, o.BootstrapToken, o.OpenDirectory, o.Prefix = "sqlite:"+f.db, f.tmp, benchAdmin, true, "CG42N1"
	o.Logger = slog.New(slog.NewJSONHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.s = start(t, o)
	f.url = f.s.URL()
	for who, in := range map[string]support.UserInput{
		"reporterA": {Name: "Marie Curie", Email: "marie.curie@example.org", Role: support.RoleReporter,
			Function: support.ChefEtablissement, UAIs: []string{uaiA}},
		"reporterB": {Name: "Paul Autre", Email: "paul.autre@example.org", Role: support.RoleReporter,
			Function: support.ChefEtablissement, UAIs: []string{uaiB}},
		"agent": {Name: "Claire Martin", Email: "claire.martin@support.example.org", Role: support.RoleAgent},
	} {
		_, token, err := f.client(t, "admin").CreateUser(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[who] = token
	}
	return f
}

func (f *secFixture) client(t *testing.T, who string) *httpapi.Client {
	t.Helper()
	c, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: f.url, Token: f.tokens[who]})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// do sends one raw request as who ("" = no token) and reads the answer.
func (f *secFixture) do(t *testing.T, who, method, path, contentType string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[who])
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// upload creates a ticket as who with files sent under the given names,
// each part's Content-Disposition written by hand, so that names no
// browser would send (CR, LF, ../) reach the server as they are.
func (f *secFixture) upload(t *testing.T, who string, in support.TicketInput, rawNames ...string) (*http.Response, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	tj, _ := json.Marshal(in)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="ticket"`)
	h.Set("Content-Type", "application/json")
	p, _ := mw.CreatePart(h)
	p.Write(tj)
	for _, cd := range rawNames {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="attachments"; `+cd)
		h.Set("Content-Type", "image/png")
		p, _ := mw.CreatePart(h)
		p.Write(pngBytes(2048))
	}
	mw.Close()
	return f.do(t, who, "POST", "/api/v1/tickets", mw.FormDataContentType(), &body)
}

// An attachment is sent as a download, never rendered, under a name that
// cannot climb out of a folder nor break the header: ../, backslashes,
// quotes, CR/LF (only sendable in RFC 2231 form), a leading dot and
// non-ASCII letters.
func TestDownloadHeadersAndNames(t *testing.T) {
	f := newSecFixture(t, Options{})
	cases := []struct{ raw, sent string }{
		{`filename="../../../../etc/passwd.png"`, "../../../../etc/passwd.png"},
		{`filename="..\\..\\Windows\\win.ini.png"`, `..\..\Windows\win.ini.png`},
		{`filename="say \"cheese\".png"`, `say "cheese".png`},
		{`filename*=UTF-8''x%0D%0ASet-Cookie%3A%20a%3Db%0D%0A.png`, "x\r\nSet-Cookie: a=b\r\n.png"},
		{`filename*=UTF-8''%C3%A9valuation%205%E1%B5%89%20%E2%80%93%20capture.png`, "évaluation 5ᵉ – capture.png"},
		{`filename=".bashrc.png"`, ".bashrc.png"},
	}
	var raws []string
	for _, c := range cases {
		raws = append(raws, c.raw)
	}
	resp, b := f.upload(t, "reporterA", benchTicket(1), raws...)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	var tk support.Ticket
	if err := json.Unmarshal(b, &tk); err != nil {
		t.Fatal(err)
	}
	if len(tk.Attachments) != len(cases) {
		t.Fatalf("%d attachments, want %d", len(tk.Attachments), len(cases))
	}
	for i, c := range cases {
		a := tk.Attachments[i]
		want := filecheck.SanitizeName(c.sent)
		if a.Name != want {
			t.Errorf("%q stored as %q, want %q", c.sent, a.Name, want)
		}
		if strings.ContainsAny(a.Name, "/\\\r\n\"") || strings.HasPrefix(a.Name, ".") {
			t.Errorf("%q stored as %q: unsafe", c.sent, a.Name)
		}
		resp, body := f.do(t, "reporterA", "GET", fmt.Sprintf("/api/v1/tickets/%s/attachments/%d", tk.Number, a.ID), "", nil)
		if resp.StatusCode != 200 || !bytes.Equal(body, pngBytes(2048)) {
			t.Errorf("%q: download %d, %d bytes", a.Name, resp.StatusCode, len(body))
			continue
		}
		h := resp.Header
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox",
			"Cache-Control": "private, no-store", "Content-Type": "image/png"} {
			if h.Get(k) != v {
				t.Errorf("%q: %s = %q, want %q", a.Name, k, h.Get(k), v)
			}
		}
		cd := h.Get("Content-Disposition")
		if strings.ContainsAny(cd, "\r\n") || !strings.HasPrefix(cd, "attachment; ") {
			t.Errorf("%q: Content-Disposition %q", a.Name, cd)
		}
		// The ASCII fallback is one quoted string with nothing to escape.
		if m := regexp.MustCompile(`filename="([^"\\]*)"; filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_` + "`" + `|~%]+)$`).FindStringSubmatch(cd); m == nil {
			t.Errorf("%q: Content-Disposition %q is not filename=\"ascii\"; filename*=UTF-8''…", a.Name, cd)
		}
		disp, params, err := mime.ParseMediaType(cd)
		if err != nil || disp != "attachment" || params["filename"] != a.Name {
			t.Errorf("%q: Content-Disposition %q reads back as %q %v (%v)", a.Name, cd, disp, params, err)
		}
	}
	// Nothing was written outside the spool, and the spool is empty again.
	if left, _ := os.ReadDir(f.tmp); len(left) != 0 {
		t.Errorf("spool not emptied: %v", left)
	}
	siblings, _ := os.ReadDir(filepath.Dir(f.tmp))
	for _, e := range siblings {
		if n := e.Name(); n != "spool" && !strings.HasPrefix(n, "server.db") {
			t.Errorf("unexpected file %s beside the database", n)
		}
	}
}

// A reporter of another establishment who enumerates ticket numbers and
// attachment IDs learns nothing: every route answers 404 with the same
// body whether the ticket exists (and is someone else's) or not, and
// likewise for attachment IDs of other tickets.
func TestIDOREnumeration(t *testing.T) {
	f := newSecFixture(t, Options{})
	ctx := context.Background()
	a, b := f.client(t, "reporterA"), f.client(t, "reporterB")
	for i := range 3 { // A's tickets 1..3, each with a file
		if resp, body := f.upload(t, "reporterA", benchTicket(i), `filename="capture.png"`); resp.StatusCode != 201 {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
	}
	inB := benchTicket(9)
	inB.Establishment = support.Establishment{UAI: uaiB, Name: "Lycée Paul Autre", City: "Paris"}
	inB.Reporter.Email = "paul.autre@example.org"
	resp, body := f.upload(t, "reporterB", inB, `filename="mine.png"`)
	if resp.StatusCode != 201 {
		t.Fatalf("B's create: %d %s", resp.StatusCode, body)
	}
	var own support.Ticket
	json.Unmarshal(body, &own) // CG42N1-4, attachment 4
	if _, err := a.GetTicket(ctx, own.Number); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("A reads B's ticket: %v", err)
	}

	number := regexp.MustCompile(`CG42N1-\d+|\b\d+\b`)
	type probe struct{ method, path, ct, body string }
	routes := func(n int) []probe {
		return []probe{
			{"GET", fmt.Sprintf("/api/v1/tickets/%d", n), "", ""},
			{"GET", fmt.Sprintf("/api/v1/tickets/CG42N1-%d", n), "", ""},
			{"GET", fmt.Sprintf("/api/v1/tickets/%d/events", n), "", ""},
			{"POST", fmt.Sprintf("/api/v1/tickets/%d/comments", n), "application/json", `{"body":"Bonjour"}`},
			{"POST", fmt.Sprintf("/api/v1/tickets/%d/reopen", n), "application/json", `{"message":"Encore"}`},
			{"POST", fmt.Sprintf("/api/v1/tickets/%d/status", n), "application/json", `{"status":"en_cours"}`},
			{"GET", fmt.Sprintf("/api/v1/tickets/%d/attachments/%d", n, n), "", ""},
			{"GET", fmt.Sprintf("/api/v1/tickets/%d/attachments/1", n), "", ""},
		}
	}
	// Tickets 1..3 are A's, 5..8 do not exist: B gets the same answers.
	first := map[int]string{}
	for _, n := range []int{1, 2, 3, 5, 6, 7, 8, 1000} {
		for i, p := range routes(n) {
			resp, body := f.do(t, "reporterB", p.method, p.path, p.ct, strings.NewReader(p.body))
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("B %s %s: %d %s", p.method, p.path, resp.StatusCode, body)
				continue
			}
			norm := number.ReplaceAllString(string(body), "N")
			if prev, ok := first[i]; !ok {
				first[i] = norm
			} else if norm != prev {
				t.Errorf("B %s %s: body differs from another number's:\n%s\n%s", p.method, p.path, norm, prev)
			}
		}
	}
	// B enumerates attachment IDs on their own ticket: A's files (1..3)
	// answer exactly as IDs that never existed.
	var bodies []string
	for _, id := range []int{1, 2, 3, 5, 99, 123456} {
		resp, body := f.do(t, "reporterB", "GET", fmt.Sprintf("/api/v1/tickets/%s/attachments/%d", own.Number, id), "", nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("B's ticket, attachment %d: %d %s", id, resp.StatusCode, body)
		}
		bodies = append(bodies, string(body))
	}
	for _, body := range bodies[1:] {
		if body != bodies[0] {
			t.Errorf("attachment answers differ:\n%s\n%s", body, bodies[0])
		}
	}
	// Listing by A's UAI shows B nothing of A's.
	page, err := b.ListTickets(ctx, support.TicketFilter{UAI: uaiA})
	if err != nil || len(page.Tickets) != 0 {
		t.Errorf("B lists A's UAI: %v, %v", page, err)
	}
	page, err = b.ListTickets(ctx, support.TicketFilter{})
	if err != nil || len(page.Tickets) != 1 || page.Tickets[0].Number != own.Number {
		t.Errorf("B's list: %+v, %v", page, err)
	}
}

// After real traffic (users made, tickets and files created, comments,
// bad tokens, rate-limited requests), no token issued or tried appears
// in the database file, its WAL or the server's log, at debug level.
func TestTokensNeverStored(t *testing.T) {
	f := newSecFixture(t, Options{RateLimits: httpapi.RateLimits{AuthFailures: support.RateLimit{N: 3, Per: time.Hour}}})
	ctx := context.Background()
	for i := range 3 {
		if resp, body := f.upload(t, "reporterA", benchTicket(i), `filename="capture.png"`); resp.StatusCode != 201 {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
	}
	if _, err := f.client(t, "agent").AddComment(ctx, support.Number{Prefix: "CG42N1", Seq: 1}, "Videz le cache.", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client(t, "reporterB").GetTicket(ctx, support.Number{Prefix: "CG42N1", Seq: 1}); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("B reads A's ticket: %v", err)
	}
	bad := []string{"ents_wrong-guess-number-one-0123456789", "ents_wrong-guess-number-two-0123456789",
		"ents_wrong-guess-number-three-012345678", "ents_wrong-guess-number-four-0123456789"}
	statuses := []int{}
	for _, tok := range bad {
		f.tokens["bad"] = tok
		resp, _ := f.do(t, "bad", "GET", "/api/v1/me", "", nil)
		statuses = append(statuses, resp.StatusCode)
	}
	if fmt.Sprint(statuses) != "[401 401 401 429]" {
		t.Errorf("bad tokens answered %v, want [401 401 401 429]", statuses)
	}
	// The audit log has the bad tokens checked (one entry counting them),
	// and the lockout once; the request refused unchecked adds nothing.
	// (Read through the service: this address is locked out now.)
	admin, err := f.s.Service.Authenticate(ctx, benchAdmin)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := f.s.Service.Audit(support.WithUser(ctx, admin), support.AuditFilter{Action: support.AuditDenied})
	if err != nil {
		t.Fatal(err)
	}
	var denied []string
	for _, e := range audit {
		if e.Target == "GET /api/v1/me" {
			denied = append(denied, fmt.Sprintf("%s ×%d", e.Detail, e.Count))
		}
	}
	sort.Strings(denied)
	if fmt.Sprint(denied) != "[bad token ×3 bad tokens over the limit (3/1h): address locked out true, token prefix locked out true ×1]" {
		t.Errorf("audit of /api/v1/me: %q", denied)
	}
	wal, err := os.ReadFile(f.db + "-wal")
	if err != nil {
		t.Fatalf("the WAL: %v", err)
	}
	db, err := os.ReadFile(f.db)
	if err != nil {
		t.Fatal(err)
	}
	logs := f.log.Bytes()
	if !bytes.Contains(logs, []byte("authentication failures over the limit")) || len(wal) == 0 {
		t.Fatalf("the traffic did not happen as planned: log %d bytes, WAL %d bytes", len(logs), len(wal))
	}
	for who, tok := range f.tokens {
		for _, where := range []struct {
			name string
			b    []byte
		}{{"database", db}, {"WAL", wal}, {"log", logs}} {
			if n := bytes.Count(where.b, []byte(tok)); n != 0 {
				t.Errorf("%s's token found %d times in the %s", who, n, where.name)
			}
			// Nor its secret part alone (the prefix is shared by all).
			if n := bytes.Count(where.b, []byte(strings.TrimPrefix(tok, support.TokenPrefix))); n != 0 {
				t.Errorf("%s's token found %d times in the %s without its prefix", who, n, where.name)
			}
		}
	}
	for _, tok := range bad {
		if bytes.Contains(db, []byte(tok)) || bytes.Contains(wal, []byte(tok)) || bytes.Contains(logs, []byte(tok)) {
			t.Errorf("the bad token %s was kept", tok)
		}
	}
}

// Hostile bodies are refused early and cheaply, each with its rule: JSON
// nested 100,000 deep, a 12 MB JSON body, invalid UTF-8 in a field; the
// server serves normally afterwards.
func TestHostileBodies(t *testing.T) {
	f := newSecFixture(t, Options{})
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	ticket, _ := json.Marshal(benchTicket(1))
	huge := `{"subject":"x","description":"` + strings.Repeat("a", 12<<20) + `"}`
	badUTF8 := bytes.Replace(ticket, []byte("Cahier"), []byte("Cahi\xe9r\xff"), 1)
	long := benchTicket(1)
	long.Subject = strings.Repeat("é", support.SubjectMax+1)
	longSubject, _ := json.Marshal(long)
	for _, tc := range []struct {
		name, path, body string
		status           int
		code, rule       string
	}{
		{"deep ticket", "/api/v1/tickets", deep, 400, support.EINVALID, support.RuleJSONDepth},
		{"deep object", "/api/v1/tickets", strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000), 400, support.EINVALID, support.RuleJSONDepth},
		{"deep comment", "/api/v1/tickets/1/comments", deep, 400, support.EINVALID, support.RuleJSONDepth},
		{"12 MB", "/api/v1/tickets", huge, 413, support.ETOOLARGE, ""},
		{"12 MB comment", "/api/v1/tickets/1/comments", huge, 413, support.ETOOLARGE, ""},
		{"invalid UTF-8", "/api/v1/tickets", string(badUTF8), 400, support.EINVALID, support.RuleUTF8},
		{"invalid UTF-8 comment", "/api/v1/tickets/1/comments", "{\"body\":\"caf\xe9\"}", 400, support.EINVALID, support.RuleUTF8},
		{"field over its size", "/api/v1/tickets", string(longSubject), 400, support.EINVALID, support.RuleLength},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.do(t, "agent", "POST", tc.path, "application/json", strings.NewReader(tc.body))
			p := decodeProblem(t, answer{resp.StatusCode, resp.Header.Get("Content-Type"), body})
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("a problem answer without nosniff")
			}
			if resp.StatusCode != tc.status || p.Code != tc.code {
				t.Fatalf("%d %s, want %d %s", resp.StatusCode, body, tc.status, tc.code)
			}
			field := "body"
			if tc.rule == support.RuleLength {
				field = "subject"
			}
			if tc.rule != "" && (len(p.Errors) != 1 || p.Errors[0].Rule != tc.rule || p.Errors[0].Field != field) {
				t.Errorf("errors %+v, want %s / %s", p.Errors, field, tc.rule)
			}
		})
	}
	// The deep body inside a multipart create too.
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	w, _ := mw.CreateFormField("ticket")
	w.Write([]byte(deep))
	mw.Close()
	resp, body := f.do(t, "agent", "POST", "/api/v1/tickets", mw.FormDataContentType(), &mp)
	if p := decodeProblem(t, answer{resp.StatusCode, resp.Header.Get("Content-Type"), body}); resp.StatusCode != 400 ||
		len(p.Errors) != 1 || p.Errors[0].Rule != support.RuleJSONDepth {
		t.Errorf("deep multipart ticket: %d %s", resp.StatusCode, body)
	}
	if resp, body := f.do(t, "agent", "GET", "/api/v1/tickets", "", nil); resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"tickets":[]`)) {
		t.Errorf("after the hostile bodies: %d %s", resp.StatusCode, body)
	}
}

// SQL and HTML metacharacters in every free-text field of a ticket, a
// comment and a status message are stored and answered intact by the
// API, and escaped on the HTML page of the signed link; fields with a
// strict shape refuse them, naming the field and the rule.
func TestMetacharactersStoredIntactEscapedInHTML(t *testing.T) {
	f := newSecFixture(t, Options{})
	ctx := context.Background()
	const evil = `'; DROP TABLE tickets;-- <script>alert(1)</script> " & <img src=x onerror=alert(2)>`
	in := benchTicket(1)
	in.Subject = "Objet " + evil
	in.Description = "Ligne 1 " + evil + "\nLigne 2 " + evil
	// A breadcrumb's ">" separates its segments: metacharacters go in a URL.
	in.Location = `https://ent.example.fr/recherche?q=';DROP%20TABLE%20tickets;--&t=<script>alert(1)</script>&u="`
	in.Establishment = support.Establishment{UAI: "0010001W", Name: "Collège " + evil, City: "Ville " + evil}
	reporter, agent := f.client(t, "reporterA"), f.client(t, "agent")
	// reporterA's establishment is 0421234N; the agent files for a school.
	tk, err := agent.CreateTicket(ctx, in, support.CreateOptions{})
	if err != nil {
		t.Fatalf("%v %+v", err, support.AsError(err).Fields)
	}
	if _, err := agent.AddComment(ctx, tk.Number, "Réponse "+evil, nil); err != nil {
		t.Fatal(err)
	}
	w, ok := any(agent).(support.WorkflowService)
	if !ok {
		t.Fatal("the client is no WorkflowService")
	}
	if _, err := w.ChangeStatus(ctx, tk.Number, support.StatusOpen, "Pris en charge "+evil); err != nil {
		t.Fatal(err)
	}
	got, err := agent.GetTicket(ctx, tk.Number)
	if err != nil {
		t.Fatal(err)
	}
	check := func(field, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	check("subject", got.Subject, in.Subject)
	check("description", got.Description, in.Description)
	check("location", got.Location, in.Location)
	check("establishment.name", got.Establishment.Name, in.Establishment.Name)
	check("establishment.city", got.Establishment.City, in.Establishment.City)
	if len(got.Comments) != 1 {
		t.Fatalf("comments %+v", got.Comments)
	}
	check("comment", got.Comments[0].Body, "Réponse "+evil)
	var msg string
	for _, h := range got.History {
		if h.To == support.StatusOpen {
			msg = h.Message
		}
	}
	check("status message", msg, "Pris en charge "+evil)
	// The tickets table is still there, with the ticket.
	if page, err := agent.ListTickets(ctx, support.TicketFilter{}); err != nil || len(page.Tickets) != 1 {
		t.Errorf("list after: %+v %v", page, err)
	}

	// Strictly shaped fields refuse them, by field and rule: all of them
	// for an agent typing a caller's identity; for a reporter, whose name
	// and e-mail are their account's, the phone only.
	strict := benchTicket(2)
	strict.Reporter.Name = "Marie " + evil
	strict.Reporter.Email = evil + "@example.org"
	strict.Reporter.Phone = evil
	for _, c := range []struct {
		who  string
		c    support.TicketService
		want string
	}{
		{"agent", agent, "[reporter.name:name_chars reporter.phone:phone reporter.email:email]"},
		{"reporter", reporter, "[reporter.phone:phone]"},
	} {
		_, err = c.c.CreateTicket(ctx, strict, support.CreateOptions{})
		var rules []string
		for _, fe := range support.AsError(err).Fields {
			rules = append(rules, fe.Field+":"+fe.Rule)
		}
		if fmt.Sprint(rules) != c.want {
			t.Errorf("strict fields of the %s: %v (%v), want %s", c.who, rules, err, c.want)
		}
	}

	// The page of the signed link shows it all, escaped.
	key, err := f.s.store.Secret(ctx, notify.SecretName, 32)
	if err != nil {
		t.Fatal(err)
	}
	link := f.url + "/t/" + notify.Signer{Key: key}.Sign(tk.Number, time.Now().Add(time.Hour))
	resp, page := httpGet(t, link)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, raw := range []string{"<script>", "<img", `" &`, "'; DROP"} {
		if strings.Contains(page, raw) {
			t.Errorf("the page holds %q unescaped", raw)
		}
	}
	escaped := "&#39;; DROP TABLE tickets;-- &lt;script&gt;alert(1)&lt;/script&gt; &#34; &amp; &lt;img src=x onerror=alert(2)&gt;"
	// subject, description (twice), establishment name and city, the
	// comment, the status message.
	if n := strings.Count(page, escaped); n < 7 {
		t.Errorf("the escaped text is on the page %d times, want at least 7:\n%s", n, page)
	}
	if !strings.Contains(page, "q=&#39;;DROP%20TABLE%20tickets;--&amp;t=&lt;script&gt;alert(1)&lt;/script&gt;&amp;u=&#34;") {
		t.Errorf("the location is not on the page, escaped:\n%s", page)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'") {
		t.Errorf("page CSP %q", csp)
	}
}
