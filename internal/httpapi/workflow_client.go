package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"github.com/ent-support/ent-support/internal/support"
)

var _ support.WorkflowService = (*Client)(nil)

// postOnce posts a JSON body to a ticket's action and decodes the ticket.
// Never retried: the change may have been made before an answer was lost,
// and a second try would then be refused (409) or write the history twice.
func (c *Client) postOnce(ctx context.Context, n support.Number, action string, in any) (*support.Ticket, error) {
	var out support.Ticket
	if err := c.postJSONOnce(ctx, ticketPath(n)+"/"+action, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// postJSONOnce posts in as JSON to path (under /api/v1) and decodes the
// answer into out, without retrying.
func (c *Client) postJSONOnce(ctx context.Context, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return c.stream1(ctx, false, func() (*http.Request, func() error, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.api+path, bytes.NewReader(b))
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		return req, func() error { return nil }, nil
	}, out)
}

// ChangeStatus moves a ticket along (agents).
func (c *Client) ChangeStatus(ctx context.Context, n support.Number, to support.Status, message string) (*support.Ticket, error) {
	return c.postOnce(ctx, n, "status", statusBody{Status: to, Message: message})
}

// ChangePriority requalifies a ticket (agents).
func (c *Client) ChangePriority(ctx context.Context, n support.Number, p support.Priority, message string) (*support.Ticket, error) {
	return c.postOnce(ctx, n, "priority", priorityBody{Priority: p, Message: message})
}

// Assign gives a ticket to an agent, or to the caller when email is "".
func (c *Client) Assign(ctx context.Context, n support.Number, email string) (*support.Ticket, error) {
	return c.postOnce(ctx, n, "assign", assignBody{To: email})
}

// Reopen reopens a resolved ticket, with the reason.
func (c *Client) Reopen(ctx context.Context, n support.Number, message string) (*support.Ticket, error) {
	return c.postOnce(ctx, n, "reopen", reopenBody{Message: message})
}
