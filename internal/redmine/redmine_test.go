package redmine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/redmine/redminetest"
	"github.com/ent-support/ent-support/internal/support"
)

// Env is the seeded Redmine of .ci/redmine.
type Env = redminetest.Env

// RealRedmine: skipped locally without one, fails under CI.
func RealRedmine(t testing.TB) Env { return redminetest.Real(t) }

func newClient(t testing.TB, e Env, key string, edit ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: e.URL, Key: key, Project: e.Project, Tracker: e.Tracker, Prefix: "RM", Lang: "fr",
		PollInterval: 100 * time.Millisecond}
	for _, f := range edit {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ticketInput(subject string) support.TicketInput {
	return support.TicketInput{
		Reporter: support.Reporter{Name: "Marie Curie", Function: support.CorrespondantENT, Phone: "+33639981234",
			Email: "m.curie@ac-lyon.fr"},
		Establishment: support.Establishment{UAI: "0421234N", Name: "Collège du Pilat", City: "Saint-Genest-Malifaux"},
		Subject:       subject,
		Population:    []support.Population{"eleves", "vie_scolaire"},
		Description:   "Depuis ce matin, la page du cahier de textes reste blanche.\nPour tous les élèves de 5e.",
		Location:      "Accueil > Vie scolaire > Cahier de textes",
		Priority:      support.Majeure,
	}
}

// pngFile is a tiny real PNG header: Redmine and filecheck see image/png.
var pngFile = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

func upload(name string, b []byte) support.Upload {
	return support.Upload{Name: name, Size: int64(len(b)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}

func key(t testing.TB) string {
	return strings.ReplaceAll(t.Name(), "/", "-") + "-" + time.Now().Format("150405.000000000")
}

func code(err error) string { return support.ErrorCode(err) }

func TestCreateReadsBackEveryField(t *testing.T) {
	e := RealRedmine(t)
	c := newClient(t, e, e.Key)
	ctx := context.Background()
	in := ticketInput("Cahier de textes vide")
	got, err := c.CreateTicket(ctx, in, support.CreateOptions{IdempotencyKey: key(t),
		Attachments: []support.Upload{upload("capture.png", pngFile)}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Number.Prefix != "RM" || got.Status != support.StatusNew || got.Replayed {
		t.Fatalf("created: %+v", got.TicketSummary)
	}
	back, err := c.GetTicket(ctx, support.Number{Seq: got.Number.Seq}) // the bare number is accepted
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(back.URL, fmt.Sprintf("/issues/%d", got.Number.Seq)) {
		t.Errorf("read back: page %q, want Redmine's issue page", back.URL)
	}
	if back.TicketInput.Subject != in.Subject || back.Description != in.Description || back.Reporter != in.Reporter ||
		back.Establishment.UAI != in.Establishment.UAI || back.Establishment.Name != in.Establishment.Name ||
		back.Establishment.City != in.Establishment.City || !slices.Equal(back.Population, in.Population) ||
		back.Location != in.Location || back.Priority != in.Priority {
		t.Fatalf("read back:\n got %+v\nwant %+v", back.TicketInput, in)
	}
	if len(back.Attachments) != 1 || back.Attachments[0].Name != "capture.png" || back.Attachments[0].ContentType != "image/png" ||
		back.Attachments[0].Size != int64(len(pngFile)) {
		t.Fatalf("attachments: %+v", back.Attachments)
	}
	if len(back.History) != 1 || back.History[0].To != support.StatusNew || len(back.Comments) != 0 {
		t.Fatalf("history %+v comments %+v", back.History, back.Comments)
	}
	a, rc, err := c.OpenAttachment(ctx, got.Number, back.Attachments[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if a.Name != "capture.png" || !bytes.Equal(b, pngFile) {
		t.Fatalf("download %+v: %q", a, b)
	}
	if _, err := c.GetTicket(ctx, support.Number{Prefix: "OTHER", Seq: got.Number.Seq}); code(err) != support.ENOTFOUND {
		t.Fatalf("another prefix: %v", err)
	}
	if _, err := c.GetTicket(ctx, support.Number{Seq: 99999999}); code(err) != support.ENOTFOUND {
		t.Fatalf("unknown issue: %v", err)
	}
}

func TestCreateWithTheSameKeyFilesOnce(t *testing.T) {
	e := RealRedmine(t)
	c := newClient(t, e, e.Key)
	ctx := context.Background()
	k := key(t)
	first, err := c.CreateTicket(ctx, ticketInput("Envoyé deux fois"), support.CreateOptions{IdempotencyKey: k})
	if err != nil {
		t.Fatal(err)
	}
	again, err := newClient(t, e, e.Key).CreateTicket(ctx, ticketInput("Envoyé deux fois"), support.CreateOptions{IdempotencyKey: k})
	if err != nil {
		t.Fatal(err)
	}
	if again.Number != first.Number || !again.Replayed {
		t.Fatalf("second send: %v (replayed %v), first %v", again.Number, again.Replayed, first.Number)
	}
	if n := countMarker(t, e, k); n != 1 {
		t.Fatalf("%d issues hold the key", n)
	}
}

// countMarker counts the project's issues holding key's marker (admin).
func countMarker(t testing.TB, e Env, k string) int {
	t.Helper()
	admin := newClient(t, e, e.AdminKey)
	q := url.Values{"project_id": {e.Project}, "limit": {"10"}}
	addFilter(q, "status_id", "*")
	addFilter(q, "description", "~", helpdesk.Marker(k))
	var list issueList
	if err := admin.getJSON(context.Background(), "/issues.json", q, &list); err != nil {
		t.Fatal(err)
	}
	return len(list.Issues)
}

// lossyProxy forwards to Redmine, but cuts the connection instead of
// answering the first create: Redmine has filed it, the client never
// hears so. The lost answer of a real network.
func lossyProxy(t testing.TB, target string) (string, *atomic.Int32) {
	t.Helper()
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	var creates atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/issues.json" && creates.Add(1) == 1 {
			rec := &discard{h: http.Header{}}
			rp.ServeHTTP(rec, r) // Redmine commits the issue...
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close() // ...and the answer is lost
			}
			return
		}
		rp.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String(), &creates
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func TestCreateAnswerLostIsFoundNotFiledTwice(t *testing.T) {
	e := RealRedmine(t)
	proxy, creates := lossyProxy(t, e.URL)
	c := newClient(t, e, e.Key, func(c *Config) { c.BaseURL = proxy })
	k := key(t)
	got, err := c.CreateTicket(context.Background(), ticketInput("Réponse perdue"), support.CreateOptions{IdempotencyKey: k,
		Attachments: []support.Upload{upload("capture.png", pngFile)}})
	if err != nil {
		t.Fatal(err)
	}
	if creates.Load() != 1 || !got.Replayed {
		t.Fatalf("creates sent: %d, replayed %v", creates.Load(), got.Replayed)
	}
	if n := countMarker(t, e, k); n != 1 {
		t.Fatalf("%d issues hold the key", n)
	}
}

func TestCreateRefusesWhatRedmineWouldDrop(t *testing.T) {
	e := RealRedmine(t)
	ctx := context.Background()
	// A field that exists in no project: refused before anything is sent,
	// naming the form's field and the missing custom field.
	c := newClient(t, e, e.Key, func(c *Config) { c.Fields = map[string]string{"city": "Champ hors projet"} })
	k := key(t)
	_, err := c.CreateTicket(ctx, ticketInput("Champ inconnu"), support.CreateOptions{IdempotencyKey: k})
	var se *support.Error
	if !errors.As(err, &se) || se.Code != support.EINVALID || len(se.Fields) != 1 || se.Fields[0].Field != "establishment.city" ||
		se.Fields[0].Rule != helpdesk.RuleBackendField || se.Fields[0].Params["name"] != "Champ hors projet" {
		t.Fatalf("err = %#v", err)
	}
	if n := countMarker(t, e, k); n != 0 {
		t.Fatalf("%d issues filed", n)
	}
	// A field of the project that the tracker lacks: Redmine files the
	// issue and drops the value, silently; the read-back names it, and
	// the ticket it made.
	c = newClient(t, e, e.Key, func(c *Config) { c.Fields = map[string]string{"city": "Champ hors tracker"} })
	tk, err := c.CreateTicket(ctx, ticketInput("Champ hors tracker"), support.CreateOptions{IdempotencyKey: key(t) + "b"})
	if !errors.As(err, &se) || se.Key != "helpdesk.dropped" || len(se.Fields) != 1 ||
		se.Fields[0].Rule != helpdesk.RuleBackendDropped || se.Fields[0].Params["name"] != "Champ hors tracker" ||
		tk == nil || se.Params["number"] != tk.Number.String() {
		t.Fatalf("err = %#v", err)
	}
	// A priority the project lacks.
	c = newClient(t, e, e.Key, func(c *Config) { c.Fields = map[string]string{"priority.majeure": "Inexistante"} })
	_, err = c.CreateTicket(ctx, ticketInput("Priorité inconnue"), support.CreateOptions{})
	if !errors.As(err, &se) || se.Key != "redmine.mapping_missing" || !strings.Contains(se.Params["names"], "Inexistante") {
		t.Fatalf("err = %#v", err)
	}
}

func TestUploadChecksOurLimitsByContent(t *testing.T) {
	e := RealRedmine(t)
	c := newClient(t, e, e.Key)
	_, err := c.CreateTicket(context.Background(), ticketInput("Exécutable"), support.CreateOptions{
		Attachments: []support.Upload{upload("capture.png", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"))}})
	var se *support.Error
	if !errors.As(err, &se) || se.Code != support.EINVALID || len(se.Fields) != 1 || se.Fields[0].Rule != support.RuleFileType {
		t.Fatalf("err = %#v", err)
	}
	big := support.Upload{Name: "big.png", Size: support.DefaultMaxFileSize + 1, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(pngFile)), nil
	}}
	_, err = c.CreateTicket(context.Background(), ticketInput("Trop gros"), support.CreateOptions{Attachments: []support.Upload{big}})
	if !errors.As(err, &se) || len(se.Fields) != 1 || se.Fields[0].Rule != support.RuleFileSize {
		t.Fatalf("err = %#v", err)
	}
}

// uniqueUAI is a valid UAI no other test uses: a list filtered on it sees
// only this test's tickets, whatever runs at the same time.
func uniqueUAI() string {
	n := time.Now().UnixNano() % 10_000_000
	return fmt.Sprintf("%07d%c", n, "ABCDEFGHJKLMNPRSTUVWXYZ"[n%23])
}

func TestListFilters(t *testing.T) {
	e := RealRedmine(t)
	c := newClient(t, e, e.Key)
	ctx := context.Background()
	uai := uniqueUAI()
	var made []support.Number
	for _, p := range []support.Priority{support.Bloquante, support.Majeure, support.Bloquante} {
		in := ticketInput("Liste " + string(p))
		in.Priority, in.Establishment.UAI = p, uai
		tk, err := c.CreateTicket(ctx, in, support.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, tk.Number)
	}
	page, err := c.ListTickets(ctx, support.TicketFilter{Priority: []support.Priority{support.Bloquante}, UAI: uai, Mine: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []support.Number
	for _, s := range page.Tickets {
		got = append(got, s.Number)
	}
	if want := []support.Number{made[2], made[0]}; !slices.Equal(got, want) {
		t.Fatalf("bloquante, newest first: %v, want %v", got, want)
	}
	page, err = c.ListTickets(ctx, support.TicketFilter{Status: []support.Status{support.StatusResolved}, UAI: uai})
	if err != nil || len(page.Tickets) != 0 {
		t.Fatalf("resolved: %+v, %v", page, err)
	}
	for since, want := range map[time.Duration]int{-time.Hour: 3, time.Hour: 0} {
		page, err = c.ListTickets(ctx, support.TicketFilter{UAI: uai, Since: time.Now().Add(since)})
		if err != nil || len(page.Tickets) != want {
			t.Fatalf("since now%+v: %d tickets, want %d (%v)", since, len(page.Tickets), want, err)
		}
	}
	// Pages of one, by the cursor: each ticket once, then no cursor.
	got = nil
	f := support.TicketFilter{UAI: uai, Limit: 1}
	for range 4 {
		page, err := c.ListTickets(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Tickets {
			got = append(got, s.Number)
		}
		if f.Cursor = page.NextCursor; f.Cursor == "" {
			break
		}
	}
	if want := []support.Number{made[2], made[1], made[0]}; !slices.Equal(got, want) {
		t.Fatalf("paged: %v, want %v", got, want)
	}
}

func TestCommentStatusAndTheIgnoredChanges(t *testing.T) {
	e := RealRedmine(t)
	reporter := newClient(t, e, e.Key)
	agent := newClient(t, e, e.AgentKey)
	ctx := context.Background()
	tk, err := reporter.CreateTicket(ctx, ticketInput("Suivi complet"), support.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := tk.Number
	cm, err := reporter.AddComment(ctx, n, "Ça recommence ce matin.", []support.Upload{upload("capture2.png", pngFile)})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Body != "Ça recommence ce matin." || cm.Role != support.RoleReporter || len(cm.Attachments) != 1 || cm.ID == 0 {
		t.Fatalf("comment: %+v", cm)
	}
	// The agent takes it, asks, takes it back and resolves it.
	if _, err := agent.Assign(ctx, n, ""); err != nil {
		t.Fatal(err)
	}
	for _, to := range []support.Status{support.StatusWaiting, support.StatusOpen, support.StatusResolved} {
		got, err := agent.ChangeStatus(ctx, n, to, "vers "+string(to))
		if err != nil {
			t.Fatalf("→ %s: %v", to, err)
		}
		if got.Status != to {
			t.Fatalf("status %s, want %s", got.Status, to)
		}
	}
	// Rapporteur's workflow lets a reporter close but not reopen: refused
	// before sending, naming what is allowed.
	_, err = reporter.Reopen(ctx, n, "Toujours en panne")
	var se *support.Error
	if !errors.As(err, &se) || se.Code != support.ECONFLICT || se.Key != "redmine.status_forbidden" || !strings.Contains(se.Params["allowed"], "clos") {
		t.Fatalf("reopen: %#v", err)
	}
	// A Rapporteur may not edit issues (no edit_issues permission), yet
	// Redmine answers 204 to a priority change and changes nothing: the
	// read-back says so.
	_, err = reporter.ChangePriority(ctx, n, support.Bloquante, "")
	if !errors.As(err, &se) || se.Code != support.ECONFLICT || se.Key != "redmine.change_ignored" {
		t.Fatalf("priority: %#v", err)
	}
	back, err := reporter.GetTicket(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if back.Priority != support.Majeure || back.Status != support.StatusResolved {
		t.Fatalf("after the ignored change: %s %s", back.Priority, back.Status)
	}
	if len(back.Comments) != 1 || back.Comments[0].Body != "Ça recommence ce matin." {
		t.Fatalf("comments: %+v", back.Comments)
	}
	var moves []string
	for _, h := range back.History {
		if h.Field == support.FieldAssignee && h.To != "Claire Martin" {
			t.Fatalf("assignee entry %+v", h)
		}
		if h.Field != support.FieldStatus {
			continue
		}
		moves = append(moves, string(h.From)+">"+string(h.To))
	}
	if want := ">nouveau nouveau>en_cours en_cours>en_attente en_attente>en_cours en_cours>resolu"; strings.Join(moves, " ") != want {
		t.Fatalf("history %v, want %s", moves, want)
	}
	// Same for closing: allowed_statuses lists Fermé for the Rapporteur
	// (the workflow allows it), but without edit_issues Redmine drops the
	// status and keeps only the note, with 204.
	_, err = reporter.ChangeStatus(ctx, n, support.StatusClosed, "Merci")
	if !errors.As(err, &se) || se.Code != support.ECONFLICT || se.Key != "redmine.change_ignored" || se.Params["to"] != "clos" {
		t.Fatalf("close: %#v", err)
	}
	if _, err := agent.ChangeStatus(ctx, n, support.StatusClosed, "Clos"); err != nil {
		t.Fatal(err)
	}
	if _, err := reporter.AddComment(ctx, n, "Encore ?", nil); code(err) != support.ECONFLICT {
		t.Fatalf("comment on a closed ticket: %v", err)
	}
}

func TestFollowGivesEachJournalOnce(t *testing.T) {
	e := RealRedmine(t)
	reporter := newClient(t, e, e.Key)
	agent := newClient(t, e, e.AgentKey)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tk, err := reporter.CreateTicket(ctx, ticketInput("Suivi en direct"), support.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	ids := map[int64]bool{}
	done := make(chan error, 1)
	go func() {
		done <- reporter.Follow(ctx, tk.Number, 0, func(ev support.Event) error {
			if ids[ev.ID] {
				t.Errorf("event %d twice", ev.ID)
			}
			ids[ev.ID] = true
			kinds = append(kinds, ev.Kind+":"+ev.To)
			if ev.Kind == support.EventStatus && ev.To == string(support.StatusResolved) {
				return errStop
			}
			return nil
		})
	}()
	time.Sleep(300 * time.Millisecond)
	if _, err := agent.AddComment(ctx, tk.Number, "Pouvez-vous vider le cache ?", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.ChangeStatus(ctx, tk.Number, support.StatusOpen, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.ChangeStatus(ctx, tk.Number, support.StatusResolved, "Corrigé"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	if got := strings.Join(kinds, " "); got != "created:nouveau comment: status:en_cours status:resolu" {
		t.Fatalf("events: %s", got)
	}
}

var errStop = errors.New("stop")

func TestDoctor(t *testing.T) {
	e := RealRedmine(t)
	ctx := context.Background()
	failed := func(checks []support.Check) []string {
		var out []string
		for _, c := range checks {
			if !c.OK {
				out = append(out, c.Name+": "+c.Detail+" → "+c.Fix)
			}
		}
		return out
	}
	for _, k := range []string{e.AdminKey, e.Key} {
		if f := failed(newClient(t, e, k).Doctor(ctx)); len(f) > 0 {
			t.Fatalf("seeded Redmine fails: %q", f)
		}
	}
	// An admin key sees that a field is not enabled for the tracker.
	checks := newClient(t, e, e.AdminKey, func(c *Config) { c.Fields = map[string]string{"city": "Champ hors tracker"} }).Doctor(ctx)
	if f := failed(checks); len(f) != 1 || !strings.Contains(f[0], "Champ hors tracker") || !strings.Contains(f[0], "tracker « Assistance »") {
		t.Fatalf("doctor: %q", f)
	}
	checks = newClient(t, e, e.Key, func(c *Config) {
		c.Fields = map[string]string{"location": "Champ hors projet", "priority.mineure": "Basse"}
		c.Tracker = "Inconnu"
	}).Doctor(ctx)
	f := failed(checks)
	if len(f) != 3 || !strings.Contains(f[0], "Tracker « Inconnu »") || !strings.Contains(f[1], "Champ hors projet") ||
		!strings.Contains(f[1], "Administration → Champs personnalisés") || !strings.Contains(f[2], "« Basse »") {
		t.Fatalf("doctor: %q", f)
	}
	if f := failed(newClient(t, e, "0123456789abcdef0123456789abcdef01234567").Doctor(ctx)); len(f) != 1 || !strings.Contains(f[0], "Clé d'API") {
		t.Fatalf("bad key: %q", f)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	if f := failed(newClient(t, e, e.Key, func(c *Config) { c.BaseURL = dead }).Doctor(ctx)); len(f) != 1 || !strings.Contains(f[0], "ne répond pas") {
		t.Fatalf("unreachable: %q", f)
	}
}

// counting counts the requests a client sends, by method and path.
type counting struct {
	mu  sync.Mutex
	got []string
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.got = append(c.got, r.Method+" "+r.URL.Path)
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func TestCachedCatalogMakesACreateTwoRequests(t *testing.T) {
	e := RealRedmine(t)
	ctx := context.Background()
	state := t.TempDir()
	first := newClient(t, e, e.Key, func(c *Config) { c.StateDir = state })
	if _, err := first.CreateTicket(ctx, ticketInput("Premier, qui lit le projet"), support.CreateOptions{IdempotencyKey: key(t)}); err != nil {
		t.Fatal(err)
	}
	// The next process: the project's names and ids come from the cache,
	// the key was never sent (the journal says so): upload, create.
	var n counting
	next := newClient(t, e, e.Key, func(c *Config) { c.StateDir, c.Transport = state, &n })
	if _, err := next.CreateTicket(ctx, ticketInput("Second, sur le cache"), support.CreateOptions{IdempotencyKey: key(t) + "b",
		Attachments: []support.Upload{upload("capture.png", pngFile)}}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(n.got, ", "); got != "POST /uploads.json, POST /issues.json" {
		t.Fatalf("requests: %s", got)
	}
	// A cache that lacks a field (stale): read again, then filed.
	path := next.cachePath()
	var r raw
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	r.Project.Project.IssueCustomFields = r.Project.Project.IssueCustomFields[1:]
	b, _ = json.Marshal(r)
	os.WriteFile(path, b, 0o600)
	n.got = nil
	stale := newClient(t, e, e.Key, func(c *Config) { c.StateDir, c.Transport = state, &n })
	if _, err := stale.CreateTicket(ctx, ticketInput("Troisième, cache périmé"), support.CreateOptions{IdempotencyKey: key(t) + "c"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(n.got, "GET /projects/"+e.Project+".json") {
		t.Fatalf("a stale cache was not read again: %v", n.got)
	}
}

func TestRedmineRefusalInTheUsersLanguage(t *testing.T) {
	e := RealRedmine(t)
	// A non-admin key cannot read a list's values: Redmine's 422 comes
	// back, in French (the account's language), and is passed on whole.
	c := newClient(t, e, e.Key, func(c *Config) { c.Fields = map[string]string{"population": "Population (courte)"} })
	in := ticketInput("Population hors liste")
	in.Population = []support.Population{"tous"}
	k := key(t)
	_, err := c.CreateTicket(context.Background(), in, support.CreateOptions{IdempotencyKey: k})
	var se *support.Error
	if !errors.As(err, &se) || se.Code != support.EINVALID || se.Key != "redmine.refused" ||
		se.Params["errors"] != "Population (courte) n'est pas inclus(e) dans la liste" {
		t.Fatalf("err = %#v", err)
	}
	if n := countMarker(t, e, k); n != 0 {
		t.Fatalf("%d issues filed", n)
	}
}

func TestFollowWaitsOutARedmineOutage(t *testing.T) {
	e := RealRedmine(t)
	private, err := redminetest.Start(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { private.Stop() })
	reporter := newClient(t, e, e.Key, func(c *Config) { c.BaseURL = private.URL })
	agent := newClient(t, e, e.AgentKey)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	tk, err := reporter.CreateTicket(ctx, ticketInput("Suivi pendant une panne"), support.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	seen := make(chan struct{}, 10)
	done := make(chan error, 1)
	go func() {
		done <- reporter.Follow(ctx, tk.Number, 0, func(ev support.Event) error {
			kinds = append(kinds, ev.Kind+":"+ev.To)
			seen <- struct{}{}
			if ev.Kind == support.EventStatus && ev.To == string(support.StatusResolved) {
				return errStop
			}
			return nil
		})
	}()
	t0 := time.Now()
	<-seen // the creation: the follower is running
	t.Logf("seen creation after %v", time.Since(t0))
	if err := private.Stop(); err != nil {
		t.Fatal(err)
	}
	// While the follower's Redmine is down, the agent answers and resolves.
	if _, err := agent.AddComment(ctx, tk.Number, "Réponse pendant la panne", nil); err != nil {
		t.Fatal(err)
	}
	for _, to := range []support.Status{support.StatusOpen, support.StatusResolved} {
		if _, err := agent.ChangeStatus(ctx, tk.Number, to, ""); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(time.Second) // at least one failed poll
	if private, err = redminetest.Start(private.Port); err != nil {
		t.Fatal(err)
	}
	t.Logf("restarted after %v", time.Since(t0))
	if err := <-done; !errors.Is(err, errStop) {
		t.Fatalf("follow: %v (saw %v)", err, kinds)
	}
	t.Logf("done after %v", time.Since(t0))
	if got := strings.Join(kinds, " "); got != "created:nouveau comment: status:en_cours status:resolu" {
		t.Fatalf("events: %s", got)
	}
}
