package cmdtest

import (
	"context"

	"github.com/ent-support/ent-support/internal/support"
)

var _ support.WorkflowService = (*Tickets)(nil)

// Change is a workflow call the fake received.
type Change struct {
	Action, Value, Message string
}

// change records a call and applies it to the ticket, as the local admin,
// with no rule: the rules are the service's, tested there.
func (f *Tickets) change(ctx context.Context, n support.Number, c Change, apply func(*support.Ticket)) (*support.Ticket, error) {
	t, err := f.GetTicket(ctx, n)
	if err != nil {
		return nil, err
	}
	f.Changes = append(f.Changes, c)
	apply(t)
	t.UpdatedAt = Clock
	return t, nil
}

func (f *Tickets) ChangeStatus(ctx context.Context, n support.Number, to support.Status, m string) (*support.Ticket, error) {
	return f.change(ctx, n, Change{"status", string(to), m}, func(t *support.Ticket) { t.Status = to })
}

func (f *Tickets) ChangePriority(ctx context.Context, n support.Number, p support.Priority, m string) (*support.Ticket, error) {
	return f.change(ctx, n, Change{"priority", string(p), m}, func(t *support.Ticket) { t.Priority = p })
}

func (f *Tickets) Assign(ctx context.Context, n support.Number, email string) (*support.Ticket, error) {
	return f.change(ctx, n, Change{"assign", email, ""}, func(t *support.Ticket) {
		if email == "" {
			email = "admin@localhost"
		}
		t.Assignee = email
	})
}

func (f *Tickets) Reopen(ctx context.Context, n support.Number, m string) (*support.Ticket, error) {
	return f.change(ctx, n, Change{"reopen", "", m}, func(t *support.Ticket) { t.Status = support.StatusOpen })
}
