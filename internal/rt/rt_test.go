package rt

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/rt/rttest"
	"github.com/ent-support/ent-support/internal/support"
)

// pngBytes is a real (tiny) PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func newClient(t *testing.T, e *rttest.Env, token string, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: e.URL, Token: token, Queue: e.Queue, Prefix: "CG42N1", StateDir: t.TempDir(),
		PollInterval: 500 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func input(e *rttest.Env, subject string) support.TicketInput {
	return support.TicketInput{
		Reporter:      support.Reporter{Name: "Camille Dupont", Function: "correspondant_ent", Phone: "06 39 98 12 34", Email: e.CorrEmail},
		Establishment: support.Establishment{UAI: "0421234N", Name: "Collège Jean Moulin", City: "Saint-Étienne"},
		Subject:       subject,
		Population:    []support.Population{"eleves", "enseignants"},
		Description:   "Depuis ce matin la page reste blanche.\nPour tous les 5e.",
		Location:      "Accueil > Vie scolaire > Cahier de textes",
		Priority:      "bloquante",
	}
}

func upload(name string, b []byte) support.Upload {
	return support.Upload{Name: name, Size: int64(len(b)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}

func uniq(s string) string { return s + " " + time.Now().Format("150405.000000") }

// TestTicketLifeOnRealRT files a ticket with a screenshot as the
// correspondent, reads it back whole, lists it, comments, has the agent
// answer and resolve it, and checks what RT kept at each step.
func TestTicketLifeOnRealRT(t *testing.T) {
	e := rttest.Load(t)
	ctx := context.Background()
	corr := newClient(t, e, e.CorrToken, nil)
	agent := newClient(t, e, e.AgentToken, nil)

	in := input(e, uniq("Cahier de textes vide"))
	tk, err := corr.CreateTicket(ctx, in, support.CreateOptions{IdempotencyKey: "life-" + strings.ReplaceAll(in.Subject[len(in.Subject)-13:], ".", ""),
		Attachments: []support.Upload{upload("capture.png", pngBytes)}})
	if err != nil {
		t.Fatalf("CreateTicket: %v %+v", err, support.AsError(err).Fields)
	}
	if tk.Number.Prefix != "CG42N1" || tk.Status != support.StatusNew || tk.Replayed {
		t.Errorf("created %v status %s replayed %v", tk.Number, tk.Status, tk.Replayed)
	}
	// Read back: every ENT field, the description without its footer, the
	// reporter from the footer, the file.
	got, err := corr.GetTicket(ctx, tk.Number)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := in.Normalize()
	if d := helpdesk.Dropped(want, got.TicketInput, corr.names); len(d) > 0 {
		t.Errorf("read back lost %v: %+v", d, got.TicketInput)
	}
	if got.Reporter.Name != "Camille Dupont" || got.Priority != support.Bloquante || got.Establishment.UAI != "0421234N" {
		t.Errorf("read back: %+v", got.TicketInput)
	}
	if !strings.Contains(got.URL, "/Ticket/Display.html?id=") {
		t.Errorf("read back: page %q, want RT's ticket page", got.URL)
	}
	if len(got.Attachments) != 1 || got.Attachments[0].Name != "capture.png" || got.Attachments[0].ContentType != "image/png" {
		t.Fatalf("attachments = %+v", got.Attachments)
	}
	// The priority went as a number (RT stores a label as text).
	var raw rtTicket
	if err := corr.get(ctx, "/ticket/"+itoa(tk.Number.Seq), nil, true, &raw); err != nil || raw.Priority != "90" {
		t.Errorf("RT's Priority = %q (%v), want 90", raw.Priority, err)
	}
	// The file comes back byte for byte.
	_, rc, err := corr.OpenAttachment(ctx, tk.Number, got.Attachments[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(b, pngBytes) {
		t.Errorf("downloaded %d bytes, want the %d of the PNG", len(b), len(pngBytes))
	}

	// Listed with the filters people use.
	page, err := corr.ListTickets(ctx, support.TicketFilter{Priority: []support.Priority{support.Bloquante},
		Status: []support.Status{support.StatusNew}, UAI: "0421234N", Mine: true, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(page.Tickets, func(s support.TicketSummary) bool { return s.Number == tk.Number }) {
		t.Errorf("list does not hold %v: %+v", tk.Number, page.Tickets)
	}

	// A comment from the correspondent, with a file.
	cm, err := corr.AddComment(ctx, tk.Number, "Toujours vide ce matin.", []support.Upload{upload("encore.png", pngBytes)})
	if err != nil || cm.ID == 0 {
		t.Fatalf("AddComment = %+v, %v", cm, err)
	}
	// The agent answers, moving it along; then resolves it.
	if _, err := agent.ChangeStatus(ctx, tk.Number, support.StatusOpen, "Nous regardons."); err != nil {
		t.Fatalf("ChangeStatus en_cours: %v %v", err, support.AsError(err).Params)
	}
	if _, err := agent.ChangePriority(ctx, tk.Number, support.Majeure, ""); err != nil {
		t.Fatalf("ChangePriority: %v", err)
	}
	res, err := agent.ChangeStatus(ctx, tk.Number, support.StatusResolved, "")
	if err != nil || res.Status != support.StatusResolved {
		t.Fatalf("ChangeStatus resolu: %v %v", res, err)
	}

	// The story: one event per change, in order, as follow reports them.
	final, events, err := corr.load(ctx, tk.Number, nil)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range events {
		kinds = append(kinds, ev.Kind+":"+ev.To)
	}
	// RT records the status an agent's reply sets before the reply itself.
	wantKinds := []string{"created:nouveau", "comment:", "status:en_cours", "comment:", "priority:majeure", "status:resolu"}
	if !slices.Equal(kinds, wantKinds) {
		t.Errorf("events = %v, want %v", kinds, wantKinds)
	}
	if len(final.History)+len(final.Comments) != len(events) {
		t.Errorf("%d history + %d comments for %d events", len(final.History), len(final.Comments), len(events))
	}
	if len(final.Comments) != 2 || final.Comments[0].Role != support.RoleReporter || final.Comments[1].Role != support.RoleAgent ||
		final.Comments[0].Body != "Toujours vide ce matin." {
		t.Errorf("comments = %+v", final.Comments)
	}
	if final.Priority != support.Majeure {
		t.Errorf("priority after change = %s", final.Priority)
	}

	// The reporter reopens it; a second reopen is refused (not resolved).
	if r, err := corr.Reopen(ctx, tk.Number, "L'erreur est revenue."); err != nil || r.Status != support.StatusOpen {
		t.Fatalf("Reopen: %v %v", r, err)
	}
	if _, err := corr.Reopen(ctx, tk.Number, "Encore"); support.ErrorCode(err) != support.ECONFLICT {
		t.Errorf("second reopen: %v", err)
	}
}

// TestFollowReportsEachChangeOnce: a follower started on a new ticket sees
// the creation, then the agent's reply and the resolution, each once.
func TestFollowReportsEachChangeOnce(t *testing.T) {
	e := rttest.Load(t)
	// RT answers in seconds when other tests share it: a generous bound.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	corr := newClient(t, e, e.CorrToken, func(c *Config) { c.PollInterval = time.Second })
	agent := newClient(t, e, e.AgentToken, nil)
	tk, err := corr.CreateTicket(ctx, input(e, uniq("Suivi")), support.CreateOptions{})
	if err != nil {
		t.Fatal(err, support.AsError(err).Fields)
	}
	seen := make(chan support.Event, 20)
	done := make(chan error, 1)
	go func() {
		done <- corr.Follow(ctx, tk.Number, 0, func(ev support.Event) error {
			seen <- ev
			if ev.Settles() {
				return errStop
			}
			return nil
		})
	}()
	select {
	case ev := <-seen:
		if ev.Kind != support.EventCreated {
			t.Fatalf("first event %+v", ev)
		}
	case err := <-done:
		t.Fatalf("Follow ended before the first event: %v", err)
	}
	if _, err := agent.AddComment(ctx, tk.Number, "Pouvez-vous vider le cache ?", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.ChangeStatus(ctx, tk.Number, support.StatusResolved, ""); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, errStop) {
		t.Fatalf("Follow ended with %v", err)
	}
	close(seen)
	var got []string
	for ev := range seen {
		got = append(got, ev.Kind+":"+ev.To+":"+ev.Message)
	}
	// RT opens a new ticket by itself when an agent replies.
	want := []string{"comment::Pouvez-vous vider le cache ?", "status:en_cours:", "status:resolu:"}
	if !slices.Equal(got, want) {
		t.Errorf("events after creation = %q, want %q", got, want)
	}
}

var errStop = errors.New("stop")

// TestTrapsAreCaught: what RT accepts silently is refused or detected.
func TestTrapsAreCaught(t *testing.T) {
	e := rttest.Load(t)
	ctx := context.Background()
	corr := newClient(t, e, e.CorrToken, nil)

	// An unknown custom field (a profile's typo): refused before sending.
	typo := newClient(t, e, e.CorrToken, func(c *Config) { c.Fields = map[string]string{"phone": "Telephone"} })
	in := input(e, uniq("Champ inconnu"))
	_, err := typo.CreateTicket(ctx, in, support.CreateOptions{})
	se := support.AsError(err)
	if se == nil || se.Code != support.EINVALID || len(se.Fields) != 1 || se.Fields[0].Rule != helpdesk.RuleBackendField ||
		se.Fields[0].Field != "reporter.phone" {
		t.Fatalf("unknown field: %+v", se)
	}
	if n := countSubject(t, corr, in.Subject); n != 0 {
		t.Errorf("%d tickets created despite the refusal", n)
	}

	// A 200 answer whose text says it failed.
	tk, err := corr.CreateTicket(ctx, input(e, uniq("Statut invalide")), support.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = corr.update(ctx, "/ticket/"+itoa(tk.Number.Seq), map[string]any{"Status": "bogus"})
	if support.ErrorCode(err) != support.EINVALID || !strings.Contains(support.AsError(err).Params["message"], "bogus") {
		t.Errorf("PUT bogus status: %v", err)
	}

	// Files: our limits, by content (RT would take anything).
	_, err = corr.CreateTicket(ctx, input(e, uniq("Fichier")), support.CreateOptions{
		Attachments: []support.Upload{upload("capture.png", []byte("MZ\x90\x00 not an image"))}})
	if se := support.AsError(err); se == nil || len(se.Fields) != 1 || se.Fields[0].Rule != support.RuleFileType {
		t.Errorf("an executable named .png: %v", err)
	}
	big := make([]byte, support.DefaultMaxFileSize+1)
	copy(big, pngBytes)
	_, err = corr.CreateTicket(ctx, input(e, uniq("Gros fichier")), support.CreateOptions{
		Attachments: []support.Upload{upload("big.png", big)}})
	if se := support.AsError(err); se == nil || len(se.Fields) != 1 || se.Fields[0].Rule != support.RuleFileSize {
		t.Errorf("a file over 10 MiB: %v", err)
	}

	// Another prefix is another system's ticket; another's ticket is 404.
	if _, err := corr.GetTicket(ctx, support.Number{Prefix: "ZZ1", Seq: tk.Number.Seq}); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("other prefix: %v", err)
	}
	if _, err := corr.GetTicket(ctx, support.Number{Seq: 99999999}); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("no such ticket: %v", err)
	}
	bad := newClient(t, e, "1-1-0000", nil)
	if _, err := bad.ListTickets(ctx, support.TicketFilter{}); support.ErrorCode(err) != support.EUNAUTHENTICATED {
		t.Errorf("bad token: %v", err)
	}
}

func countSubject(t *testing.T, c *Client, subject string) int {
	t.Helper()
	var p struct {
		Items []struct{} `json:"items"`
	}
	if err := c.get(context.Background(), "/tickets", map[string][]string{"query": {"Queue = " + quote(c.queue) +
		" AND Subject = " + quote(subject)}}, false, &p); err != nil {
		t.Fatal(err)
	}
	return len(p.Items)
}

// loseAnswers lets requests reach RT but drops the answer of the first n
// POSTs: the create happened, the client never hears of it.
type loseAnswers struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (l *loseAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err == nil && r.Method == http.MethodPost && r.URL.Path == "/REST/2.0/ticket" && l.n.Add(-1) >= 0 {
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

// TestExactlyOnceAfterLostAnswer: the answer to a create is lost; the
// client searches for its marker before trying again and finds the ticket
// made, so one ticket exists. A later resend of the same key (an outbox
// entry, another process with the same state directory) finds it too.
func TestExactlyOnceAfterLostAnswer(t *testing.T) {
	e := rttest.Load(t)
	ctx := context.Background()
	state := t.TempDir()
	lose := &loseAnswers{next: http.DefaultTransport}
	lose.n.Store(1)
	c := newClient(t, e, e.CorrToken, func(c *Config) { c.Transport = lose; c.StateDir = state })
	in := input(e, uniq("Réponse perdue"))
	key := "lost" + strings.NewReplacer(" ", "", ".", "", ":", "").Replace(in.Subject[len(in.Subject)-13:])
	tk, err := c.CreateTicket(ctx, in, support.CreateOptions{IdempotencyKey: key,
		Attachments: []support.Upload{upload("capture.png", pngBytes)}})
	if err != nil {
		t.Fatalf("CreateTicket after a lost answer: %v", err)
	}
	if !tk.Replayed {
		t.Errorf("the ticket was not found by its marker (Replayed false)")
	}
	again := newClient(t, e, e.CorrToken, func(c *Config) { c.StateDir = state })
	tk2, err := again.CreateTicket(ctx, in, support.CreateOptions{IdempotencyKey: key})
	if err != nil || tk2.Number != tk.Number || !tk2.Replayed {
		t.Errorf("resend = %v (replayed %v), %v; want %v", tk2.Number, tk2.Replayed, err, tk.Number)
	}
	if n := countSubject(t, c, in.Subject); n != 1 {
		t.Errorf("%d tickets with the subject, want exactly 1", n)
	}
	if _, err := os.Stat(filepath.Join(state, "helpdesk", "sent", key)); err != nil {
		t.Errorf("journal: %v", err)
	}
}

// TestDoctorOnSeededRT: everything present; then a profile naming a field
// RT lacks gets one failed check with its fix.
func TestDoctorOnSeededRT(t *testing.T) {
	e := rttest.Load(t)
	ctx := context.Background()
	for _, ch := range newClient(t, e, e.CorrToken, nil).Doctor(ctx) {
		if !ch.OK {
			t.Errorf("check %q failed: %s", ch.Name, ch.Fix)
		}
	}
	checks := newClient(t, e, e.CorrToken, func(c *Config) { c.Fields = map[string]string{"city": "Ville"} }).Doctor(ctx)
	var failed []string
	for _, ch := range checks {
		if !ch.OK {
			failed = append(failed, ch.Name)
			if ch.Fix == "" {
				t.Errorf("%q failed with no fix", ch.Name)
			}
		}
	}
	if len(checks) != 3+len(helpdesk.FieldKeys) || !slices.Equal(failed, []string{"rt.doctor.field"}) {
		t.Errorf("%d checks, failed %v", len(checks), failed)
	}
	bad := newClient(t, e, "1-1-0000", nil).Doctor(ctx)
	if len(bad) != 2 || !bad[0].OK || bad[1].OK {
		t.Errorf("bad token: %+v", bad)
	}
	down := newClient(t, e, e.CorrToken, func(c *Config) { c.BaseURL = "http://127.0.0.1:1" }).Doctor(ctx)
	if len(down) != 1 || down[0].OK {
		t.Errorf("unreachable: %+v", down)
	}
}

// TestTicketForAnotherRequestor: the correspondent files for an address
// that is not theirs; RT's rights then hide the ticket from them, yet the
// ticket was filed: its number comes back, not an error (which would have
// it filed again), and RT holds it once (the agent sees it).
func TestTicketForAnotherRequestor(t *testing.T) {
	e := rttest.Load(t)
	ctx := context.Background()
	corr := newClient(t, e, e.CorrToken, nil)
	agent := newClient(t, e, e.AgentToken, nil)
	in := input(e, uniq("Pour un collègue"))
	in.Reporter.Email = "dominique.martin@ac-exemple.test"
	tk, err := corr.CreateTicket(ctx, in, support.CreateOptions{})
	if err != nil || tk.Number.Seq == 0 {
		t.Fatalf("CreateTicket = %v, %v", tk, err)
	}
	got, err := agent.GetTicket(ctx, tk.Number)
	if err != nil || got.Subject != in.Subject || got.Reporter.Email != in.Reporter.Email {
		t.Errorf("as the agent: %+v, %v", got, err)
	}
	if n := countSubject(t, agent, in.Subject); n != 1 {
		t.Errorf("%d tickets, want 1", n)
	}
}
