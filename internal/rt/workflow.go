package rt

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// message posts a correspondence (seen by the requestor), with files and
// fields to change in the same transaction (a status). Sent once: RT has
// no key to make a second one harmless.
func (c *Client) message(ctx context.Context, path, body string, files []checkedFile, fields map[string]any) error {
	main := map[string]any{"Content": body, "ContentType": "text/plain"}
	for k, v := range fields {
		main[k] = v
	}
	a, err := c.do(ctx, c.post(path+"/correspond", main, files))
	if err != nil {
		return err
	}
	return checkMessages(a)
}

// AddComment adds a message to the ticket as RT correspondence, so that
// both sides see it; files go with it, after our checks.
func (c *Client) AddComment(ctx context.Context, n support.Number, body string, files []support.Upload) (*support.Comment, error) {
	path, id, err := c.ticketPath(n)
	if err != nil {
		return nil, err
	}
	body, fe := support.ParseCommentBody(body, len(files) > 0)
	if fe != nil {
		return nil, support.InvalidFields([]support.FieldError{*fe})
	}
	checked, err := checkFiles(files)
	if err != nil {
		return nil, err
	}
	start := c.now().Add(-2 * time.Second)
	if err := c.message(ctx, path, body, checked, nil); err != nil {
		return nil, err
	}
	// RT answers with a text only: the comment's id is read back, the
	// last correspondence since we sent it.
	txns, err := c.history(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &support.Comment{Body: body, CreatedAt: c.now()}
	for i := len(txns) - 1; i >= 0; i-- {
		if t := txns[i]; t.Type == "Correspond" && !t.Created.Before(start.Truncate(time.Second)) {
			out.ID, out.Author, out.CreatedAt = int64(t.ID), t.Creator.ID, t.Created
			break
		}
	}
	return out, nil
}

// update changes fields of the ticket with PUT, reading RT's texts for
// refusals (its answer is 200 either way).
func (c *Client) update(ctx context.Context, path string, fields map[string]any) error {
	a, err := c.do(ctx, request{method: http.MethodPut, path: path, json: fields, ticket: true})
	if err != nil {
		return err
	}
	return checkMessages(a)
}

// ChangeStatus moves the ticket to RT's status for to; with a message, as
// a correspondence that changes the status in the same transaction. RT's
// lifecycle and rights decide what is allowed.
func (c *Client) ChangeStatus(ctx context.Context, n support.Number, to support.Status, message string) (*support.Ticket, error) {
	path, _, err := c.ticketPath(n)
	if err != nil {
		return nil, err
	}
	st, ok := toRT[to]
	if !ok {
		return nil, support.InvalidFields([]support.FieldError{{Field: "status", Rule: support.RuleStatus}})
	}
	if strings.TrimSpace(message) != "" {
		err = c.message(ctx, path, message, nil, map[string]any{"Status": st})
	} else {
		err = c.update(ctx, path, map[string]any{"Status": st})
	}
	if err != nil {
		return nil, err
	}
	return c.GetTicket(ctx, n)
}

// ChangePriority sets RT's number and the ENT priority field together.
func (c *Client) ChangePriority(ctx context.Context, n support.Number, p support.Priority, message string) (*support.Ticket, error) {
	path, _, err := c.ticketPath(n)
	if err != nil {
		return nil, err
	}
	p, ok := support.ParsePriority(string(p))
	if !ok {
		return nil, support.InvalidFields([]support.FieldError{{Field: "priority", Rule: support.RulePriority}})
	}
	if err := c.update(ctx, path, map[string]any{"Priority": priorityNumber[p],
		"CustomFields": map[string]any{c.names["priority"]: string(p)}}); err != nil {
		return nil, err
	}
	if strings.TrimSpace(message) != "" {
		if err := c.message(ctx, path, message, nil, nil); err != nil {
			return nil, err
		}
	}
	return c.GetTicket(ctx, n)
}

// Assign gives the ticket to an RT user, by name or e-mail, and starts a
// new one. REST2 does not say who the caller is, so taking a ticket needs
// the caller's own name.
func (c *Client) Assign(ctx context.Context, n support.Number, email string) (*support.Ticket, error) {
	path, _, err := c.ticketPath(n)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(email) == "" {
		return nil, support.InvalidFields([]support.FieldError{{Field: "to", Rule: support.RuleRequired}})
	}
	if err := c.update(ctx, path, map[string]any{"Owner": strings.TrimSpace(email)}); err != nil {
		return nil, err
	}
	t, err := c.GetTicket(ctx, n)
	if err != nil || t.Status != support.StatusNew {
		return t, err
	}
	// Taking a new ticket starts it, as on our server: RT leaves the
	// status alone when the owner changes.
	return c.ChangeStatus(ctx, n, support.StatusOpen, "")
}

// Reopen moves a resolved ticket back to open with the reporter's reason,
// as a correspondence. RT would reopen any status: our rule
// (resolved only) is checked here first.
func (c *Client) Reopen(ctx context.Context, n support.Number, message string) (*support.Ticket, error) {
	path, _, err := c.ticketPath(n)
	if err != nil {
		return nil, err
	}
	msg, fe := support.ParseCommentBody(message, false)
	if fe != nil {
		fe.Field = "message"
		return nil, support.InvalidFields([]support.FieldError{*fe})
	}
	t, err := c.GetTicket(ctx, n)
	if err != nil {
		return nil, err
	}
	if t.Status != support.StatusResolved {
		return nil, support.Errorf(support.ECONFLICT, "error.reopen_not_resolved",
			map[string]string{"number": t.Number.String(), "from": string(t.Status)})
	}
	if err := c.message(ctx, path, msg, nil, map[string]any{"Status": "open"}); err != nil {
		return nil, err
	}
	return c.GetTicket(ctx, n)
}
