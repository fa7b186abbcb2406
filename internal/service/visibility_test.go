package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/support"
)

// visibility is a fixture with people of every kind and tickets of both
// establishments, filed by different people.
type visibility struct {
	*fixture
	agent, repA, repA2, repB, loner *support.User
	// The tickets, by what they are.
	aByRepA, aByRepA2, bByRepB, bByLoner *support.Ticket
}

func newVisibility(t *testing.T) *visibility {
	t.Helper()
	v := &visibility{fixture: newFixture(t, service.Config{})}
	v.agent = v.user(support.RoleAgent)
	v.repA = v.user(support.RoleReporter, uaiA)
	v.repA2 = v.user(support.RoleReporter, uaiA)
	v.repB = v.user(support.RoleReporter, uaiB)
	v.loner = v.user(support.RoleReporter) // bound to no establishment
	withFile := support.CreateOptions{Attachments: []support.Upload{upload("capture.png", pngBytes(t, 0))}}
	v.aByRepA = v.create(v.repA, validInput(uaiA), withFile)   // CG42N1-1
	v.aByRepA2 = v.create(v.repA2, validInput(uaiA), withFile) // CG42N1-2
	v.bByRepB = v.create(v.repB, validInput(uaiB), withFile)   // CG42N1-3
	// A reporter files only for their own establishments: the loner's
	// ticket of B is one filed before that rule.
	v.bByLoner = v.stored(v.loner, validInput(uaiB), pngBytes(t, 0)) // CG42N1-4
	return v
}

