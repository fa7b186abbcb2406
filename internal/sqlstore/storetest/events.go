package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testEvents: every change writes its event with the change, in commit
// order; Events pages after an ID; a refused change writes none.
func testEvents(t *testing.T, s support.Store) {
	ctx := context.Background()
	tk := create(t, s, newTicket("0420001N", 1, support.Mineure))
	other := create(t, s, newTicket("0420001N", 1, support.Majeure))
	const paul = "Paul Agent <paul@example.fr>"

	if err := s.ChangeTicket(ctx, tk.Number, paul, "", []support.TicketChange{
		{Field: support.FieldAssignee, From: "", To: "paul@example.fr"},
		{Field: support.FieldStatus, From: "nouveau", To: "en_cours"},
	}); err != nil {
		t.Fatal(err)
	}
	c := &support.Comment{Author: paul, Role: support.RoleAgent, Body: "Videz le cache."}
	if err := s.AddComment(ctx, tk.Number, c, []support.FileData{file("aide.txt", "help")}, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.AddComment(ctx, other.Number, &support.Comment{Author: paul, Role: support.RoleAgent, Body: "autre"}, nil, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeTicket(ctx, tk.Number, paul, "Corrigé", []support.TicketChange{
		{Field: support.FieldPriority, From: "mineure", To: "bloquante"},
		{Field: support.FieldStatus, From: "en_cours", To: "resolu"},
	}); err != nil {
		t.Fatal(err)
	}
	// Refused: nothing written.
	err := s.ChangeTicket(ctx, tk.Number, paul, "", []support.TicketChange{{Field: support.FieldStatus, From: "en_cours", To: "resolu"}})
	wantError(t, err, support.ECONFLICT, "error.ticket_changed")

	got, err := s.Events(ctx, tk.Number, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	anne := "Anne Dupré <anne.dupre@example.fr>"
	want := []support.Event{
		{Ticket: tk.Number, Kind: support.EventCreated, Actor: anne, To: "nouveau", Message: tk.Subject},
		{Ticket: tk.Number, Kind: support.EventAssignee, Actor: paul, To: "paul@example.fr"},
		{Ticket: tk.Number, Kind: support.EventStatus, Actor: paul, From: "nouveau", To: "en_cours"},
		{Ticket: tk.Number, Kind: support.EventComment, Actor: paul, Role: support.RoleAgent, Message: "Videz le cache.",
			CommentID: c.ID, Attachments: []string{"aide.txt"}},
		{Ticket: tk.Number, Kind: support.EventPriority, Actor: paul, From: "mineure", To: "bloquante", Message: "Corrigé"},
		{Ticket: tk.Number, Kind: support.EventStatus, Actor: paul, From: "en_cours", To: "resolu", Message: "Corrigé"},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(support.Event{}, "ID", "At")); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	for i, e := range got {
		if e.At.IsZero() || (i > 0 && e.ID <= got[i-1].ID) {
			t.Errorf("event %d: id %d at %v; want increasing IDs and a time", i, e.ID, e.At)
		}
	}
	if !got[5].Settles() || got[2].Settles() {
		t.Errorf("Settles: resolu %v, en_cours %v", got[5].Settles(), got[2].Settles())
	}
	// After an ID, with a limit.
	page, err := s.Events(ctx, tk.Number, got[1].ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got[2:4], page); diff != "" {
		t.Errorf("after %d limit 2 (-want +got):\n%s", got[1].ID, diff)
	}
	if rest, err := s.Events(ctx, tk.Number, got[5].ID, 0); err != nil || len(rest) != 0 {
		t.Errorf("after the last = %v, %v; want none", rest, err)
	}
	// The other ticket's events are its own, and IDs are server-wide.
	o, err := s.Events(ctx, other.Number, 0, 0)
	if err != nil || len(o) != 2 || o[1].Kind != support.EventComment || o[1].ID <= got[3].ID || o[1].ID >= got[4].ID {
		t.Errorf("other ticket's events = %+v, %v", o, err)
	}
	_, err = s.Events(ctx, support.Number{Prefix: prefix, Seq: 999}, 0, 0)
	wantError(t, err, support.ENOTFOUND, "error.ticket_not_found")
}

// testEventsConcurrentCreates: creates sharing a group commit each get
// their own creation event, and a refused one (in its SAVEPOINT) none.
func testEventsConcurrentCreates(t *testing.T, s support.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	tks := make([]*support.Ticket, 20)
	for i := range tks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := newTicket("0420001N", 1, support.Mineure)
			if _, err := s.CreateTicket(ctx, tk, nil); err != nil {
				t.Error(err)
				return
			}
			tks[i] = tk
		}()
	}
	wg.Wait()
	for _, tk := range tks {
		if tk == nil {
			continue
		}
		ev, err := s.Events(ctx, tk.Number, 0, 0)
		if err != nil || len(ev) != 1 || ev[0].Kind != support.EventCreated {
			t.Errorf("%s: events %+v, %v; want one creation", tk.Number, ev, err)
		}
	}
}
