package outbox

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/drafts"
	"github.com/ent-support/ent-support/internal/support"
	"github.com/ent-support/ent-support/internal/support/supportfake"
)

// newServer is a fake server that files tickets by Idempotency-Key, like
// the real one: a replay returns the first ticket.
func newServer() *supportfake.Service { return supportfake.New() }

// received is what the server received with the ticket of key.
func received(srv *supportfake.Service, key string) [][]byte {
	var out [][]byte
	if t := srv.Filed(key); t != nil {
		for _, a := range t.Attachments {
			out = append(out, srv.Files[a.ID])
		}
	}
	return out
}

func upload(t *testing.T, path string, content string) support.Upload {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return support.Upload{Name: filepath.Base(path), Size: int64(len(content)),
		Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

func unavailable() error { return support.Errorf(support.EUNAVAILABLE, "error.unavailable", nil) }

// The attachments are copies: the screenshot can be edited or deleted
// after the ticket was kept, and the ticket still goes with what was
// checked.
func TestAddCopiesAttachmentsAndSendsThem(t *testing.T) {
	dir := t.TempDir()
	o := Open(filepath.Join(dir, "state"), nil)
	shot := filepath.Join(dir, "capture.png")
	up := upload(t, shot, "the screenshot")
	e, err := o.Add(support.TicketInput{Subject: "Messagerie"}, "cli-1", []support.Upload{up}, []string{shot})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(shot, []byte("edited later"), 0o644)
	os.Remove(shot)

	es, err := o.List()
	if err != nil || len(es) != 1 || es[0].ID != e.ID || es[0].IdempotencyKey != "cli-1" || es[0].Attachments[0].Source != shot {
		t.Fatalf("List: %+v %v", es, err)
	}
	srv := newServer()
	var sent []string
	if err := o.Send(context.Background(), srv, func(r Result) { sent = append(sent, r.Ticket.Number.String()) }); err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || sent[0] != "CG42N1-1" {
		t.Errorf("sent %v", sent)
	}
	if got := received(srv, "cli-1"); len(got) != 1 || !bytes.Equal(got[0], []byte("the screenshot")) {
		t.Errorf("server received %q, want the file as it was checked", got)
	}
	if !o.Empty() {
		t.Error("the entry is still there after the server confirmed it")
	}
	if des, _ := os.ReadDir(o.Dir()); len(des) != 0 {
		t.Errorf("outbox folder keeps %v", des)
	}
}

// An entry leaves only once its number came back; an unreachable server
// stops the round and keeps everything not confirmed; sending again uses
// each entry's own key, so a ticket the server filed but could not
// confirm is not filed twice.
func TestSendRemovesOnlyConfirmedAndReplaysKeys(t *testing.T) {
	now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	o := Open(t.TempDir(), func() time.Time { now = now.Add(time.Second); return now })
	for _, k := range []string{"k1", "k2", "k3"} {
		if _, err := o.Add(support.TicketInput{Subject: k}, k, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	srv := newServer()
	srv.FailOn = map[string][]error{"CreateTicket": {nil, unavailable()}}
	var got []string
	err := o.Send(context.Background(), srv, func(r Result) {
		if r.Err == nil {
			got = append(got, r.Entry.IdempotencyKey)
		}
	})
	if support.ErrorCode(err) != support.EUNAVAILABLE {
		t.Fatalf("Send: %v, want EUNAVAILABLE", err)
	}
	if strings.Join(got, ",") != "k1" || srv.Count("CreateTicket") != 2 {
		t.Errorf("sent %v in %d calls, want k1 then a stop at the unreachable server", got, srv.Count("CreateTicket"))
	}
	es, _ := o.List()
	if len(es) != 2 || es[0].IdempotencyKey != "k2" || es[1].IdempotencyKey != "k3" {
		t.Fatalf("left %+v, want k2 and k3 in order", es)
	}
	// The server filed k2 but its answer was lost: a replay gives the same number.
	if _, err := srv.CreateTicket(context.Background(), support.TicketInput{Subject: "k2"}, support.CreateOptions{IdempotencyKey: "k2"}); err != nil {
		t.Fatal(err)
	}
	got = nil
	if err := o.Send(context.Background(), srv, func(r Result) { got = append(got, r.Ticket.Number.String()) }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "CG42N1-2,CG42N1-3" || len(srv.Tickets) != 3 {
		t.Errorf("second round sent %v; the server holds %d tickets, want 3", got, len(srv.Tickets))
	}
	if err := o.Send(context.Background(), srv, func(Result) { t.Error("an empty outbox sent something") }); err != nil {
		t.Fatal(err)
	}
}

// A ticket the server refuses for itself stays, and does not block the others.
func TestRefusedEntryStaysOthersGo(t *testing.T) {
	o := Open(t.TempDir(), nil)
	o.Add(support.TicketInput{Subject: "a"}, "ka", nil, nil)
	o.Add(support.TicketInput{Subject: "b"}, "kb", nil, nil)
	srv := newServer()
	srv.FailOn = map[string][]error{"CreateTicket": {support.InvalidFields([]support.FieldError{{Field: "subject", Rule: support.RuleRequired}})}}
	err := o.Send(context.Background(), srv, nil)
	if support.ErrorCode(err) != support.EINVALID {
		t.Fatalf("Send: %v, want the refusal", err)
	}
	es, _ := o.List()
	if len(es) != 1 || es[0].IdempotencyKey != "ka" || srv.Filed("kb") == nil {
		t.Errorf("left %+v; want only the refused one, the other sent", es)
	}
}

func TestModesAndCrashLeftovers(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX modes")
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	o := Open(state, nil)
	up := upload(t, filepath.Join(dir, "a.png"), "png")
	e, err := o.Add(support.TicketInput{}, "k", []support.Upload{up}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{state, o.Dir(), filepath.Join(o.Dir(), e.ID), filepath.Join(o.Dir(), e.ID, "files")} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v, want 0700", p, fi.Mode().Perm(), err)
		}
	}
	for _, p := range []string{"entry.json", filepath.Join("files", "1")} {
		if fi, err := os.Stat(filepath.Join(o.Dir(), e.ID, p)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, want 0600", p, err)
		}
	}
	// A crash in the middle of Add leaves a hidden folder: never an entry.
	os.MkdirAll(filepath.Join(o.Dir(), ".new-123", "files"), 0o700)
	// A folder without entry.json is not an entry either.
	os.MkdirAll(filepath.Join(o.Dir(), "20200101-000000-beef"), 0o700)
	es, err := o.List()
	if err != nil || len(es) != 1 {
		t.Errorf("List: %d entries %v, want 1", len(es), err)
	}
}

func TestAddNeedsAKey(t *testing.T) {
	if _, err := Open(t.TempDir(), nil).Add(support.TicketInput{}, "", nil, nil); err == nil {
		t.Error("an entry without Idempotency-Key was kept: sending it twice could file it twice")
	}
}

// TestPlacesKeepServersApart: an entry is listed, counted and sent only
// from the profile and server it was kept for; an entry kept before
// entries remembered their place belongs to the default profile.
func TestPlacesKeepServersApart(t *testing.T) {
	state := t.TempDir()
	whole := Open(state, nil)
	loire := whole.For(config.PlaceOf("loire", "https://support.loire.example"))
	ain := whole.For(config.PlaceOf("ain", "https://support.ain.example"))
	def := whole.For(config.PlaceOf(config.DefaultProfile, "https://support.example"))
	if _, err := loire.Add(support.TicketInput{Subject: "Pilat"}, "k-loire", nil, nil); err != nil {
		t.Fatal(err)
	}
	legacy, err := whole.Add(support.TicketInput{Subject: "old"}, "k-old", nil, nil)
	if err != nil || legacy.Profile != "" {
		t.Fatalf("unplaced add: %+v %v", legacy, err)
	}
	count := func(o *Outbox) (mine, others int) {
		es, err := o.List()
		if err != nil {
			t.Fatal(err)
		}
		n, err := o.Others()
		if err != nil {
			t.Fatal(err)
		}
		return len(es), n
	}
	for name, tt := range map[string]struct {
		o            *Outbox
		mine, others int
		empty        bool
	}{"loire": {loire, 1, 1, false}, "ain": {ain, 0, 2, true}, "default": {def, 1, 1, false}} {
		mine, others := count(tt.o)
		if mine != tt.mine || others != tt.others || tt.o.Empty() != tt.empty {
			t.Errorf("%s: %d mine, %d others, empty %v", name, mine, others, tt.o.Empty())
		}
	}
	srv := newServer()
	if err := ain.Send(context.Background(), srv, nil); err != nil || srv.Count("CreateTicket") != 0 {
		t.Fatalf("ain sent %d of others' tickets (%v)", srv.Count("CreateTicket"), err)
	}
	if err := loire.Send(context.Background(), srv, nil); err != nil || srv.Count("CreateTicket") != 1 || srv.Filed("k-loire") == nil {
		t.Fatalf("loire sent %d (%v)", srv.Count("CreateTicket"), err)
	}
}

// Only a refusal for the ticket's content makes a draft: field errors.
// An unreachable or busy server, a refused token, a server error, or an
// error without fields leave the entry to be sent again.
func TestRefusedIsOnlyFieldErrors(t *testing.T) {
	fields := []support.FieldError{{Field: "establishment.uai", Rule: "unknown"}}
	cases := []struct {
		err  error
		want bool
	}{
		{support.InvalidFields(fields), true},
		{&support.Error{Code: support.ETOOLARGE, Key: "error.too_large", Fields: fields}, true},
		{support.Errorf(support.EINVALID, "error.invalid_fields", nil), false},
		{unavailable(), false},
		{support.Errorf(support.ERATELIMITED, "error.rate_limited", nil), false},
		{support.Errorf(support.EUNAUTHENTICATED, "error.unauthenticated", nil), false},
		{support.Errorf(support.EFORBIDDEN, "error.forbidden", nil), false},
		{support.Errorf(support.EINTERNAL, "error.internal", nil), false},
		{nil, false},
	}
	for _, c := range cases {
		if got := Refused(c.err); got != c.want {
			t.Errorf("Refused(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// An entry refused for its content leaves the outbox and becomes a draft
// with the same ID, the server's field errors, no Idempotency-Key, and its
// copied file under its own name; the next entry is still sent.
func TestSendRedraftsRefusedEntry(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	p := config.Place{Profile: config.DefaultProfile, Server: "http://s"}
	ds := drafts.Open(state, nil).For(p)
	o := Open(state, nil).For(p).RedraftTo(ds)
	shot := filepath.Join(dir, "capture.png")
	refused, err := o.Add(support.TicketInput{Subject: "Refusé"}, "cli-1", []support.Upload{upload(t, shot, "png")}, []string{shot})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(shot)
	if _, err := o.Add(support.TicketInput{Subject: "Accepté"}, "cli-2", nil, nil); err != nil {
		t.Fatal(err)
	}
	fields := []support.FieldError{{Field: "establishment.uai", Rule: "unknown"}}
	srv := newServer()
	srv.FailOn = map[string][]error{"CreateTicket": {support.InvalidFields(fields)}}
	var results []Result
	err = o.Send(context.Background(), srv, func(r Result) { results = append(results, r) })
	if !Refused(err) {
		t.Errorf("Send = %v, want the refusal", err)
	}
	if len(results) != 2 || results[0].Draft == nil || results[0].DraftErr != nil || results[1].Err != nil {
		t.Fatalf("results = %+v", results)
	}
	if es, _ := o.List(); len(es) != 0 {
		t.Errorf("outbox still holds %d entries", len(es))
	}
	d, err := ds.Get(refused.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Input.Subject != "Refusé" || d.IdempotencyKey != "" || len(d.Problems) != 1 || d.Problems[0].Field != "establishment.uai" || d.Problems[0].Rule != "unknown" {
		t.Errorf("draft = %+v", d)
	}
	if len(d.Attachments) != 1 || filepath.Base(d.Attachments[0]) != "capture.png" {
		t.Fatalf("attachments = %q", d.Attachments)
	}
	if b, err := os.ReadFile(d.Attachments[0]); err != nil || string(b) != "png" {
		t.Errorf("kept file = %q, %v", b, err)
	}
	// Removing the draft removes its files.
	if err := ds.Remove(d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(ds.FilesDir(d.ID)); !os.IsNotExist(err) {
		t.Errorf("draft files left: %v", err)
	}
}

// Announce is kept in the entry: the next List sees it.
func TestAnnounceIsRemembered(t *testing.T) {
	o := Open(t.TempDir(), nil)
	e, err := o.Add(support.TicketInput{Subject: "x"}, "cli-1", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Announce(e, support.EUNAVAILABLE); err != nil {
		t.Fatal(err)
	}
	got, err := o.Get(strings.ToUpper(e.ID))
	if err != nil {
		t.Fatal(err)
	}
	if got.Announced != support.EUNAVAILABLE || got.IdempotencyKey != "cli-1" {
		t.Errorf("entry = %+v", got)
	}
	if _, err := o.Get("20000101-000000-abcd"); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("Get unknown = %v", err)
	}
}

// A refused entry that cannot become a draft stays whole, with its file.
func TestRedraftFailureKeepsTheEntry(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	ds := drafts.Open(state, nil)
	o := Open(state, nil).RedraftTo(ds)
	shot := filepath.Join(dir, "capture.png")
	e, err := o.Add(support.TicketInput{Subject: "Refusé"}, "cli-1", []support.Upload{upload(t, shot, "png")}, []string{shot})
	if err != nil {
		t.Fatal(err)
	}
	// The draft's file cannot be written: a folder has its name.
	if err := os.MkdirAll(filepath.Join(ds.Dir(), e.ID+".json", "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	srv := newServer()
	srv.FailOn = map[string][]error{"CreateTicket": {support.InvalidFields([]support.FieldError{{Field: "establishment.uai", Rule: support.RuleUAIUnknown}})}}
	var r Result
	o.Send(context.Background(), srv, func(res Result) { r = res })
	if r.Draft != nil || r.DraftErr == nil {
		t.Fatalf("result = %+v, want the draft to fail", r)
	}
	es, _ := o.List()
	if len(es) != 1 {
		t.Fatalf("entries = %d, want the entry kept", len(es))
	}
	rc, err := es[0].Uploads()[0].Open()
	if err != nil {
		t.Fatalf("the entry lost its file: %v", err)
	}
	rc.Close()
}
