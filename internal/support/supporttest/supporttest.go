// Package supporttest is the behaviour every back end of the support
// services must have, as one test suite: the service (embedded, over
// SQLite and PostgreSQL), the HTTP client against a real server, Request
// Tracker and Redmine each run it, in their own package, against the real
// thing. A back end may differ from the reference server only where it
// declares it (Capabilities, with a reason), and the suite then checks
// the declared behaviour: nothing is skipped.
package supporttest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// Backend is one back end under test: its services, by what they hold,
// as a reporter and as an agent. A service the back end lacks is nil, and
// its capability says so.
type Backend struct {
	Info      support.InfoService
	Tickets   support.Tickets       // the reporter's
	Identity  support.Identity      // the reporter's
	Contact   support.ContactEditor // the reporter's; nil when the back end has none
	Directory support.Directory     // nil when the back end has none
	Follower  support.Follower      // the reporter's
	// ReporterWorkflow is the reporter's (reopen, and the agent's moves
	// they may not make); Workflow and AgentTickets are an agent's.
	ReporterWorkflow support.WorkflowService
	Workflow         support.WorkflowService
	AgentTickets     support.Tickets
	// AssignTo is what Assign takes to give a ticket to the agent (an
	// e-mail, a user name, "" for the caller), and Assignee how a ticket
	// then names its assignee (an e-mail, as declared by AssigneeEmail).
	AssignTo, Assignee string
	// Input is a ticket the reporter may file, with this subject.
	Input func(subject string) support.TicketInput
	Caps  Capabilities
}

// PNG is a real, tiny PNG.
var PNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// Upload is a file of content b.
func Upload(name string, b []byte) support.Upload {
	return support.Upload{Name: name, Size: int64(len(b)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}

// state is what the steps of one run hand each other: the ticket that
// goes through its whole life.
type state struct {
	b      Backend
	info   *support.ServerInfo
	ticket *support.Ticket // filed with PNG, then commented and moved
	final  support.Status  // where the workflow left it
}

// Run runs the suite on the back end newBackend returns, once for the
// run (RT and Redmine are real servers: one client each, a handful of
// tickets). Steps run in order; each asserts on what the back end did.
func Run(t *testing.T, newBackend func(t *testing.T) Backend) {
	b := newBackend(t)
	for _, r := range b.Caps.Rows() {
		t.Log(strings.TrimSpace(fmt.Sprintf("capability %-22s %-10s %s", r.Name, r.Value, r.Reason)))
		if r.Differs && strings.TrimSpace(r.Reason) == "" {
			t.Errorf("capability %s differs from the reference server (%s) without a reason", r.Name, r.Value)
		}
	}
	s := &state{b: b}
	steps := []struct {
		name string
		f    func(t *testing.T, s *state)
	}{
		{"Info", testInfo},
		{"Identity", testIdentity},
		{"Directory", testDirectory},
		{"ContactEditor", testContactEditor},
		{"FileAndShow", testFileAndShow},
		{"Take", testTake},
		{"Comment", testComment},
		{"Workflow", testWorkflow},
		{"ForbiddenMoves", testForbiddenMoves},
		{"Follow", testFollow},
		{"RefusedInput", testRefusedInput},
		{"NotFound", testNotFound},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) { st.f(t, s) })
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	return c
}

// wantCode fails unless err has code want ("" for no error), and says it
// in both languages.
func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := support.ErrorCode(err); got != want {
		t.Errorf("%s: error %q (%v), want %q", what, got, err, cmpOr(want, "none"))
	}
	speaks(t, what, err)
}

