package service_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/support"
)

// pathTo is how the admin brings a new ticket to each status.
var pathTo = map[support.Status][]support.Status{
	support.StatusNew:      nil,
	support.StatusOpen:     {support.StatusOpen},
	support.StatusWaiting:  {support.StatusOpen, support.StatusWaiting},
	support.StatusResolved: {support.StatusOpen, support.StatusResolved},
	support.StatusClosed:   {support.StatusOpen, support.StatusResolved, support.StatusClosed},
}

// ticketIn files a ticket of uaiA and moves it to st.
func (f *fixture) ticketIn(reporter *support.User, st support.Status) *support.Ticket {
	f.tb.Helper()
	t := f.create(reporter, validInput(uaiA), support.CreateOptions{})
	for _, to := range pathTo[st] {
		var err error
		if t, err = f.svc.ChangeStatus(f.as(f.admin), t.Number, to, ""); err != nil {
			f.tb.Fatalf("ChangeStatus(%s): %v", to, err)
		}
	}
	return t
}

// TestChangeStatusEveryPair runs every (caller, from, to) through the
// service on a real database: staff get the status machine, a reporter of
// the establishment is forbidden, a reporter of another one finds nothing.
func TestChangeStatusEveryPair(t *testing.T) {
	f := newFixture(t, service.Config{})
	reporter := f.user(support.RoleReporter, uaiA)
	callers := map[string]*support.User{
		"agent": f.user(support.RoleAgent), "admin": f.admin,
		"reporter": reporter, "other_reporter": f.user(support.RoleReporter, uaiB),
	}
	for name, u := range callers {
		for _, from := range support.Statuses {
			for _, to := range support.Statuses {
				t.Run(fmt.Sprintf("%s/%s->%s", name, from, to), func(t *testing.T) {
					tk := f.ticketIn(reporter, from)
					got, err := f.svc.ChangeStatus(f.as(u), tk.Number, to, "Message de l'agent")
					switch {
					case name == "other_reporter":
						wantError(t, err, support.ENOTFOUND, "error.ticket_not_found")
					case name == "reporter":
						wantError(t, err, support.EFORBIDDEN, "error.agents_only")
					case support.CanTransition(u.Role, from, to):
						if err != nil {
							t.Fatalf("ChangeStatus: %v", err)
						}
						last := got.History[len(got.History)-1]
						want := support.HistoryEntry{Actor: u.Name + " <" + u.Email + ">", From: from, To: to, Message: "Message de l'agent"}
						if got.Status != to || !cmp.Equal(want, last, cmpopts.IgnoreFields(support.HistoryEntry{}, "At")) {
							t.Errorf("status %s, last history %+v; want %s, %+v", got.Status, last, to, want)
						}
						if !got.UpdatedAt.After(tk.UpdatedAt) {
							t.Errorf("updated_at did not move")
						}
					default:
						wantError(t, err, support.ECONFLICT, "")
						if k := support.AsError(err).Key; k != "error.bad_transition" && k != "error.bad_transition_none" {
							t.Errorf("key %q", k)
						}
						after, _ := f.svc.GetTicket(f.as(f.admin), tk.Number)
						if after.Status != from || len(after.History) != len(tk.History) {
							t.Errorf("a refused transition changed the ticket: %s, %d entries", after.Status, len(after.History))
						}
					}
				})
			}
		}
	}
}

