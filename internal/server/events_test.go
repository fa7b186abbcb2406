package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/support"
)

// eventsFixture is a server with a ticket of establishment 0421234N, its
// reporter, an agent and a reporter of another establishment.
type eventsFixture struct {
	s                                     *Server
	ticket                                support.Number
	admin, agent, reporter, other         *httpapi.Client
	reporterToken, otherToken, agentToken string
}

func newEventsFixture(t testing.TB) *eventsFixture {
	t.Helper()
	return newEventsFixtureWith(t, Options{})
}

// newEventsFixtureWith is newEventsFixture on a server started with o
// (its stream and timeout settings).
func newEventsFixtureWith(t testing.TB, o Options) *eventsFixture {
	t.Helper()
	ctx := context.Background()
	o.BootstrapToken, o.OpenDirectory, o.Prefix = benchAdmin, true, "CG42N1"
	s := start(t, o)
	client := func(token string) *httpapi.Client {
		c, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: s.URL(), Token: token})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	admin := client(benchAdmin)
	user := func(in support.UserInput) (string, *httpapi.Client) {
		_, token, err := admin.CreateUser(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return token, client(token)
	}
	f := &eventsFixture{s: s, admin: admin}
	f.reporterToken, f.reporter = user(support.UserInput{Name: "Marie Curie", Email: "marie.curie@example.org",
		Role: support.RoleReporter, Function: support.ChefEtablissement, UAIs: []string{"0421234N"}})
	f.otherToken, f.other = user(support.UserInput{Name: "Paul Autre", Email: "paul.autre@example.org",
		Role: support.RoleReporter, Function: support.ChefEtablissement, UAIs: []string{"0750001U"}})
	f.agentToken, f.agent = user(support.UserInput{Name: "Claire Martin", Email: "claire.martin@support.example.org", Role: support.RoleAgent})
	tk, err := f.reporter.CreateTicket(ctx, benchTicket(0), support.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.ticket = tk.Number
	return f
}

// sseReader reads events off a raw stream.
type sseReader struct {
	resp *http.Response
	sc   *bufio.Scanner
}

func openStream(t *testing.T, url, token, lastID string) (*sseReader, int) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &sseReader{resp: resp, sc: bufio.NewScanner(resp.Body)}, resp.StatusCode
}

// next returns the next event's id and JSON, skipping comments.
func (r *sseReader) next(t *testing.T) (string, support.Event) {
	t.Helper()
	var id string
	var e support.Event
	for r.sc.Scan() {
		line := r.sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &e); err != nil {
				t.Fatal(err)
			}
		case line == "" && id != "":
			return id, e
		}
	}
	t.Fatalf("stream ended: %v", r.sc.Err())
	return "", e
}

// The stream: the backlog first, then each change as it happens, each
// with its id; Last-Event-ID resumes after it; an unseen ticket is 404.
func TestEventStream(t *testing.T) {
	f := newEventsFixture(t)
	ctx := context.Background()
	url := f.s.URL() + "/api/v1/tickets/" + f.ticket.String() + "/events"

	st, code := openStream(t, url, f.reporterToken, "")
	if code != 200 || !strings.HasPrefix(st.resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET events: %d %s", code, st.resp.Header.Get("Content-Type"))
	}
	id1, created := st.next(t)
	if created.Kind != support.EventCreated || created.To != "nouveau" || created.Ticket != f.ticket || id1 != "1" && created.ID == 0 {
		t.Fatalf("first event = %s %+v, want the creation", id1, created)
	}
	// Live: the agent takes the ticket and replies.
	deadline := time.AfterFunc(10*time.Second, func() { st.resp.Body.Close() })
	defer deadline.Stop()
	if _, err := f.agent.Assign(ctx, f.ticket, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.AddComment(ctx, f.ticket, "Videz le cache.", nil); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	var lastID string
	for range 3 { // assignee, status (taking a new ticket starts it), comment
		id, e := st.next(t)
		kinds = append(kinds, e.Kind+":"+e.To+string(e.Role))
		lastID = id
		if id != strings.TrimSpace(jsonID(e)) {
			t.Errorf("id line %s, event id %d", id, e.ID)
		}
	}
	want := "assignee:claire.martin@support.example.org status:en_cours comment:agent"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("live events = %s, want %s", got, want)
	}

	// Resume after the status change: only the reply, then what follows.
	st2, code := openStream(t, url, f.reporterToken, strings.TrimSpace(jsonIDMinus(lastID)))
	if code != 200 {
		t.Fatalf("resume: %d", code)
	}
	if _, e := st2.next(t); e.Kind != support.EventComment || e.Message != "Videz le cache." {
		t.Errorf("first event after Last-Event-ID = %+v, want the reply", e)
	}
	if _, err := f.agent.ChangeStatus(ctx, f.ticket, support.StatusResolved, "Corrigé"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*sseReader{st, st2} {
		if _, e := r.next(t); !e.Settles() || e.Message != "Corrigé" {
			t.Errorf("after the resolution: %+v", e)
		}
	}

	// Another establishment's reporter: 404, as for the ticket; no token: 401.
	if _, code := openStream(t, url, f.otherToken, ""); code != http.StatusNotFound {
		t.Errorf("other establishment's reporter: %d, want 404", code)
	}
	if _, code := openStream(t, url, "", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}
	if _, code := openStream(t, url, f.reporterToken, "x"); code != http.StatusBadRequest {
		t.Errorf("Last-Event-ID x: %d, want 400", code)
	}
}

func jsonID(e support.Event) string { b, _ := json.Marshal(e.ID); return string(b) }

// jsonIDMinus is the ID before id: the resume point that should replay
// the event id only.
func jsonIDMinus(id string) string {
	var n int64
	json.Unmarshal([]byte(id), &n)
	b, _ := json.Marshal(n - 1)
	return string(b)
}

// The client's Follow gets the same events, and the other reporter's
// Follow is refused with ENOTFOUND, not retried.
func TestClientFollow(t *testing.T) {
	f := newEventsFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.other.Follow(ctx, f.ticket, 0, func(support.Event) error { return nil }); support.ErrorCode(err) != support.ENOTFOUND {
		t.Fatalf("other reporter's Follow: %v, want not found", err)
	}
	got := make(chan support.Event, 10)
	errc := make(chan error, 1)
	go func() {
		errc <- f.reporter.Follow(ctx, f.ticket, 0, func(e support.Event) error {
			got <- e
			if e.Settles() {
				return errStop
			}
			return nil
		})
	}()
	if e := <-got; e.Kind != support.EventCreated {
		t.Fatalf("first: %+v", e)
	}
	if _, err := f.agent.Assign(ctx, f.ticket, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.ChangeStatus(ctx, f.ticket, support.StatusResolved, ""); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != errStop {
		t.Fatalf("Follow: %v", err)
	}
	close(got)
	var kinds []string
	for e := range got {
		kinds = append(kinds, e.Kind)
	}
	if strings.Join(kinds, " ") != "assignee status status" {
		t.Errorf("kinds = %v", kinds)
	}
}

var errStop = errorString("stop")

type errorString string

func (e errorString) Error() string { return string(e) }
