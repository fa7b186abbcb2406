package redmine

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// Moves are Redmine's: its workflow, per role and tracker, decides what a
// user may do, and allowed_statuses says it. A move it does not allow is
// refused before anything is sent (ECONFLICT naming the statuses allowed);
// and since Redmine answers 204 to a forbidden change while changing
// nothing, every change is read back, and one that did not happen is an
// error, never a success.

// ChangeStatus moves a ticket to another status, with an optional note.
func (c *Client) ChangeStatus(ctx context.Context, n support.Number, to support.Status, message string) (*support.Ticket, error) {
	cat, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	return c.move(ctx, cat, n, to, message, func(support.Status) error { return nil })
}

// Reopen moves a resolved ticket back to en_cours, with a message.
func (c *Client) Reopen(ctx context.Context, n support.Number, message string) (*support.Ticket, error) {
	if strings.TrimSpace(message) == "" {
		return nil, support.InvalidFields([]support.FieldError{{Field: "message", Rule: support.RuleRequired}})
	}
	cat, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	return c.move(ctx, cat, n, support.StatusOpen, message, func(from support.Status) error {
		if from != support.StatusResolved {
			return support.Errorf(support.ECONFLICT, "error.reopen_not_resolved", map[string]string{"number": c.nums.Number(n.Seq).String(), "from": string(from)})
		}
		return nil
	})
}

func (c *Client) move(ctx context.Context, cat *catalog, n support.Number, to support.Status, message string, check func(support.Status) error) (*support.Ticket, error) {
	target, ok := cat.statusIDs[to]
	if !ok {
		return nil, support.Errorf(support.EINVALID, "redmine.status_unmapped", map[string]string{"status": string(to), "name": c.statusName(to)})
	}
	is, err := c.getIssue(ctx, cat, n, "allowed_statuses")
	if err != nil {
		return nil, err
	}
	from := c.ourStatus(is.Status)
	if err := check(from); err != nil {
		return nil, err
	}
	if is.Status.ID == target || !slices.ContainsFunc(is.AllowedStatuses, func(s status) bool { return s.ID == target }) {
		var allowed []string
		for _, s := range is.AllowedStatuses {
			if s.ID != is.Status.ID {
				allowed = append(allowed, string(c.ourStatus(s)))
			}
		}
		return nil, support.Errorf(support.ECONFLICT, "redmine.status_forbidden", map[string]string{
			"number": c.nums.Number(is.ID).String(), "from": string(from), "to": string(to), "allowed": strings.Join(allowed, ", ")})
	}
	return c.update(ctx, cat, n, issueWrite{StatusID: target, Notes: message}, func(got *issue) bool { return got.Status.ID == target },
		map[string]string{"field": "status", "from": string(from), "to": string(to)})
}

// update sends one change, then reads the issue back: done says whether
// the change is there. One Redmine dropped is "ignored", naming it.
func (c *Client) update(ctx context.Context, cat *catalog, n support.Number, w issueWrite, done func(*issue) bool, what map[string]string) (*support.Ticket, error) {
	path, err := c.issuePath(n)
	if err != nil {
		return nil, err
	}
	if _, err := c.sendJSON(ctx, http.MethodPut, path, map[string]any{"issue": w}, nil); err != nil {
		return nil, err
	}
	got, err := c.getIssue(ctx, cat, n, "journals,attachments")
	if err != nil {
		return nil, err
	}
	if !done(got) {
		what["number"] = c.nums.Number(got.ID).String()
		return nil, support.Errorf(support.ECONFLICT, "redmine.change_ignored", what)
	}
	return c.toTicket(cat, got), nil
}

// ChangePriority requalifies a ticket, with an optional note.
func (c *Client) ChangePriority(ctx context.Context, n support.Number, p support.Priority, message string) (*support.Ticket, error) {
	cat, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	id, ok := cat.priorities[p]
	if !ok {
		return nil, support.Errorf(support.EINVALID, "redmine.mapping_missing",
			map[string]string{"project": c.cfg.Project, "names": c.priorityName(p)})
	}
	return c.update(ctx, cat, n, issueWrite{PriorityID: id, Notes: message}, func(got *issue) bool { return got.Priority.ID == id },
		map[string]string{"field": "priority", "to": string(p)})
}

// Assign gives the ticket to the user of e-mail email (found through
// /users.json, which needs an admin key), or to the caller. Taking a
// nouveau ticket also starts it, when the workflow allows.
func (c *Client) Assign(ctx context.Context, n support.Number, email string) (*support.Ticket, error) {
	cat, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	var uid int64
	if email == "" {
		uid = cat.me.User.ID
	} else {
		var users struct {
			Users []struct {
				ID   int64  `json:"id"`
				Mail string `json:"mail"`
			} `json:"users"`
		}
		err := c.getJSON(ctx, "/users.json", url.Values{"name": {email}}, &users)
		for _, u := range users.Users {
			if err == nil && strings.EqualFold(u.Mail, email) {
				uid = u.ID
			}
		}
		if uid == 0 {
			return nil, support.InvalidFields([]support.FieldError{{Field: "to", Rule: support.RuleAssignee}})
		}
	}
	is, err := c.getIssue(ctx, cat, n, "allowed_statuses")
	if err != nil {
		return nil, err
	}
	w := issueWrite{AssignedToID: uid}
	if open, ok := cat.statusIDs[support.StatusOpen]; ok && c.ourStatus(is.Status) == support.StatusNew &&
		slices.ContainsFunc(is.AllowedStatuses, func(s status) bool { return s.ID == open }) {
		w.StatusID = open
	}
	return c.update(ctx, cat, n, w, func(got *issue) bool { return got.AssignedTo != nil && got.AssignedTo.ID == uid },
		map[string]string{"field": "assignee", "to": email})
}
