package support

import "context"

// transitions is the status machine, in one table: for each
// status, where each role may move a ticket. Staff (agents and admins)
// handle tickets: take a new one, wait for the reporter and come back,
// resolve, close, or reopen a resolved one. A reporter may only reopen a
// resolved ticket. A ticket is resolved only from en_cours: en_attente
// means support waits for the reporter, so an agent takes it back
// (en_cours) before saying it is fixed. clos is final: a closed ticket's
// reporter files a new one.
var transitions = map[Status]map[Status][]Role{
	StatusNew:      {StatusOpen: staff},
	StatusOpen:     {StatusWaiting: staff, StatusResolved: staff},
	StatusWaiting:  {StatusOpen: staff},
	StatusResolved: {StatusClosed: staff, StatusOpen: {RoleAgent, RoleAdmin, RoleReporter}},
	StatusClosed:   {},
}

var staff = []Role{RoleAgent, RoleAdmin}

// CanTransition reports whether role may move a ticket from one status to
// another.
func CanTransition(role Role, from, to Status) bool {
	for _, r := range transitions[from][to] {
		if r == role {
			return true
		}
	}
	return false
}

// NextStatuses lists, in the order of a ticket's life, where role may move
// a ticket that is in from.
func NextStatuses(role Role, from Status) []Status {
	var out []Status
	for _, to := range Statuses {
		if CanTransition(role, from, to) {
			out = append(out, to)
		}
	}
	return out
}

// History fields: what a HistoryEntry changed. The empty field is the
// status, as it was before priorities and assignees had a history.
const (
	FieldStatus   = ""
	FieldPriority = "priority"
	FieldAssignee = "assignee"
)

// TicketChange is one change of a field of a ticket, applied only if the
// field still holds From (values as stored: a status, a priority, an
// assignee's e-mail or "").
type TicketChange struct {
	Field    string
	From, To string
}

// WorkflowService is what moves a ticket along: agents change its status
// and priority and take it; a reporter reopens a resolved ticket. Each
// change is written to the ticket's history with who, when, from what, to
// what and the message, and the whole ticket is returned.
//
// Errors: ENOTFOUND (also for a ticket the caller may not see),
// EFORBIDDEN (a reporter trying an agent's action), ECONFLICT (a
// transition the status machine refuses, or a change that raced another),
// EINVALID (a bad status, priority, message or assignee).
type WorkflowService interface {
	ChangeStatus(ctx context.Context, n Number, to Status, message string) (*Ticket, error)
	ChangePriority(ctx context.Context, n Number, p Priority, message string) (*Ticket, error)
	// Assign gives the ticket to the agent or admin of e-mail email, or
	// to the caller when email is "". Taking a new ticket also moves it
	// to en_cours.
	Assign(ctx context.Context, n Number, email string) (*Ticket, error)
	// Reopen moves a resolved ticket back to en_cours, with a message
	// saying why (required).
	Reopen(ctx context.Context, n Number, message string) (*Ticket, error)
}
