package support

import (
	"context"
	"time"
)

// Event kinds: what an Event reports.
const (
	EventCreated  = "created"  // the ticket was filed; To is its status, Message its subject
	EventStatus   = "status"   // From → To are statuses
	EventPriority = "priority" // From → To are priorities
	EventAssignee = "assignee" // From → To are e-mails, "" for nobody
	EventComment  = "comment"  // Role says a reporter's information or an agent's reply
)

// Event is one change of a ticket, as followers see it. IDs increase over
// the whole server, in the order the changes were committed, and are never
// reused: a follower resumes after the last ID it saw.
type Event struct {
	ID      int64     `json:"id"`
	Ticket  Number    `json:"ticket"`
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Actor   string    `json:"actor"` // "Name <e-mail>"
	Role    Role      `json:"role,omitempty"`
	From    string    `json:"from,omitempty"`
	To      string    `json:"to,omitempty"`
	Message string    `json:"message,omitempty"`
	// CommentID and Attachments (file names) come with a comment.
	CommentID   int64    `json:"comment_id,omitempty"`
	Attachments []string `json:"attachments,omitempty"`
}

// Settles reports whether e leaves the ticket resolved or closed: where a
// follower stops.
func (e Event) Settles() bool {
	return (e.Kind == EventStatus || e.Kind == EventCreated) &&
		(Status(e.To) == StatusResolved || Status(e.To) == StatusClosed)
}

// MaxEventBatch caps how many events one read returns.
const MaxEventBatch = 500

// Follower follows a ticket, whether the server is remote
// (httpapi.Client, which reconnects as needed) or embedded.
//
// Errors: ENOTFOUND (also for a ticket the caller may not see),
// EUNAUTHENTICATED, EUNAVAILABLE.
type Follower interface {
	// Follow calls fn with every event of ticket n after afterID, in
	// order and once each: the ones already there first, then each as it
	// happens. It returns when ctx is done (ctx.Err()) or fn returns an
	// error (that error).
	Follow(ctx context.Context, n Number, afterID int64, fn func(Event) error) error
}

// EventService gives a ticket's events to whoever may see the ticket: what
// the server streams from. Errors as Follower's.
type EventService interface {
	Follower
	// Events returns up to limit (1..MaxEventBatch; 0 means the maximum)
	// events of ticket n with an ID above afterID, oldest first.
	Events(ctx context.Context, n Number, afterID int64, limit int) ([]Event, error)
}
