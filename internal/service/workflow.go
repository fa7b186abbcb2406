package service

import (
	"context"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

var (
	_ support.WorkflowService = (*Service)(nil)
	_ support.WorkflowService = (*Session)(nil)
)

// staffTicket returns the caller and a ticket they may see, and refuses a
// reporter (EFORBIDDEN) only once the ticket is known to be visible: a
// ticket they may not see stays not found, so numbers cannot be probed.
func (s *Service) staffTicket(ctx context.Context, n support.Number) (*support.User, *support.Ticket, error) {
	u, err := caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	t, err := s.GetTicket(ctx, n)
	if err != nil {
		return nil, nil, err
	}
	if !u.Role.IsStaff() {
		return nil, nil, support.Errorf(support.EFORBIDDEN, "error.agents_only", nil)
	}
	return u, t, nil
}

// parseMessage checks a change's message with a comment's rules; it may
// be empty unless required.
func parseMessage(m string, required bool) (string, *support.FieldError) {
	if m == "" && !required {
		return "", nil
	}
	out, fe := support.ParseCommentBody(m, false)
	if fe != nil {
		fe.Field = "message"
	}
	return out, fe
}

// apply writes the changes and returns the ticket as it now is.
func (s *Service) apply(ctx context.Context, u *support.User, t *support.Ticket, message string, changes []support.TicketChange) (*support.Ticket, error) {
	if len(changes) == 0 {
		return t, nil
	}
	if err := s.store.ChangeTicket(ctx, t.Number, u.Mailbox(), message, changes); err != nil {
		return nil, err
	}
	s.hub.notify(t.Number)
	return s.store.GetTicket(ctx, t.Number)
}

// badTransition says where the ticket is, where it was asked to go, and
// where it may go from there.
func badTransition(u *support.User, t *support.Ticket, to support.Status) error {
	next := support.NextStatuses(u.Role, t.Status)
	p := map[string]string{"number": t.Number.String(), "from": string(t.Status), "to": string(to)}
	if len(next) == 0 {
		return support.Errorf(support.ECONFLICT, "error.bad_transition_none", p)
	}
	names := make([]string, len(next))
	for i, st := range next {
		names[i] = string(st)
	}
	p["next"] = strings.Join(names, ", ")
	return support.Errorf(support.ECONFLICT, "error.bad_transition", p)
}

// ChangeStatus moves a ticket along the status machine (staff only).
func (s *Service) ChangeStatus(ctx context.Context, n support.Number, to support.Status, message string) (*support.Ticket, error) {
	u, t, err := s.staffTicket(ctx, n)
	if err != nil {
		return nil, err
	}
	var errs []support.FieldError
	st, ok := support.ParseStatus(string(to))
	if !ok {
		errs = append(errs, support.FieldError{Field: "status", Rule: support.RuleStatus})
	}
	message, fe := parseMessage(message, false)
	if fe != nil {
		errs = append(errs, *fe)
	}
	if len(errs) > 0 {
		return nil, support.InvalidFields(errs)
	}
	if !support.CanTransition(u.Role, t.Status, st) {
		return nil, badTransition(u, t, st)
	}
	return s.apply(ctx, u, t, message, []support.TicketChange{
		{Field: support.FieldStatus, From: string(t.Status), To: string(st)}})
}

// ChangePriority requalifies a ticket (staff only). The priority it
// already has changes nothing and writes no history.
func (s *Service) ChangePriority(ctx context.Context, n support.Number, p support.Priority, message string) (*support.Ticket, error) {
	u, t, err := s.staffTicket(ctx, n)
	if err != nil {
		return nil, err
	}
	var errs []support.FieldError
	pr, ok := support.ParsePriority(string(p))
	if !ok {
		errs = append(errs, support.FieldError{Field: "priority", Rule: support.RulePriority})
	}
	message, fe := parseMessage(message, false)
	if fe != nil {
		errs = append(errs, *fe)
	}
	if len(errs) > 0 {
		return nil, support.InvalidFields(errs)
	}
	var changes []support.TicketChange
	if pr != t.Priority {
		changes = append(changes, support.TicketChange{Field: support.FieldPriority, From: string(t.Priority), To: string(pr)})
	}
	return s.apply(ctx, u, t, message, changes)
}

// Assign gives a ticket to an agent or admin (staff only), the caller
// when email is empty. Taking a new ticket is starting on it: it moves to
// en_cours in the same transaction. Giving it to whom already has it
// changes nothing.
func (s *Service) Assign(ctx context.Context, n support.Number, email string) (*support.Ticket, error) {
	u, t, err := s.staffTicket(ctx, n)
	if err != nil {
		return nil, err
	}
	to := u
	if email = strings.TrimSpace(email); email != "" {
		to, err = s.store.UserByEmail(ctx, email)
		if support.ErrorCode(err) == support.ENOTFOUND || (err == nil && (!to.Role.IsStaff() || to.Disabled)) {
			return nil, support.InvalidFields([]support.FieldError{{Field: "to", Rule: support.RuleAssignee}})
		} else if err != nil {
			return nil, err
		}
	}
	var changes []support.TicketChange
	if !strings.EqualFold(t.Assignee, to.Email) {
		changes = append(changes, support.TicketChange{Field: support.FieldAssignee, From: t.Assignee, To: to.Email})
	}
	if t.Status == support.StatusNew {
		changes = append(changes, support.TicketChange{Field: support.FieldStatus, From: string(t.Status), To: string(support.StatusOpen)})
	}
	return s.apply(ctx, u, t, "", changes)
}

// Reopen moves a resolved ticket back to en_cours, with the reason: its
// reporter (and anyone who may see it) may do it.
func (s *Service) Reopen(ctx context.Context, n support.Number, message string) (*support.Ticket, error) {
	u, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.GetTicket(ctx, n)
	if err != nil {
		return nil, err
	}
	message, fe := parseMessage(message, true)
	if fe != nil {
		return nil, support.InvalidFields([]support.FieldError{*fe})
	}
	if t.Status != support.StatusResolved || !support.CanTransition(u.Role, t.Status, support.StatusOpen) {
		return nil, support.Errorf(support.ECONFLICT, "error.reopen_not_resolved",
			map[string]string{"number": t.Number.String(), "from": string(t.Status)})
	}
	return s.apply(ctx, u, t, message, []support.TicketChange{
		{Field: support.FieldStatus, From: string(t.Status), To: string(support.StatusOpen)}})
}

func (b *Session) ChangeStatus(ctx context.Context, n support.Number, to support.Status, message string) (*support.Ticket, error) {
	return b.s.ChangeStatus(b.ctx(ctx), n, to, message)
}
func (b *Session) ChangePriority(ctx context.Context, n support.Number, p support.Priority, message string) (*support.Ticket, error) {
	return b.s.ChangePriority(b.ctx(ctx), n, p, message)
}
func (b *Session) Assign(ctx context.Context, n support.Number, email string) (*support.Ticket, error) {
	return b.s.Assign(b.ctx(ctx), n, email)
}
func (b *Session) Reopen(ctx context.Context, n support.Number, message string) (*support.Ticket, error) {
	return b.s.Reopen(b.ctx(ctx), n, message)
}