// speaks fails unless err can be shown in French and English: its key and
// its fields' rules are in both catalogs (or a server wrote it already).
// One back end's error with a key of its own is how they drift apart.
func speaks(t *testing.T, what string, err error) {
	t.Helper()
	e := support.AsError(err)
	if e == nil {
		return
	}
	for _, lang := range []string{"fr", "en"} {
		if e.Key == "" && e.Message == "" || e.Key != "" && !locale.Has(lang, e.Key) {
			t.Errorf("%s: error %+v has no message in %s", what, e, lang)
		} else if m := locale.T(lang, e.Key, e.Params); e.Key != "" && placeholder.MatchString(m) {
			t.Errorf("%s: message %q lacks a parameter (%v)", what, m, e.Params)
		}
		for _, fe := range e.Fields {
			if fe.Message == "" && !locale.Has(lang, "rule."+fe.Rule) && !locale.Has(lang, "rule."+fe.Field+"."+fe.Rule) {
				t.Errorf("%s: field error %+v has no message in %s", what, fe, lang)
			}
		}
	}
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// wantKey fails unless err's message key, when it has one (a client of
// our server gets the server's text instead), is key: one refusal, one
// message, whatever the back end.
func wantKey(t *testing.T, what string, err error, key string) {
	t.Helper()
	if e := support.AsError(err); e != nil && e.Key != "" && e.Key != key {
		t.Errorf("%s: message key %q, want %q", what, e.Key, key)
	}
}

// wantField fails unless err is EINVALID naming field with rule.
func wantField(t *testing.T, what string, err error, field, rule string) {
	t.Helper()
	speaks(t, what, err)
	e := support.AsError(err)
	if e == nil || e.Code != support.EINVALID {
		t.Errorf("%s: error %v, want %s naming %s", what, err, support.EINVALID, field)
		return
	}
	if !slices.ContainsFunc(e.Fields, func(f support.FieldError) bool { return f.Field == field && f.Rule == rule }) {
		t.Errorf("%s: fields %+v, want %s/%s", what, e.Fields, field, rule)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func unique(what string) string { return what + " " + time.Now().Format("150405.000000") }

func testInfo(t *testing.T, s *state) {
	info, err := s.b.Info.Info(ctx(t))
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	if !support.ValidPrefix(info.Prefix) && info.Prefix != "" {
		t.Errorf("Info prefix %q is not a prefix", info.Prefix)
	}
	if l := info.Limits; l.MaxFileSize <= 0 || l.MaxTicketSize < l.MaxFileSize || l.MaxFiles <= 0 {
		t.Errorf("Info limits %+v", l)
	}
	s.info = info
}

func testIdentity(t *testing.T, s *state) {
	me, err := s.b.Identity.Me(ctx(t))
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	knows := me.Email != "" && me.Role == support.RoleReporter
	if knows != s.b.Caps.MeKnowsCaller.Value {
		t.Errorf("Me = %+v: knows the caller %v, declared %v", me, knows, s.b.Caps.MeKnowsCaller.Value)
	}
}

func testDirectory(t *testing.T, s *state) {
	if (s.b.Directory != nil) != s.b.Caps.Directory.Value {
		t.Fatalf("Directory service present %v, declared %v", s.b.Directory != nil, s.b.Caps.Directory.Value)
	}
	if s.b.Directory == nil {
		return
	}
	uai := s.b.Input("x").Establishment.UAI
	got, err := s.b.Directory.SearchEstablishments(ctx(t), uai[:5], 10)
	if err != nil || !slices.ContainsFunc(got, func(e support.Establishment) bool { return e.UAI == uai && e.Name != "" }) {
		t.Errorf("SearchEstablishments(%s) = %+v, %v; want %s with its name", uai[:5], got, err, uai)
	}
}

func testContactEditor(t *testing.T, s *state) {
	if (s.b.Contact != nil) != s.b.Caps.ContactEditor.Value {
		t.Fatalf("ContactEditor present %v, declared %v", s.b.Contact != nil, s.b.Caps.ContactEditor.Value)
	}
	if s.b.Contact == nil {
		return
	}
	_, err := s.b.Contact.UpdateMe(ctx(t), support.ContactUpdate{Phone: "12"})
	wantField(t, "UpdateMe(bad phone)", err, "phone", support.RulePhone)
	u, err := s.b.Contact.UpdateMe(ctx(t), support.ContactUpdate{Phone: "04 77 00 00 01"})
	if err != nil || u.Phone != "+33477000001" {
		t.Errorf("UpdateMe(phone) = %+v, %v; want +33477000001", u, err)
	}
}

func testFileAndShow(t *testing.T, s *state) {
	c := ctx(t)
	in := s.b.Input(unique("Cahier de textes vide"))
	key := "conformance-" + strings.NewReplacer(" ", "-", ".", "-").Replace(in.Subject)
	opts := support.CreateOptions{IdempotencyKey: key, Attachments: []support.Upload{Upload("capture.png", PNG)}}
	tk, err := s.b.Tickets.CreateTicket(c, in, opts)
	if err != nil {
		t.Fatalf("CreateTicket: %v %+v", err, support.AsError(err).Fields)
	}
	if tk.Number.Seq <= 0 || (s.info != nil && tk.Number.Prefix != s.info.Prefix) || tk.Status != support.StatusNew || tk.Replayed {
		t.Errorf("created %v (prefix %v) status %q replayed %v", tk.Number, s.info, tk.Status, tk.Replayed)
	}
	// The same key again: the same ticket, nothing filed.
	again, err := s.b.Tickets.CreateTicket(c, in, opts)
	if err != nil || again.Number != tk.Number || !again.Replayed {
		t.Errorf("replayed create = %+v, %v; want %v, replayed", again, err, tk.Number)
	}

	got, err := s.b.Tickets.GetTicket(c, tk.Number)
	if err != nil {
		t.Fatalf("GetTicket: %v", err)
	}
	want, _ := in.Normalize()
	g := got.TicketInput
	if g.Subject != want.Subject || g.Priority != want.Priority || g.Establishment.UAI != want.Establishment.UAI ||
		g.Reporter.Name != want.Reporter.Name || g.Reporter.Phone != want.Reporter.Phone ||
		g.Reporter.Function != want.Reporter.Function || g.Location != want.Location ||
		strings.TrimSpace(g.Description) != strings.TrimSpace(want.Description) ||
		!sameSet(g.Population, want.Population) || got.Status != support.StatusNew {
		t.Errorf("read back:\n got %+v (%s)\nwant %+v", g, got.Status, want)
	}
	if len(got.Attachments) != 1 || got.AttachmentCount != 1 {
		t.Fatalf("attachments = %+v (count %d), want capture.png", got.Attachments, got.AttachmentCount)
	}
	download(t, s, tk.Number, got.Attachments[0], PNG)
	s.ticket = got

	page, err := s.b.Tickets.ListTickets(c, support.TicketFilter{Status: []support.Status{support.StatusNew},
		Priority: []support.Priority{want.Priority}, UAI: want.Establishment.UAI, Mine: true, Limit: 20})
	if err != nil {
		t.Fatalf("ListTickets: %v", err)
	}
	i := slices.IndexFunc(page.Tickets, func(x support.TicketSummary) bool { return x.Number == tk.Number })
	if i < 0 {
		t.Fatalf("the list by status, priority, UAI and mine lacks %v: %d tickets", tk.Number, len(page.Tickets))
	}
	if l := page.Tickets[i]; l.Subject != want.Subject || l.Status != support.StatusNew || l.Priority != want.Priority {
		t.Errorf("listed as %+v", l)
	}
	// Another status: not listed.
	page, err = s.b.Tickets.ListTickets(c, support.TicketFilter{Status: []support.Status{support.StatusResolved},
		UAI: want.Establishment.UAI, Limit: 50})
	if err != nil || slices.ContainsFunc(page.Tickets, func(x support.TicketSummary) bool { return x.Number == tk.Number }) {
		t.Errorf("the list of resolved tickets holds the new %v (%v)", tk.Number, err)
	}
}

func sameSet[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// download reads attachment a of ticket n and checks it is content.
func download(t *testing.T, s *state, n support.Number, a support.Attachment, content []byte) {
	t.Helper()
	sum := sha256.Sum256(content)
	hexSum := hex.EncodeToString(sum[:])
	if a.Size != int64(len(content)) || a.ContentType != "image/png" || a.ID == 0 {
		t.Errorf("attachment %+v: want %d bytes of image/png", a, len(content))
	}
	if has := a.SHA256 == hexSum; has != s.b.Caps.FileSHA256.Value || (a.SHA256 != "" && !has) {
		t.Errorf("attachment SHA-256 %q, declared %v (want %s)", a.SHA256, s.b.Caps.FileSHA256.Value, hexSum)
	}
	d, rc, err := s.b.Tickets.OpenAttachment(ctx(t), n, a.ID)
	if err != nil {
		t.Fatalf("OpenAttachment: %v", err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, content) {
		t.Errorf("downloaded %d bytes (%v), want the %d sent", len(got), err, len(content))
	}
	if d.Name != a.Name {
		t.Errorf("download named %q, listed as %q", d.Name, a.Name)
	}
}

func testComment(t *testing.T, s *state) {
	if s.ticket == nil {
		t.Fatal("no ticket filed")
	}
	c, n := ctx(t), s.ticket.Number
	_, err := s.b.Tickets.AddComment(c, n, "  ", nil)
	wantCode(t, "empty comment", err, support.EINVALID)
	_, err = s.b.Tickets.AddComment(c, n, "Voici l'outil.", []support.Upload{Upload("outil.exe", exe)})
	wantField(t, "a comment's executable", err, "attachments", support.RuleFileType)

	shot := append(slices.Clone(PNG), []byte("second")...)
	cm, err := s.b.Tickets.AddComment(c, n, "Toujours vide ce matin.", []support.Upload{Upload("encore.png", shot)})
	if err != nil || cm.ID == 0 || cm.Body != "Toujours vide ce matin." {
		t.Fatalf("AddComment = %+v, %v", cm, err)
	}
	reply, err := s.b.AgentTickets.AddComment(c, n, "Nous regardons.", nil)
	if err != nil || reply.ID == 0 || reply.ID == cm.ID {
		t.Fatalf("agent's AddComment = %+v, %v", reply, err)
	}
	got, err := s.b.Tickets.GetTicket(c, n)
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[int64]string{}
	for _, x := range got.Comments {
		bodies[x.ID] = strings.TrimSpace(x.Body)
	}
	if bodies[cm.ID] != "Toujours vide ce matin." || bodies[reply.ID] != "Nous regardons." {
		t.Errorf("comments read back %v; want the reporter's and the agent's", bodies)
	}
	if len(got.Attachments) != 2 || got.AttachmentCount != 2 {
		t.Fatalf("attachments after the comment: %+v (count %d)", got.Attachments, got.AttachmentCount)
	}
	i := slices.IndexFunc(got.Attachments, func(a support.Attachment) bool { return a.Name == "encore.png" })
	if i < 0 {
		t.Fatalf("the comment's file is not listed: %+v", got.Attachments)
	}
	if linked := got.Attachments[i].CommentID == cm.ID; linked != s.b.Caps.CommentFileLinked.Value {
		t.Errorf("comment file's CommentID %d (comment %d), declared linked %v", got.Attachments[i].CommentID, cm.ID,
			s.b.Caps.CommentFileLinked.Value)
	}
	download(t, s, n, got.Attachments[i], shot)
	s.ticket = got
}

// move changes ticket n's status as the agent and checks where it lands.
func move(t *testing.T, w support.WorkflowService, n support.Number, to support.Status, msg string) {
	t.Helper()
	got, err := w.ChangeStatus(ctx(t), n, to, msg)
	if err != nil || got.Status != to {
		t.Fatalf("ChangeStatus(%s) = %v", to, errOrStatus(got, err))
	}
}

func errOrStatus(tk *support.Ticket, err error) any {
	if err != nil {
		return err
	}
	return tk.Status
}

// testTake has the agent take the new ticket, before anyone answers it
// (RT opens a ticket by itself when an agent writes).
func testTake(t *testing.T, s *state) {
	if s.ticket == nil {
		t.Fatal("no ticket filed")
	}
	c, n, w, caps := ctx(t), s.ticket.Number, s.b.Workflow, s.b.Caps
	// Take it: with no e-mail (myself) as declared, then by e-mail.
	// Taking the new ticket starts it, or not, as declared.
	got, err := w.Assign(c, n, "")
	wantCode(t, "Assign(myself)", err, caps.AssignSelf.Value)
	taken := got
	got, err = w.Assign(c, n, s.b.AssignTo)
	if err != nil || !strings.EqualFold(got.Assignee, s.b.Assignee) {
		t.Fatalf("Assign(%q) = %v; assignee %q, want %q", s.b.AssignTo, err, assignee(got), s.b.Assignee)
	}
	if email := strings.Contains(got.Assignee, "@"); email != caps.AssigneeEmail.Value {
		t.Errorf("assignee %q: an e-mail %v, declared %v", got.Assignee, email, caps.AssigneeEmail.Value)
	}
	if taken == nil {
		taken = got
	}
	if started := taken.Status == support.StatusOpen; started != caps.TakeStarts.Value {
		t.Errorf("taking a new ticket left it %s; declared take_starts %v", taken.Status, caps.TakeStarts.Value)
	}
	if got.Status != support.StatusOpen {
		move(t, w, n, support.StatusOpen, "Nous regardons.")
	}
	seen, err := s.b.Tickets.GetTicket(c, n)
	if err != nil {
		t.Fatal(err)
	}
	if sees := strings.EqualFold(seen.Assignee, s.b.Assignee); sees != caps.ReporterSeesAssignee.Value {
		t.Errorf("the reporter sees assignee %q; declared reporter_sees_assignee %v", seen.Assignee, caps.ReporterSeesAssignee.Value)
	}
}

func testWorkflow(t *testing.T, s *state) {
	if s.ticket == nil {
		t.Fatal("no ticket filed")
	}
	c, n, w, caps := ctx(t), s.ticket.Number, s.b.Workflow, s.b.Caps
	_, err := w.ChangeStatus(c, n, "bogus", "")
	wantCode(t, "ChangeStatus(bogus)", err, support.EINVALID)
	var got *support.Ticket

	if got, err = w.ChangePriority(c, n, support.Majeure, "Requalifié."); err != nil || got.Priority != support.Majeure {
		t.Fatalf("ChangePriority(majeure) = %v, %v", got, err)
	}
	_, err = w.ChangePriority(c, n, "urgente", "")
	wantCode(t, "ChangePriority(urgente)", err, support.EINVALID)

	move(t, w, n, support.StatusWaiting, "Pouvez-vous préciser ?")
	move(t, w, n, support.StatusOpen, "")
	move(t, w, n, support.StatusResolved, "Corrigé.")

	// The reporter reopens it, with a reason.
	_, err = s.b.ReporterWorkflow.Reopen(c, n, " ")
	wantCode(t, "Reopen without a reason", err, support.EINVALID)
	got, err = s.b.ReporterWorkflow.Reopen(c, n, "Toujours vide.")
	wantCode(t, "the reporter's Reopen", err, caps.ReporterReopen.Value)
	if err != nil {
		if got, err = w.Reopen(c, n, "Toujours vide, dit-on."); err != nil {
			t.Fatalf("the agent's Reopen: %v", err)
		}
	}
	if got.Status != support.StatusOpen {
		t.Fatalf("reopened ticket is %s", got.Status)
	}
	_, err = s.b.ReporterWorkflow.Reopen(c, n, "Encore.")
	wantCode(t, "Reopen of an open ticket", err, support.ECONFLICT)
	wantKey(t, "Reopen of an open ticket", err, "error.reopen_not_resolved")

	move(t, w, n, support.StatusResolved, "Corrigé, pour de bon.")
	s.final = support.StatusResolved
	got, err = w.ChangeStatus(c, n, support.StatusClosed, "")
	wantCode(t, "ChangeStatus(clos)", err, caps.CloseResolved.Value)
	if err == nil {
		if got.Status != support.StatusClosed {
			t.Errorf("closed ticket reads %s", got.Status)
		}
		s.final = support.StatusClosed
	}
	after, err := s.b.Tickets.GetTicket(c, n)
	if err != nil || after.Status != s.final || after.Priority != support.Majeure {
		t.Errorf("the reporter reads %v, want %s and majeure", errOrStatus(after, err), s.final)
	}
}

func assignee(t *support.Ticket) string {
	if t == nil {
		return ""
	}
	return t.Assignee
}

// testForbiddenMoves files a ticket and tries what the procedure
// forbids; where the back end accepts it (as declared), the ticket is
// brought on to check the next rule all the same.
func testForbiddenMoves(t *testing.T, s *state) {
	c, w, caps := ctx(t), s.b.Workflow, s.b.Caps
	tk, err := s.b.Tickets.CreateTicket(c, s.b.Input(unique("Messagerie lente")), support.CreateOptions{})
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	n := tk.Number
	_, err = s.b.ReporterWorkflow.Reopen(c, n, "Pas résolu.")
	wantCode(t, "Reopen of a new ticket", err, support.ECONFLICT)
	wantKey(t, "Reopen of a new ticket", err, "error.reopen_not_resolved")
	_, err = w.ChangeStatus(c, n, support.StatusResolved, "")
	wantCode(t, "ChangeStatus(nouveau → resolu)", err, caps.ForbiddenMove.Value)
	move(t, w, n, support.StatusOpen, "") // from nouveau, or from resolu where that was accepted
	_, err = s.b.ReporterWorkflow.ChangeStatus(c, n, support.StatusWaiting, "")
	wantCode(t, "the reporter's ChangeStatus(en_attente)", err, caps.ReporterMove.Value)
	if err == nil {
		move(t, w, n, support.StatusOpen, "")
	}
	move(t, w, n, support.StatusResolved, "")
	_, err = w.ChangeStatus(c, n, support.StatusClosed, "")
	wantCode(t, "ChangeStatus(resolu → clos)", err, caps.CloseResolved.Value)
	if err != nil {
		return // no clos: nothing is closed, the rest is about closed tickets
	}
	_, err = s.b.Tickets.AddComment(c, n, "Encore là ?", nil)
	wantCode(t, "AddComment on a closed ticket", err, caps.CommentOnClosed.Value)
	_, err = w.ChangeStatus(c, n, support.StatusOpen, "")
	wantCode(t, "ChangeStatus(clos → en_cours)", err, caps.ForbiddenMove.Value)
}

var errStop = errors.New("stop")

func testFollow(t *testing.T, s *state) {
	if s.final == "" {
		t.Fatal("the workflow did not run")
	}
	n := s.ticket.Number
	c, cancel := context.WithTimeout(ctx(t), 60*time.Second)
	defer cancel()
	var (
		mu     sync.Mutex
		events []support.Event
		last   time.Time
	)
	done := make(chan error, 1)
	go func() {
		done <- s.b.Follower.Follow(c, n, 0, func(e support.Event) error {
			mu.Lock()
			defer mu.Unlock()
			events, last = append(events, e), time.Now()
			return nil
		})
	}()
	// Until the last event is the final move and nothing came for a while.
	for c.Err() == nil {
		time.Sleep(200 * time.Millisecond)
		mu.Lock()
		settled := len(events) > 0 && events[len(events)-1].Kind == support.EventStatus &&
			support.Status(events[len(events)-1].To) == s.final && time.Since(last) > 1500*time.Millisecond
		mu.Unlock()
		if settled {
			break
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Follow returned %v, want the context's error", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) == 0 || events[0].Kind != support.EventCreated || events[0].Ticket != n {
		t.Fatalf("Follow: first event %+v, want the creation of %v", events, n)
	}
	kinds := map[string]int{}
	var statuses []string
	for i, e := range events {
		if i > 0 && e.ID <= events[i-1].ID {
			t.Errorf("event IDs not increasing: %d after %d", e.ID, events[i-1].ID)
		}
		kinds[e.Kind]++
		switch e.Kind {
		case support.EventStatus:
			statuses = append(statuses, e.To)
		case support.EventPriority:
			if e.To != string(support.Majeure) {
				t.Errorf("priority event %+v, want → majeure", e)
			}
		case support.EventAssignee:
			if !strings.EqualFold(e.To, s.b.Assignee) {
				t.Errorf("assignee event %+v, want → %s", e, s.b.Assignee)
			}
		}
	}
	if kinds[support.EventComment] < 2 || kinds[support.EventPriority] != 1 {
		t.Errorf("events by kind %v: want both comments and the priority", kinds)
	}
	if (kinds[support.EventAssignee] == 1) != s.b.Caps.ReporterSeesAssignee.Value {
		t.Errorf("%d assignee events; declared reporter_sees_assignee %v", kinds[support.EventAssignee],
			s.b.Caps.ReporterSeesAssignee.Value)
	}
	want := []string{"en_cours", "en_attente", "en_cours", "resolu", "en_cours", "resolu"}
	if s.final == support.StatusClosed {
		want = append(want, "clos")
	}
	if !slices.Equal(statuses, want) {
		t.Errorf("status events %v, want %v", statuses, want)
	}

	// Resuming after the first event starts at the second.
	var resumed support.Event
	err := s.b.Follower.Follow(ctx(t), n, events[0].ID, func(e support.Event) error {
		resumed = e
		return errStop
	})
	if !errors.Is(err, errStop) || resumed.ID != events[1].ID {
		t.Errorf("Follow after %d gave %+v (%v), want event %d", events[0].ID, resumed, err, events[1].ID)
	}
}

func testRefusedInput(t *testing.T, s *state) {
	c := ctx(t)
	refuse := func(what string, edit func(*support.TicketInput), field, rule string) {
		t.Helper()
		in := s.b.Input(unique("Refusé"))
		edit(&in)
		_, err := s.b.Tickets.CreateTicket(c, in, support.CreateOptions{})
		wantField(t, what, err, field, rule)
	}
	refuse("no subject", func(in *support.TicketInput) { in.Subject = " " }, "subject", support.RuleRequired)
	refuse("no priority", func(in *support.TicketInput) { in.Priority = "" }, "priority", support.RuleRequired)
	refuse("bad UAI key", func(in *support.TicketInput) { in.Establishment.UAI = "0421234A" }, "establishment.uai", support.RuleUAIKey)
	refuse("bad UAI", func(in *support.TicketInput) { in.Establishment.UAI = "42" }, "establishment.uai", support.RuleUAIFormat)
	refuse("bad phone", func(in *support.TicketInput) { in.Reporter.Phone = "12 34" }, "reporter.phone", support.RulePhone)

	file := func(what string, up support.Upload, code, rule string) {
		t.Helper()
		_, err := s.b.Tickets.CreateTicket(c, s.b.Input(unique("Fichier refusé")),
			support.CreateOptions{Attachments: []support.Upload{up}})
		if code == support.EINVALID {
			wantField(t, what, err, "attachments", rule)
		} else {
			wantCode(t, what, err, code)
		}
	}
	file("an executable", Upload("outil.exe", exe),
		support.EINVALID, support.RuleFileType)
	file("an empty file", Upload("vide.png", nil), support.EINVALID, support.RuleFileEmpty)
	limit := support.DefaultLimits().MaxFileSize
	if s.info != nil {
		limit = s.info.Limits.MaxFileSize
	}
	big := support.Upload{Name: "enorme.png", Size: limit + 1, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(io.MultiReader(bytes.NewReader(PNG), io.LimitReader(zeros{}, limit+1-int64(len(PNG))))), nil
	}}
	file("a file over the limit", big, s.b.Caps.FileTooLarge.Value, support.RuleFileSize)
}

// exe starts as a Windows program does.
var exe = append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 200)...)

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func testNotFound(t *testing.T, s *state) {
	c := ctx(t)
	prefix := ""
	if s.info != nil {
		prefix = s.info.Prefix
	}
	n := support.Number{Prefix: prefix, Seq: 987654321}
	_, err := s.b.Tickets.GetTicket(c, n)
	wantCode(t, "GetTicket(unknown)", err, support.ENOTFOUND)
	wantKey(t, "GetTicket(unknown)", err, "error.ticket_not_found")
	_, err = s.b.Tickets.AddComment(c, n, "Allô ?", nil)
	wantCode(t, "AddComment(unknown)", err, support.ENOTFOUND)
	_, err = s.b.Workflow.ChangeStatus(c, n, support.StatusOpen, "")
	wantCode(t, "ChangeStatus(unknown)", err, support.ENOTFOUND)
	_, _, err = s.b.Tickets.OpenAttachment(c, n, 1)
	wantCode(t, "OpenAttachment(unknown ticket)", err, support.ENOTFOUND)
	fc, cancel := context.WithTimeout(c, 30*time.Second)
	defer cancel()
	err = s.b.Follower.Follow(fc, n, 0, func(support.Event) error { return errStop })
	wantCode(t, "Follow(unknown)", err, support.ENOTFOUND)
	if s.ticket != nil {
		_, _, err = s.b.Tickets.OpenAttachment(c, s.ticket.Number, 987654321)
		wantCode(t, "OpenAttachment(unknown file)", err, support.ENOTFOUND)
	}
}
