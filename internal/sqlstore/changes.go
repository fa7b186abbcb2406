package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ent-support/ent-support/internal/support"
)

// changeSQL is the compare-and-set update of each field a TicketChange may
// name: it writes To only where the field still holds From.
var changeSQL = map[string]string{
	support.FieldStatus:   `UPDATE tickets SET status = ? WHERE id = ? AND status = ?`,
	support.FieldPriority: `UPDATE tickets SET priority = ?, priority_rank = ? WHERE id = ? AND priority = ?`,
	support.FieldAssignee: `UPDATE tickets SET assignee = ? WHERE id = ? AND assignee = ?`,
}

// ChangeTicket applies changes in one transaction with their history
// entries; see support.Store. A field that no longer holds its From (a
// change that raced another) is ECONFLICT, and nothing is written.
func (db *DB) ChangeTicket(ctx context.Context, n support.Number, actor, message string, changes []support.TicketChange) error {
	if n.Prefix == "" || n.Seq <= 0 {
		return ticketNotFound(n)
	}
	for _, c := range changes {
		if _, ok := changeSQL[c.Field]; !ok {
			return fmt.Errorf("sqlstore: no such ticket field %q", c.Field)
		}
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	now := db.stamp()
	us := toMicros(now)

	// As for a comment: the ticket row is updated first, which finds it
	// and takes the write lock in one statement.
	var ticketID int64
	err = tx.QueryRowContext(ctx, db.q(`UPDATE tickets SET updated_at = ?
		WHERE prefix = ? AND seq = ? RETURNING id`), us, n.Prefix, n.Seq).Scan(&ticketID)
	if errors.Is(err, sql.ErrNoRows) {
		return ticketNotFound(n)
	} else if err != nil {
		return mapError(err)
	}
	if err := db.lockEvents(ctx, tx); err != nil {
		return mapError(err)
	}
	if err := db.notifyChange(ctx, tx, n); err != nil {
		return mapError(err)
	}
	for _, c := range changes {
		args := []any{c.To}
		if c.Field == support.FieldPriority {
			args = append(args, support.Priority(c.To).Rank())
		}
		res, err := tx.ExecContext(ctx, db.q(changeSQL[c.Field]), append(args, ticketID, c.From)...)
		if err != nil {
			return mapError(err)
		}
		if k, err := res.RowsAffected(); err != nil {
			return mapError(err)
		} else if k != 1 {
			return support.Errorf(support.ECONFLICT, "error.ticket_changed", map[string]string{"number": n.String()})
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO history
			(ticket_id, at, actor, field, from_status, to_status, message) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			ticketID, us, actor, c.Field, c.From, c.To, message); err != nil {
			return mapError(err)
		}
		if err := db.insertEvent(ctx, tx, ticketID, us, historyKind(c.Field), actor,
			eventPayload{From: c.From, To: c.To, Message: message}); err != nil {
			return mapError(err)
		}
	}
	if err := db.recordMailTx(ctx, tx, now, n); err != nil {
		return err
	}
	return db.commit(ctx, tx)
}
