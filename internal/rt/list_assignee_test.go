package rt

import (
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

// The assignee filter in TicketSQL: the caller or nobody; an e-mail is
// refused, naming the field, rather than ignored.
func TestTicketSQLAssignee(t *testing.T) {
	c := &Client{queue: "Support ENT"}
	if got := c.ticketSQL(support.TicketFilter{Assignee: support.AssigneeMe}); !strings.Contains(got, "Owner = '__CurrentUser__'") {
		t.Errorf("@me: %s", got)
	}
	if got := c.ticketSQL(support.TicketFilter{Assignee: support.AssigneeNone}); !strings.Contains(got, "Owner = 'Nobody'") {
		t.Errorf("none: %s", got)
	}
	_, err := c.ListTickets(t.Context(), support.TicketFilter{Assignee: "paul@example.fr"})
	if fe := support.AsError(err); fe == nil || len(fe.Fields) != 1 || fe.Fields[0].Field != "assignee" {
		t.Errorf("by e-mail: %v, want a field error on assignee", err)
	}
}
