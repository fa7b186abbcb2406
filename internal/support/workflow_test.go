package support

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStatusMachine checks every (role, from, to) pair against the status
// machine: nouveau → en_cours ⇄ en_attente, en_cours → resolu → clos, and
// resolu → en_cours (staff, and a reporter's reopen).
func TestStatusMachine(t *testing.T) {
	staffMoves := map[[2]Status]bool{
		{StatusNew, StatusOpen}:        true,
		{StatusOpen, StatusWaiting}:    true,
		{StatusWaiting, StatusOpen}:    true,
		{StatusOpen, StatusResolved}:   true,
		{StatusResolved, StatusClosed}: true,
		{StatusResolved, StatusOpen}:   true,
	}
	reporterMoves := map[[2]Status]bool{{StatusResolved, StatusOpen}: true}
	want := map[Role]map[[2]Status]bool{RoleAgent: staffMoves, RoleAdmin: staffMoves, RoleReporter: reporterMoves}
	allowed := 0
	for role, moves := range want {
		for _, from := range Statuses {
			for _, to := range Statuses {
				t.Run(fmt.Sprintf("%s/%s->%s", role, from, to), func(t *testing.T) {
					if got := CanTransition(role, from, to); got != moves[[2]Status{from, to}] {
						t.Errorf("CanTransition(%s, %s, %s) = %v", role, from, to, got)
					}
				})
				if moves[[2]Status{from, to}] {
					allowed++
				}
			}
		}
	}
	if allowed != 13 {
		t.Errorf("%d allowed moves, want 6 per staff role and 1 for reporters", allowed)
	}
	if CanTransition("", StatusResolved, StatusOpen) || CanTransition(RoleAgent, "bogus", StatusOpen) {
		t.Error("an unknown role or status may move a ticket")
	}
}

func TestNextStatuses(t *testing.T) {
	tests := []struct {
		role Role
		from Status
		want []Status
	}{
		{RoleAgent, StatusNew, []Status{StatusOpen}},
		{RoleAgent, StatusOpen, []Status{StatusWaiting, StatusResolved}},
		{RoleAdmin, StatusWaiting, []Status{StatusOpen}},
		{RoleAgent, StatusResolved, []Status{StatusOpen, StatusClosed}},
		{RoleAgent, StatusClosed, nil},
		{RoleReporter, StatusResolved, []Status{StatusOpen}},
		{RoleReporter, StatusOpen, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, NextStatuses(tt.role, tt.from)); diff != "" {
			t.Errorf("NextStatuses(%s, %s) (-want +got):\n%s", tt.role, tt.from, diff)
		}
	}
}
