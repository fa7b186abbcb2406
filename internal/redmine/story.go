package redmine

import (
	"strconv"
	"strings"

	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/support"
)

// eventSlots: a journal can carry a status, a priority, an assignee change
// and a note; each is its own event, with ID journal*eventSlots + slot, so
// IDs grow with the journals and a follower resumes after the last.
const eventSlots = 4

const (
	slotStatus = iota
	slotPriority
	slotAssignee
	slotComment
)

// createdEventID is the creation's event: before every journal's.
const createdEventID = 1

// toTicket maps an issue onto a ticket: fields from the custom fields and
// the description's footer, history and comments from the journals.
func (c *Client) toTicket(cat *catalog, is *issue) *support.Ticket {
	t := &support.Ticket{}
	t.Number = c.nums.Number(is.ID)
	t.Subject = is.Subject
	t.Description, t.Reporter.Name, t.Reporter.Email, _ = helpdesk.ParseBody(is.Description)
	if t.Reporter.Name == "" {
		t.Reporter.Name = is.Author.Name
	}
	values := map[string][]string{}
	for _, v := range is.CustomFields {
		for k, id := range cat.fields {
			if id == v.ID {
				values[k] = v.strings()
			}
		}
	}
	helpdesk.Decode(values, &t.TicketInput)
	t.Priority = c.ourPriority(is.Priority.Name)
	t.Status = c.ourStatus(is.Status)
	t.CreatedAt, t.UpdatedAt = is.CreatedOn, is.UpdatedOn
	if is.AssignedTo != nil {
		t.Assignee = is.AssignedTo.Name
	}
	t.Attachments = []support.Attachment{}
	for _, a := range is.Attachments {
		t.Attachments = append(t.Attachments, support.Attachment{ID: a.ID, Name: a.Filename,
			ContentType: a.ContentType, Size: a.Filesize, CreatedAt: a.CreatedOn})
	}
	t.AttachmentCount = len(is.Attachments)
	events := c.story(cat, is)
	t.History, t.Comments = helpdesk.Story(events)
	// A file added with a note belongs to that comment.
	for i, cm := range t.Comments {
		for _, j := range is.Journals {
			if j.ID*eventSlots+slotComment != cm.ID {
				continue
			}
			for _, d := range j.Details {
				id, _ := strconv.ParseInt(d.Name, 10, 64)
				if d.Property != "attachment" || d.NewValue == "" {
					continue
				}
				for k := range t.Attachments {
					if t.Attachments[k].ID == id {
						t.Attachments[k].CommentID = cm.ID
						t.Comments[i].Attachments = append(t.Comments[i].Attachments, t.Attachments[k])
					}
				}
			}
		}
	}
	return t
}

// story reads an issue's journals as the events a follower sees: the
// creation, then per journal a status, priority and assignee change and a
// comment (a note, or files added without a status change), each its own
// event. A status change's note is its message, not a comment, as on our
// server. helpdesk.Story makes history and comments of the same list.
func (c *Client) story(cat *catalog, is *issue) []support.Event {
	n := c.nums.Number(is.ID)
	// The status at creation is the "old" value of the first status change.
	initial := is.Status
	for _, j := range is.Journals {
		if d := findDetail(j, "attr", "status_id"); d != nil {
			initial = cat.statusByID(d.OldValue)
			break
		}
	}
	events := []support.Event{{ID: createdEventID, Ticket: n, At: is.CreatedOn, Kind: support.EventCreated,
		Actor: is.Author.Name, Role: support.RoleReporter, To: string(c.ourStatus(initial)), Message: is.Subject}}
	for _, j := range is.Journals {
		role := support.RoleAgent
		if j.User.ID == is.Author.ID {
			role = support.RoleReporter
		}
		ev := func(slot int, kind, from, to, msg string) support.Event {
			return support.Event{ID: j.ID*eventSlots + int64(slot), Ticket: n, At: j.CreatedOn, Kind: kind,
				Actor: j.User.Name, Role: role, From: from, To: to, Message: msg}
		}
		notes := strings.ReplaceAll(j.Notes, "\r\n", "\n")
		if d := findDetail(j, "attr", "status_id"); d != nil {
			events = append(events, ev(slotStatus, support.EventStatus,
				string(c.ourStatus(cat.statusByID(d.OldValue))), string(c.ourStatus(cat.statusByID(d.NewValue))), notes))
			notes = ""
		}
		if d := findDetail(j, "attr", "priority_id"); d != nil {
			events = append(events, ev(slotPriority, support.EventPriority, c.priorityOf(cat, d.OldValue), c.priorityOf(cat, d.NewValue), notes))
			notes = ""
		}
		if d := findDetail(j, "attr", "assigned_to_id"); d != nil {
			to := ""
			if d.NewValue != "" {
				to = "#" + d.NewValue
				if is.AssignedTo != nil && strconv.FormatInt(is.AssignedTo.ID, 10) == d.NewValue {
					to = is.AssignedTo.Name
				}
			}
			events = append(events, ev(slotAssignee, support.EventAssignee, "", to, ""))
		}
		var names []string
		for _, d := range j.Details {
			if d.Property == "attachment" && d.NewValue != "" {
				names = append(names, d.NewValue)
			}
		}
		if notes != "" || len(names) > 0 {
			e := ev(slotComment, support.EventComment, "", "", notes)
			e.CommentID, e.Attachments = e.ID, names
			events = append(events, e)
		}
	}
	return events
}

func (c *Client) priorityOf(cat *catalog, id string) string {
	n, _ := strconv.ParseInt(id, 10, 64)
	name := cat.priorityNames[n]
	if p := c.ourPriority(name); p != "" {
		return string(p)
	}
	return name
}

func findDetail(j journal, property, name string) *journalDetail {
	for i := range j.Details {
		if j.Details[i].Property == property && j.Details[i].Name == name {
			return &j.Details[i]
		}
	}
	return nil
}
