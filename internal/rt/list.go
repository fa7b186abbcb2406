package rt

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// ListTickets searches the queue with TicketSQL. The cursor is RT's page
// number; a page holds at most 100 tickets (RT's maximum).
func (c *Client) ListTickets(ctx context.Context, f support.TicketFilter) (*support.TicketPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = support.DefaultListLimit
	}
	limit = min(limit, 100)
	page := 1
	if f.Cursor != "" {
		p, err := strconv.Atoi(f.Cursor)
		if err != nil || p < 1 {
			return nil, support.InvalidFields([]support.FieldError{{Field: "cursor", Rule: support.RuleSyntax}})
		}
		page = p
	}
	q := url.Values{"query": {c.ticketSQL(f)}, "per_page": {strconv.Itoa(limit)}, "page": {strconv.Itoa(page)},
		"fields": {"Subject,Status,Priority,Created,LastUpdated,CustomFields,Owner,Requestor"}}
	if f.Assignee != "" && f.Assignee != support.AssigneeMe && f.Assignee != support.AssigneeNone {
		return nil, assigneeByEmail()
	}
	switch f.Sort {
	case "priority":
		q["orderby"], q["order"] = []string{"Priority", "id"}, []string{"DESC", "ASC"}
	case support.SortUpdated:
		q["orderby"], q["order"] = []string{"LastUpdated", "id"}, []string{"DESC", "DESC"}
	default:
		q["orderby"], q["order"] = []string{"id"}, []string{"DESC"}
	}
	var p struct {
		Items []rtTicket `json:"items"`
	}
	if err := c.get(ctx, "/tickets", q, false, &p); err != nil {
		return nil, err
	}
	out := &support.TicketPage{Tickets: []support.TicketSummary{}}
	for _, t := range p.Items {
		out.Tickets = append(out.Tickets, c.summary(t))
	}
	if len(p.Items) == limit {
		out.NextCursor = strconv.Itoa(page + 1)
	}
	return out, nil
}

// ticketSQL writes the filter as TicketSQL.
func (c *Client) ticketSQL(f support.TicketFilter) string {
	parts := []string{"Queue = " + quote(c.queue)}
	or := func(field string, vs []string) {
		if len(vs) == 0 {
			return
		}
		var terms []string
		for _, v := range vs {
			terms = append(terms, field+" = "+quote(v))
		}
		parts = append(parts, "("+strings.Join(terms, " OR ")+")")
	}
	var st []string
	for _, s := range f.Status {
		if s == support.StatusClosed {
			st = append(st, "rejected", "deleted")
		} else if v, ok := toRT[s]; ok {
			st = append(st, v)
		}
	}
	or("Status", st)
	var pr []string
	for _, p := range f.Priority {
		pr = append(pr, string(p))
	}
	or("'CF.{"+c.names["priority"]+"}'", pr)
	if f.UAI != "" {
		parts = append(parts, "'CF.{"+c.names["establishment"]+"}' LIKE "+quote(f.UAI))
	}
	if f.Mine {
		parts = append(parts, "Requestor.id = '__CurrentUser__'")
	}
	switch f.Assignee {
	case support.AssigneeMe:
		parts = append(parts, "Owner = '__CurrentUser__'")
	case support.AssigneeNone:
		parts = append(parts, "Owner = 'Nobody'")
	}
	if !f.Since.IsZero() {
		parts = append(parts, "Created >= "+quote(f.Since.UTC().Format("2006-01-02 15:04:05")))
	}
	return strings.Join(parts, " AND ")
}

// assigneeByEmail refuses an assignee filter by e-mail: the helpdesk's
// owners are its own accounts, not e-mails; "@me" and "none" work.
func assigneeByEmail() error {
	return support.InvalidFields([]support.FieldError{{Field: "assignee", Rule: support.RuleSyntax,
		Params: map[string]string{"reason": "@me | none"}}})
}