func TestChangeStatusMessage(t *testing.T) {
	f := newFixture(t, service.Config{})
	tk := f.ticketIn(f.user(support.RoleReporter, uaiA), support.StatusOpen)
	_, err := f.svc.ChangeStatus(f.as(f.admin), tk.Number, support.StatusResolved, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.ChangeStatus(f.as(f.admin), tk.Number, support.StatusClosed, "\x1b[2J")
	wantFields(t, err, fieldRule{"message", support.RuleControlChars})
	_, err = f.svc.ChangeStatus(f.as(f.admin), tk.Number, "ferme", "")
	wantFields(t, err, fieldRule{"status", support.RuleStatus})
	// The refusal names where the ticket is and where it may go.
	_, err = f.svc.ChangeStatus(f.as(f.admin), tk.Number, support.StatusWaiting, "")
	e := support.AsError(err)
	if e.Code != support.ECONFLICT || e.Params["from"] != "resolu" || e.Params["to"] != "en_attente" || e.Params["next"] != "en_cours, clos" {
		t.Errorf("refusal = %+v", e)
	}
}

func TestReopen(t *testing.T) {
	f := newFixture(t, service.Config{})
	reporter := f.user(support.RoleReporter, uaiA)
	callers := map[string]*support.User{
		"agent": f.user(support.RoleAgent), "admin": f.admin,
		"reporter": reporter, "colleague": f.user(support.RoleReporter, uaiA),
		"other_reporter": f.user(support.RoleReporter, uaiB),
	}
	for name, u := range callers {
		for _, from := range support.Statuses {
			t.Run(fmt.Sprintf("%s/%s", name, from), func(t *testing.T) {
				tk := f.ticketIn(reporter, from)
				got, err := f.svc.Reopen(f.as(u), tk.Number, "L'erreur est revenue.")
				switch {
				case name == "other_reporter":
					wantError(t, err, support.ENOTFOUND, "error.ticket_not_found")
				case from != support.StatusResolved:
					wantError(t, err, support.ECONFLICT, "error.reopen_not_resolved")
				default:
					if err != nil {
						t.Fatal(err)
					}
					last := got.History[len(got.History)-1]
					if got.Status != support.StatusOpen || last.From != support.StatusResolved || last.Message != "L'erreur est revenue." {
						t.Errorf("status %s, last history %+v", got.Status, last)
					}
				}
			})
		}
	}
	tk := f.ticketIn(reporter, support.StatusResolved)
	_, err := f.svc.Reopen(f.as(reporter), tk.Number, "  ")
	wantFields(t, err, fieldRule{"message", support.RuleRequired})
}

func TestChangePriority(t *testing.T) {
	f := newFixture(t, service.Config{})
	reporter := f.user(support.RoleReporter, uaiA)
	agent := f.user(support.RoleAgent)
	tk := f.ticketIn(reporter, support.StatusNew) // majeure
	_, err := f.svc.ChangePriority(f.as(reporter), tk.Number, support.Bloquante, "")
	wantError(t, err, support.EFORBIDDEN, "error.agents_only")
	_, err = f.svc.ChangePriority(f.as(f.user(support.RoleReporter, uaiB)), tk.Number, support.Bloquante, "")
	wantError(t, err, support.ENOTFOUND, "")
	_, err = f.svc.ChangePriority(f.as(agent), tk.Number, "urgente", "")
	wantFields(t, err, fieldRule{"priority", support.RulePriority})

	for _, u := range []*support.User{agent, f.admin} {
		got, err := f.svc.ChangePriority(f.as(u), tk.Number, "Bloquante", "Tout le collège")
		if err != nil {
			t.Fatal(err)
		}
		last := got.History[len(got.History)-1]
		want := support.HistoryEntry{Actor: u.Name + " <" + u.Email + ">", Field: support.FieldPriority,
			From: support.Status(tk.Priority), To: "bloquante", Message: "Tout le collège"}
		if got.Priority != support.Bloquante || !cmp.Equal(want, last, cmpopts.IgnoreFields(support.HistoryEntry{}, "At")) {
			t.Errorf("priority %s, last history %+v", got.Priority, last)
		}
		tk = got
		// The same priority again changes nothing.
		again, err := f.svc.ChangePriority(f.as(u), tk.Number, support.Bloquante, "")
		if err != nil || len(again.History) != len(got.History) {
			t.Errorf("same priority: %v, %d entries (was %d)", err, len(again.History), len(got.History))
		}
		if tk, err = f.svc.ChangePriority(f.as(u), tk.Number, support.Mineure, ""); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAssign(t *testing.T) {
	f := newFixture(t, service.Config{})
	reporter := f.user(support.RoleReporter, uaiA)
	agent := f.user(support.RoleAgent)
	other := f.user(support.RoleAgent)
	tk := f.ticketIn(reporter, support.StatusNew)

	_, err := f.svc.Assign(f.as(reporter), tk.Number, "")
	wantError(t, err, support.EFORBIDDEN, "error.agents_only")
	_, err = f.svc.Assign(f.as(f.user(support.RoleReporter, uaiB)), tk.Number, "")
	wantError(t, err, support.ENOTFOUND, "")
	for _, bad := range []string{"nobody@example.fr", reporter.Email} {
		_, err = f.svc.Assign(f.as(agent), tk.Number, bad)
		wantFields(t, err, fieldRule{"to", support.RuleAssignee})
	}

	// Taking a new ticket starts it: assignee and status in one go.
	got, err := f.svc.Assign(f.as(agent), tk.Number, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Assignee != agent.Email || got.Status != support.StatusOpen || len(got.History) != 3 {
		t.Fatalf("assignee %q, status %s, %d history entries", got.Assignee, got.Status, len(got.History))
	}
	if h := got.History[1]; h.Field != support.FieldAssignee || h.To != support.Status(agent.Email) {
		t.Errorf("assign history = %+v", h)
	}
	// The admin hands it to another agent, by e-mail in any case.
	got, err = f.svc.Assign(f.as(f.admin), tk.Number, " "+other.Email+" ")
	if err != nil {
		t.Fatal(err)
	}
	if got.Assignee != other.Email || got.Status != support.StatusOpen || len(got.History) != 4 {
		t.Errorf("assignee %q, status %s, %d entries", got.Assignee, got.Status, len(got.History))
	}
	again, err := f.svc.Assign(f.as(other), tk.Number, "")
	if err != nil || len(again.History) != 4 {
		t.Errorf("assigning to whom has it: %v, %d entries; want no change", err, len(again.History))
	}
}
