package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/support"
)

// testListAssigneeAndUpdated: the assignee filter (an e-mail in any case,
// or nobody) and the sort by last update, most recent first, paged
// without a ticket lost or repeated.
func testListAssigneeAndUpdated(t *testing.T, s support.Store) {
	ctx := context.Background()
	assignees := []string{"paul.agent@example.fr", "", "Paul.Agent@example.fr", "anne.agent@example.fr", ""}
	var created []*support.Ticket
	for _, a := range assignees {
		tk := newTicket("0420001N", 1, support.Mineure)
		tk.Assignee = a
		created = append(created, create(t, s, tk))
		time.Sleep(2 * time.Millisecond)
	}
	// Tickets 2 then 4 change after the others: they come first.
	for _, i := range []int{1, 3} {
		time.Sleep(2 * time.Millisecond)
		if err := s.AddComment(ctx, created[i].Number, &support.Comment{Author: "Paul Agent <paul.agent@example.fr>",
			Role: support.RoleAgent, Body: "Nous regardons."}, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	seqs := func(p *support.TicketPage) []int64 {
		var out []int64
		for _, tk := range p.Tickets {
			out = append(out, tk.Number.Seq)
		}
		return out
	}
	tests := []struct {
		name string
		q    support.TicketQuery
		want []int64
	}{
		{"assigned to, any case", support.TicketQuery{AssignedTo: "PAUL.agent@example.fr"}, []int64{3, 1}},
		{"another agent", support.TicketQuery{AssignedTo: "anne.agent@example.fr"}, []int64{4}},
		{"unassigned", support.TicketQuery{Unassigned: true}, []int64{5, 2}},
		{"sort updated", support.TicketQuery{TicketFilter: support.TicketFilter{Sort: support.SortUpdated}}, []int64{4, 2, 5, 3, 1}},
		{"sort updated, unassigned", support.TicketQuery{Unassigned: true, TicketFilter: support.TicketFilter{Sort: support.SortUpdated}}, []int64{2, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, seqs(list(t, s, tt.q))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// Two by two, the pages of the sort by update give every ticket once.
	var got []int64
	q := support.TicketQuery{TicketFilter: support.TicketFilter{Sort: support.SortUpdated, Limit: 2}}
	for range 5 {
		p := list(t, s, q)
		got = append(got, seqs(p)...)
		if p.NextCursor == "" {
			break
		}
		q.Cursor = p.NextCursor
	}
	if diff := cmp.Diff([]int64{4, 2, 5, 3, 1}, got); diff != "" {
		t.Errorf("paged by update (-want +got):\n%s", diff)
	}
	// A cursor of another sort is refused.
	p := list(t, s, support.TicketQuery{TicketFilter: support.TicketFilter{Limit: 2}})
	if _, err := s.ListTickets(ctx, support.TicketQuery{TicketFilter: support.TicketFilter{Sort: support.SortUpdated, Cursor: p.NextCursor}}); support.ErrorCode(err) != support.EINVALID {
		t.Errorf("a date cursor with the update sort: %v, want %s", err, support.EINVALID)
	}
}