func TestVisibility(t *testing.T) {
	v := newVisibility(t)
	all := []*support.Ticket{v.aByRepA, v.aByRepA2, v.bByRepB, v.bByLoner}

	for _, c := range []struct {
		name    string
		u       *support.User
		visible []*support.Ticket
	}{
		{"agent sees every ticket", v.agent, all},
		{"admin sees every ticket", v.admin, all},
		{"reporter of A sees A's tickets, whoever filed them", v.repA, []*support.Ticket{v.aByRepA, v.aByRepA2}},
		{"another reporter of A sees the same", v.repA2, []*support.Ticket{v.aByRepA, v.aByRepA2}},
		{"reporter of B sees B's tickets, a loner's included", v.repB, []*support.Ticket{v.bByRepB, v.bByLoner}},
		{"reporter without establishment sees only their own", v.loner, []*support.Ticket{v.bByLoner}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := v.as(c.u)
			visible := map[support.Number]bool{}
			for _, tk := range c.visible {
				visible[tk.Number] = true
			}
			for _, tk := range all {
				got, err := v.svc.GetTicket(ctx, tk.Number)
				_, rc, aerr := v.svc.OpenAttachment(ctx, tk.Number, tk.Attachments[0].ID)
				if rc != nil {
					rc.Close()
				}
				if visible[tk.Number] {
					if err != nil || got.Number != tk.Number {
						t.Errorf("GetTicket(%v) = %v; want the ticket", tk.Number, err)
					}
					if aerr != nil {
						t.Errorf("OpenAttachment(%v) = %v; want the file", tk.Number, aerr)
					}
					continue
				}
				// Never EFORBIDDEN: that would tell the number exists.
				if code := support.ErrorCode(err); code != support.ENOTFOUND || got != nil {
					t.Errorf("GetTicket(%v) = %v, code %q; want not found", tk.Number, err, code)
				}
				if code := support.ErrorCode(aerr); code != support.ENOTFOUND {
					t.Errorf("OpenAttachment(%v) code %q; want not found", tk.Number, code)
				}
			}
			// The list shows exactly the visible tickets, newest first.
			var want []string
			for i := len(all) - 1; i >= 0; i-- {
				if visible[all[i].Number] {
					want = append(want, all[i].Number.String())
				}
			}
			if diff := cmp.Diff(want, v.list(c.u, support.TicketFilter{})); diff != "" {
				t.Errorf("ListTickets (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("a ticket that does not exist is not found either", func(t *testing.T) {
		_, err := v.svc.GetTicket(v.as(v.repA), support.Number{Prefix: support.DefaultPrefix, Seq: 99})
		wantError(t, err, support.ENOTFOUND, "error.ticket_not_found")
		_, _, err = v.svc.OpenAttachment(v.as(v.repA), v.aByRepA.Number, v.bByRepB.Attachments[0].ID)
		wantError(t, err, support.ENOTFOUND, "")
	})
	t.Run("no user", func(t *testing.T) {
		_, err := v.svc.GetTicket(context.Background(), v.aByRepA.Number)
		wantError(t, err, support.EUNAUTHENTICATED, "error.no_token")
		_, err = v.svc.ListTickets(context.Background(), support.TicketFilter{})
		wantError(t, err, support.EUNAUTHENTICATED, "error.no_token")
		_, _, err = v.svc.OpenAttachment(context.Background(), v.aByRepA.Number, v.aByRepA.Attachments[0].ID)
		wantError(t, err, support.EUNAUTHENTICATED, "error.no_token")
	})
}

func TestListTicketsFilters(t *testing.T) {
	v := newVisibility(t)
	n := func(ts ...*support.Ticket) []string {
		out := []string{}
		for _, tk := range ts {
			out = append(out, tk.Number.String())
		}
		return out
	}
	for _, c := range []struct {
		name string
		u    *support.User
		f    support.TicketFilter
		want []string
	}{
		{"mine, reporter", v.repB, support.TicketFilter{Mine: true}, n(v.bByRepB)},
		{"mine, reporter of A", v.repA, support.TicketFilter{Mine: true}, n(v.aByRepA)},
		{"mine, another reporter of A", v.repA2, support.TicketFilter{Mine: true}, n(v.aByRepA2)},
		{"mine, agent who filed nothing", v.agent, support.TicketFilter{Mine: true}, n()},
		{"mine, loner", v.loner, support.TicketFilter{Mine: true}, n(v.bByLoner)},
		{"uai filter, agent", v.agent, support.TicketFilter{UAI: " 0690001b "}, n(v.bByLoner, v.bByRepB)},
		{"uai filter outside the reporter's establishments", v.repA, support.TicketFilter{UAI: uaiB}, n()},
		{"uai filter within them", v.repA, support.TicketFilter{UAI: uaiA}, n(v.aByRepA2, v.aByRepA)},
		{"uai filter, loner", v.loner, support.TicketFilter{UAI: uaiB}, n(v.bByLoner)},
		{"uai filter, loner, another establishment", v.loner, support.TicketFilter{UAI: uaiA}, n()},
		{"status", v.agent, support.TicketFilter{Status: []support.Status{support.StatusNew}}, n(v.bByLoner, v.bByRepB, v.aByRepA2, v.aByRepA)},
		{"status with no ticket", v.agent, support.TicketFilter{Status: []support.Status{support.StatusClosed}}, n()},
		{"priority", v.agent, support.TicketFilter{Priority: []support.Priority{support.Bloquante}}, n()},
		{"limit", v.agent, support.TicketFilter{Limit: 2}, n(v.bByLoner, v.bByRepB)},
		{"limit 0 is the default", v.agent, support.TicketFilter{Limit: 0}, n(v.bByLoner, v.bByRepB, v.aByRepA2, v.aByRepA)},
		{"limit at the maximum", v.agent, support.TicketFilter{Limit: support.MaxListLimit}, n(v.bByLoner, v.bByRepB, v.aByRepA2, v.aByRepA)},
		{"priority sort: same priority, oldest first", v.repA, support.TicketFilter{Sort: "priority"}, n(v.aByRepA, v.aByRepA2)},
		{"since after the last ticket", v.agent, support.TicketFilter{Since: v.bByLoner.CreatedAt.Add(time.Microsecond)}, n()},
		{"since the last ticket", v.agent, support.TicketFilter{Since: v.bByLoner.CreatedAt}, n(v.bByLoner)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, v.list(c.u, c.f)); diff != "" {
				t.Errorf("ListTickets(%+v) (-want +got):\n%s", c.f, diff)
			}
		})
	}

	t.Run("paging", func(t *testing.T) {
		ctx := v.as(v.agent)
		var got []string
		cursor := ""
		for range 5 {
			page, err := v.svc.ListTickets(ctx, support.TicketFilter{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, numbers(page.Tickets)...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if diff := cmp.Diff(n(v.bByLoner, v.bByRepB, v.aByRepA2, v.aByRepA), got); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
	})

	for _, c := range []struct {
		name string
		f    support.TicketFilter
		want []fieldRule
	}{
		{"limit over the maximum", support.TicketFilter{Limit: support.MaxListLimit + 1}, []fieldRule{{"limit", support.RuleLimit}}},
		{"negative limit", support.TicketFilter{Limit: -1}, []fieldRule{{"limit", support.RuleLimit}}},
		{"UAI with a wrong key", support.TicketFilter{UAI: "0421234X"}, []fieldRule{{"uai", support.RuleUAIKey}}},
		{"UAI malformed", support.TicketFilter{UAI: "lycée"}, []fieldRule{{"uai", support.RuleUAIFormat}}},
		{"unknown sort", support.TicketFilter{Sort: "oldest"}, []fieldRule{{"sort", support.RuleSyntax}}},
		{"all at once", support.TicketFilter{Limit: 501, UAI: "x", Sort: "x"},
			[]fieldRule{{"limit", support.RuleLimit}, {"uai", support.RuleUAIFormat}, {"sort", support.RuleSyntax}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			page, err := v.svc.ListTickets(v.as(v.agent), c.f)
			if page != nil {
				t.Errorf("refused list returned a page: %+v", page)
			}
			wantFields(t, err, c.want...)
		})
	}
}

func TestGetTicketNumberForms(t *testing.T) {
	v := newVisibility(t)
	for _, s := range []string{"CG42N1-2", "cg42n1-2", "2", "#2"} {
		t.Run(s, func(t *testing.T) {
			n, fe := support.ParseNumber(s)
			if fe != nil {
				t.Fatalf("ParseNumber(%q): %+v", s, fe)
			}
			tk, err := v.svc.GetTicket(v.as(v.repA), n)
			if err != nil {
				t.Fatalf("GetTicket(%q): %v", s, err)
			}
			if tk.Number != v.aByRepA2.Number {
				t.Errorf("GetTicket(%q) = %v, want %v", s, tk.Number, v.aByRepA2.Number)
			}
			if _, rc, err := v.svc.OpenAttachment(v.as(v.repA), n, v.aByRepA2.Attachments[0].ID); err != nil {
				t.Errorf("OpenAttachment(%q): %v", s, err)
			} else {
				rc.Close()
			}
		})
	}
	// Another server's prefix is another ticket.
	_, err := v.svc.GetTicket(v.as(v.agent), support.Number{Prefix: "ENT69", Seq: 2})
	wantError(t, err, support.ENOTFOUND, "")
}

// A reporter bound to A may not file a ticket for B; one they filed for B
// before that rule they may still read, and ListTickets shows it too
// (TicketQuery.AlsoCreatedBy: "their establishments OR what they filed").
func TestReporterListsOwnTicketsOfOtherEstablishments(t *testing.T) {
	v := newVisibility(t)
	_, err := v.svc.CreateTicket(v.as(v.repA), validInput(uaiB), support.CreateOptions{})
	wantFields(t, err, fieldRule{"establishment.uai", support.RuleUAINotMember})
	elsewhere := v.stored(v.repA, validInput(uaiB), pngBytes(t, 0)) // CG42N1-5
	if _, err := v.svc.GetTicket(v.as(v.repA), elsewhere.Number); err != nil {
		t.Fatalf("GetTicket of a ticket the reporter filed: %v", err)
	}
	if _, err := v.svc.GetTicket(v.as(v.repA2), elsewhere.Number); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("another reporter of A reads B's ticket: err = %v", err)
	}
	got := v.list(v.repA, support.TicketFilter{})
	want := []string{elsewhere.Number.String(), v.aByRepA2.Number.String(), v.aByRepA.Number.String()}
	if !cmp.Equal(got, want) {
		t.Errorf("ListTickets = %v, want what GetTicket lets them see: %v", got, want)
	}
}
