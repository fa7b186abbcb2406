package storetest

import (
	"context"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testChangeTicket: each change lands with its history entry, in one
// transaction; a change whose From no longer holds writes nothing.
func testChangeTicket(t *testing.T, s support.Store) {
	ctx := context.Background()
	tk := create(t, s, newTicket("0420001N", 1, support.Mineure))
	const paul = "Paul Agent <paul@example.fr>"

	err := s.ChangeTicket(ctx, tk.Number, paul, "", []support.TicketChange{
		{Field: support.FieldAssignee, From: "", To: "paul@example.fr"},
		{Field: support.FieldStatus, From: string(support.StatusNew), To: string(support.StatusOpen)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeTicket(ctx, tk.Number, paul, "Rendu bloquant : tout le collège", []support.TicketChange{
		{Field: support.FieldPriority, From: string(support.Mineure), To: string(support.Bloquante)},
	}); err != nil {
		t.Fatal(err)
	}
	got := get(t, s, tk.Number)
	if got.Status != support.StatusOpen || got.Priority != support.Bloquante || got.Assignee != "paul@example.fr" {
		t.Errorf("status, priority, assignee = %s, %s, %q", got.Status, got.Priority, got.Assignee)
	}
	if got.UpdatedAt.Before(tk.UpdatedAt) {
		t.Errorf("updated_at = %v, before the create's %v", got.UpdatedAt, tk.UpdatedAt)
	}
	want := []support.HistoryEntry{
		{Actor: "Anne Dupré <anne.dupre@example.fr>", To: support.StatusNew},
		{Actor: "Paul Agent <paul@example.fr>", Field: support.FieldAssignee, To: "paul@example.fr"},
		{Actor: "Paul Agent <paul@example.fr>", From: support.StatusNew, To: support.StatusOpen},
		{Actor: "Paul Agent <paul@example.fr>", Field: support.FieldPriority, From: "mineure", To: "bloquante",
			Message: "Rendu bloquant : tout le collège"},
	}
	if diff := cmp.Diff(want, got.History, cmpopts.IgnoreFields(support.HistoryEntry{}, "At")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	for _, h := range got.History {
		if h.At.IsZero() {
			t.Errorf("history entry %+v has no time", h)
		}
	}
	// The priority sort follows the new priority.
	other := create(t, s, newTicket("0420001N", 1, support.Majeure))
	if seqs := listAll(t, s, support.TicketQuery{TicketFilter: support.TicketFilter{Sort: "priority"}}); !cmp.Equal(seqs, []int64{tk.Number.Seq, other.Number.Seq}) {
		t.Errorf("by priority = %v, want the requalified ticket first", seqs)
	}

	// A stale From (another agent moved it meanwhile): nothing is
	// written, not even the first change of the batch.
	err = s.ChangeTicket(ctx, tk.Number, paul, "", []support.TicketChange{
		{Field: support.FieldAssignee, From: "paul@example.fr", To: "zoe@example.fr"},
		{Field: support.FieldStatus, From: string(support.StatusWaiting), To: string(support.StatusOpen)},
	})
	wantError(t, err, support.ECONFLICT, "error.ticket_changed")
	after := get(t, s, tk.Number)
	if after.Assignee != "paul@example.fr" || len(after.History) != len(got.History) || !after.UpdatedAt.Equal(got.UpdatedAt) {
		t.Errorf("after a refused change: assignee %q, %d history entries, updated_at %v; want nothing changed",
			after.Assignee, len(after.History), after.UpdatedAt)
	}

	err = s.ChangeTicket(ctx, support.Number{Prefix: prefix, Seq: 999}, paul, "", []support.TicketChange{
		{Field: support.FieldStatus, From: "nouveau", To: "en_cours"}})
	wantError(t, err, support.ENOTFOUND, "error.ticket_not_found")
}

func testUserByEmail(t *testing.T, s support.Store) {
	ctx := context.Background()
	u := &support.User{Name: "Paul Agent", Email: "Paul.Agent@example.fr", Role: support.RoleAgent}
	if err := s.CreateUser(ctx, u, "hash-paul"); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserByEmail(ctx, "paul.agent@EXAMPLE.fr")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("UserByEmail (-created +got):\n%s", diff)
	}
	_, err = s.UserByEmail(ctx, "nobody@example.fr")
	wantError(t, err, support.ENOTFOUND, "error.user_not_found")
}
