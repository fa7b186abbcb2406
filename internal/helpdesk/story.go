package helpdesk

import "github.com/ent-support/ent-support/internal/support"

// Story turns a ticket's events, oldest first, into its history and
// comments, one entry per event: `follow` counts history entries and
// comments to know how many events are the ticket's past, so both views
// must come from the same list.
func Story(events []support.Event) ([]support.HistoryEntry, []support.Comment) {
	history := []support.HistoryEntry{}
	comments := []support.Comment{}
	for _, e := range events {
		switch e.Kind {
		case support.EventComment:
			comments = append(comments, support.Comment{ID: e.CommentID, Author: e.Actor, Role: e.Role,
				Body: e.Message, CreatedAt: e.At})
		case support.EventCreated:
			history = append(history, support.HistoryEntry{At: e.At, Actor: e.Actor, To: support.Status(e.To)})
		default:
			h := support.HistoryEntry{At: e.At, Actor: e.Actor, From: support.Status(e.From), To: support.Status(e.To),
				Message: e.Message}
			if e.Kind != support.EventStatus {
				h.Field = e.Kind
			}
			history = append(history, h)
		}
	}
	return history, comments
}
