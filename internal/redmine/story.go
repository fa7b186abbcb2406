package redmine

import (
	"strconv"
	"strings"

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
	t.Number = c.number(is.ID)
	t.Subject = is.Subject
	body, name, email := splitDescription(is.Description)
	t.Description = body
	t.Reporter.Name, t.Reporter.Email = name, email
	if t.Reporter.Name == "" {
		t.Reporter.Name = is.Author.Name
	}
	for _, v := range is.CustomFields {
		vals := v.strings()
		first := ""
		if len(vals) > 0 {
			first = vals[0]
		}
		switch v.ID {
		case cat.fields[keyFunction]:
			t.Reporter.Function = parseFunction(first)
		case cat.fields[keyPhone]:
			if p, fe := support.ParsePhone(first); fe == nil {
				t.Reporter.Phone = p
			} else {
				t.Reporter.Phone = first
			}
		case cat.fields[keyEstablishment]:
			e := parseEstablishment(first)
			t.Establishment.UAI, t.Establishment.Name = e.UAI, e.Name
		case cat.fields[keyCity]:
			t.Establishment.City = first
		case cat.fields[keyPopulation]:
			for _, s := range vals {
				if p, ok := parsePopulation(s); ok {
					t.Population = append(t.Population, p)
				}
			}
		case cat.fields[keyLocation]:
			t.Location = first
		}
	}
	t.Priority = c.ourPriority(is.Priority.Name)
	t.Status = c.ourStatus(is.Status)
	t.CreatedAt, t.UpdatedAt = is.CreatedOn, is.UpdatedOn
	if is.AssignedTo != nil {
		t.Assignee = is.AssignedTo.Name
	}
	for _, a := range is.Attachments {
		t.Attachments = append(t.Attachments, support.Attachment{ID: a.ID, Name: a.Filename,
			ContentType: a.ContentType, Size: a.Filesize, CreatedAt: a.CreatedOn})
	}
	t.AttachmentCount = len(is.Attachments)
	t.History, t.Comments, _ = c.story(cat, is)
	// A file added with a note belongs to that comment.
	for _, cm := range t.Comments {
		for _, ca := range cm.Attachments {
			for i := range t.Attachments {
				if t.Attachments[i].ID == ca.ID {
					t.Attachments[i].CommentID = cm.ID
				}
			}
		}
	}
	if t.History == nil {
		t.History = []support.HistoryEntry{}
	}
	if t.Comments == nil {
		t.Comments = []support.Comment{}
	}
	if t.Attachments == nil {
		t.Attachments = []support.Attachment{}
	}
	return t
}

// story reads an issue's journals once into the three views of its past:
// the history (creation, status, priority and assignee changes), the
// comments (notes, and files added without a status change), and the
// events a follower sees, one per history entry and comment, in order.
// A status change's note is its history message, not a comment, as on our
// server.
func (c *Client) story(cat *catalog, is *issue) ([]support.HistoryEntry, []support.Comment, []support.Event) {
	var (
		hist   []support.HistoryEntry
		cms    []support.Comment
		events []support.Event
	)
	n := c.number(is.ID)
	// The status at creation is the "old" value of the first status change.
	initial := is.Status
	for _, j := range is.Journals {
		if d := findDetail(j, "attr", "status_id"); d != nil {
			initial = cat.statusByID(d.OldValue)
			break
		}
	}
	created := c.ourStatus(initial)
	hist = append(hist, support.HistoryEntry{At: is.CreatedOn, Actor: is.Author.Name, To: created})
	events = append(events, support.Event{ID: createdEventID, Ticket: n, At: is.CreatedOn, Kind: support.EventCreated,
		Actor: is.Author.Name, Role: support.RoleReporter, To: string(created), Message: is.Subject})
	for _, j := range is.Journals {
		role := support.RoleAgent
		if j.User.ID == is.Author.ID {
			role = support.RoleReporter
		}
		base := j.ID * eventSlots
		ev := func(slot int, kind, from, to, msg string) support.Event {
			return support.Event{ID: base + int64(slot), Ticket: n, At: j.CreatedOn, Kind: kind, Actor: j.User.Name,
				Role: role, From: from, To: to, Message: msg}
		}
		notes := strings.ReplaceAll(j.Notes, "\r\n", "\n")
		noteUsed := false
		if d := findDetail(j, "attr", "status_id"); d != nil {
			from, to := c.ourStatus(cat.statusByID(d.OldValue)), c.ourStatus(cat.statusByID(d.NewValue))
			hist = append(hist, support.HistoryEntry{At: j.CreatedOn, Actor: j.User.Name, From: from, To: to, Message: notes})
			events = append(events, ev(slotStatus, support.EventStatus, string(from), string(to), notes))
			noteUsed = true
		}
		if d := findDetail(j, "attr", "priority_id"); d != nil {
			from, to := c.priorityOf(cat, d.OldValue), c.priorityOf(cat, d.NewValue)
			msg := ""
			if !noteUsed {
				msg, noteUsed = notes, true
			}
			hist = append(hist, support.HistoryEntry{At: j.CreatedOn, Actor: j.User.Name, Field: support.FieldPriority,
				From: support.Status(from), To: support.Status(to), Message: msg})
			events = append(events, ev(slotPriority, support.EventPriority, from, to, msg))
		}
		if d := findDetail(j, "attr", "assigned_to_id"); d != nil {
			to := ""
			if d.NewValue != "" {
				to = "#" + d.NewValue
				if is.AssignedTo != nil && strconv.FormatInt(is.AssignedTo.ID, 10) == d.NewValue {
					to = is.AssignedTo.Name
				}
			}
			hist = append(hist, support.HistoryEntry{At: j.CreatedOn, Actor: j.User.Name, Field: support.FieldAssignee,
				To: support.Status(to)})
			events = append(events, ev(slotAssignee, support.EventAssignee, "", to, ""))
		}
		var files []support.Attachment
		var names []string
		for _, d := range j.Details {
			if d.Property == "attachment" && d.NewValue != "" {
				id, _ := strconv.ParseInt(d.Name, 10, 64)
				files = append(files, support.Attachment{ID: id, Name: d.NewValue, CreatedAt: j.CreatedOn})
				names = append(names, d.NewValue)
			}
		}
		if (notes != "" && !noteUsed) || len(files) > 0 {
			body := notes
			if noteUsed {
				body = ""
			}
			cm := support.Comment{ID: base + slotComment, Author: j.User.Name, Role: role, Body: body,
				CreatedAt: j.CreatedOn, Attachments: files}
			cms = append(cms, cm)
			e := ev(slotComment, support.EventComment, "", "", body)
			e.CommentID, e.Attachments = cm.ID, names
			events = append(events, e)
		}
	}
	return hist, cms, events
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
