package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/ent-support/ent-support/internal/support"
)

// eventPayload is what an event row keeps besides its columns.
type eventPayload struct {
	Role        support.Role `json:"role,omitempty"`
	From        string       `json:"from,omitempty"`
	To          string       `json:"to,omitempty"`
	Message     string       `json:"message,omitempty"`
	CommentID   int64        `json:"comment_id,omitempty"`
	Attachments []string     `json:"attachments,omitempty"`
}

const qInsertEvent = `INSERT INTO events (ticket_id, at, kind, actor, payload) VALUES (?, ?, ?, ?, ?)`

// qNotify sends a ticket's number on the change feed (PostgreSQL): sent in
// the change's transaction, it is delivered when, and only if, it commits.
const qNotify = `SELECT pg_notify('ent_support_events', ?)`

// insertEvent writes one event in tx, the transaction of the change it
// reports (inside a create's SAVEPOINT, so a create undone takes its
// event with it).
func (db *DB) insertEvent(ctx context.Context, tx *sql.Tx, ticketID, us int64, kind, actor string, p eventPayload) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return db.wexec(ctx, tx, qInsertEvent, ticketID, us, kind, actor, string(b))
}

// notifyChange announces, in tx, that ticket n changed: every process
// listening (see WatchChanges) wakes its followers when tx commits. A no-op
// on SQLite, whose one server process wakes its own.
func (db *DB) notifyChange(ctx context.Context, tx *sql.Tx, n support.Number) error {
	if db.dialect.notifyChannel == "" {
		return nil
	}
	return db.wexec(ctx, tx, qNotify, n.String())
}

// historyKind is the event kind of a history entry's field.
func historyKind(field string) string {
	if field == support.FieldStatus {
		return support.EventStatus
	}
	return field
}

// Events returns the events of ticket n after afterID; see support.Store.
func (db *DB) Events(ctx context.Context, n support.Number, afterID int64, limit int) ([]support.Event, error) {
	if n.Prefix == "" || n.Seq <= 0 {
		return nil, ticketNotFound(n)
	}
	if limit <= 0 || limit > support.MaxEventBatch {
		limit = support.MaxEventBatch
	}
	var ticketID int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT id FROM tickets WHERE prefix = ? AND seq = ?`), n.Prefix, n.Seq).Scan(&ticketID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ticketNotFound(n)
	} else if err != nil {
		return nil, mapError(err)
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, at, kind, actor, payload FROM events
		WHERE ticket_id = ? AND id > ? ORDER BY id LIMIT ?`), ticketID, afterID, limit)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := []support.Event{}
	for rows.Next() {
		var (
			e       support.Event
			us      int64
			payload string
			p       eventPayload
		)
		if err := rows.Scan(&e.ID, &us, &e.Kind, &e.Actor, &payload); err != nil {
			return nil, mapError(err)
		}
		if err := json.Unmarshal([]byte(payload), &p); err != nil {
			return nil, err
		}
		e.Ticket, e.At = n, fromMicros(us)
		e.Role, e.From, e.To, e.Message, e.CommentID = p.Role, p.From, p.To, p.Message, p.CommentID
		if len(p.Attachments) > 0 {
			e.Attachments = p.Attachments
		}
		out = append(out, e)
	}
	return out, mapError(rows.Err())
}
