package sqlstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

var _ support.MailQueue = (*DB)(nil)

// AllEventsAfter returns the events of every ticket after afterID; see
// support.MailQueue.
func (db *DB) AllEventsAfter(ctx context.Context, afterID int64, limit int) ([]support.Event, error) {
	if limit <= 0 || limit > support.MaxEventBatch {
		limit = support.MaxEventBatch
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT e.id, t.prefix, t.seq, e.at, e.kind, e.actor, e.payload
		FROM events e JOIN tickets t ON t.id = e.ticket_id WHERE e.id > ? ORDER BY e.id LIMIT ?`), afterID, limit)
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
		if err := rows.Scan(&e.ID, &e.Ticket.Prefix, &e.Ticket.Seq, &us, &e.Kind, &e.Actor, &payload); err != nil {
			return nil, mapError(err)
		}
		if err := json.Unmarshal([]byte(payload), &p); err != nil {
			return nil, err
		}
		e.At = fromMicros(us)
		e.Role, e.From, e.To, e.Message, e.CommentID = p.Role, p.From, p.To, p.Message, p.CommentID
		if len(p.Attachments) > 0 {
			e.Attachments = p.Attachments
		}
		out = append(out, e)
	}
	return out, mapError(rows.Err())
}

// MailCursor returns the last event queued for mail; see support.MailQueue.
func (db *DB) MailCursor(ctx context.Context) (int64, error) {
	var id int64
	err := db.write.QueryRowContext(ctx, `SELECT event_id FROM mail_cursor WHERE id = 1`).Scan(&id)
	return id, mapError(err)
}

// EnqueueMail stores deliveries and moves the cursor in one transaction;
// see support.MailQueue.
func (db *DB) EnqueueMail(ctx context.Context, cursor int64, ds []support.MailDelivery) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	for _, d := range ds {
		if err := db.insertDelivery(ctx, tx, d); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, db.q(`UPDATE mail_cursor SET event_id = ? WHERE id = 1 AND event_id < ?`), cursor, cursor); err != nil {
		return mapError(err)
	}
	return mapError(tx.Commit())
}

// mailClaim is how long a PostgreSQL sender keeps the deliveries
// PendingMail gave it: far longer than a round of sends takes, short enough
// that mail from a process that died moves again soon.
const mailClaim = 5 * time.Minute

// PendingMail returns deliveries not yet sent, oldest first; see
// support.MailQueue.
//
// On PostgreSQL several processes share the queue: it claims the rows it
// returns for this process (mailClaim), skipping rows another process
// holds, so that each e-mail is sent by one process. Rows this process
// already holds are returned again (the next round after a failure).
func (db *DB) PendingMail(ctx context.Context, limit int) ([]support.MailDelivery, error) {
	const cols = `id, event_id, recipient, message_id, subject, text_body,
		html_body, attempts, next_attempt_at, last_error, in_reply_to, refs, auto_reply, files`
	query, args := `SELECT `+cols+` FROM mail_deliveries WHERE status = 'pending' ORDER BY id LIMIT ?`, []any{limit}
	if db.dialect.claimMail {
		now := toMicros(db.stamp())
		query = `UPDATE mail_deliveries SET claimed_by = ?, claimed_until = ?
			WHERE id IN (SELECT id FROM mail_deliveries
				WHERE status = 'pending' AND (claimed_until < ? OR claimed_by = ?)
				ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
			RETURNING ` + cols
		args = []any{db.owner, now + mailClaim.Microseconds(), now, db.owner, limit}
	}
	rows, err := db.write.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []support.MailDelivery
	for rows.Next() {
		var d support.MailDelivery
		var next int64
		var auto int
		var files string
		if err := rows.Scan(&d.ID, &d.EventID, &d.Recipient, &d.MessageID, &d.Subject, &d.Text, &d.HTML,
			&d.Attempts, &next, &d.LastError, &d.InReplyTo, &d.References, &auto, &files); err != nil {
			return nil, mapError(err)
		}
		d.AutoReply = auto == 1
		if files != "" {
			if err := json.Unmarshal([]byte(files), &d.Files); err != nil {
				return nil, err
			}
		}
		d.NextAttempt = fromMicros(next)
		out = append(out, d)
	}
	// UPDATE … RETURNING gives no order.
	slices.SortFunc(out, func(a, b support.MailDelivery) int { return cmp.Compare(a.ID, b.ID) })
	return out, mapError(rows.Err())
}

// MarkMailSent records SMTP's acceptance; see support.MailQueue.
func (db *DB) MarkMailSent(ctx context.Context, id int64, at time.Time) error {
	_, err := db.write.ExecContext(ctx, db.q(`UPDATE mail_deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1,
		last_error = '' WHERE id = ?`), toMicros(at), id)
	return mapError(err)
}

// MarkMailFailed records a failed attempt; see support.MailQueue.
func (db *DB) MarkMailFailed(ctx context.Context, id int64, attempts int, next time.Time, lastErr string, failed bool) error {
	status := "pending"
	if failed {
		status = "failed"
	}
	query := `UPDATE mail_deliveries SET status = ?, attempts = ?, next_attempt_at = ?,
		last_error = ? WHERE id = ? AND status = 'pending'`
	if db.dialect.claimMail {
		// Let go of the claim: whichever process is up when it is due
		// tries again.
		query = strings.Replace(query, "last_error = ?", "last_error = ?, claimed_until = 0", 1)
	}
	_, err := db.write.ExecContext(ctx, db.q(query), status, attempts, toMicros(next), lastErr, id)
	return mapError(err)
}

// Secret returns the named server secret, made on first use; see
// support.MailQueue.
func (db *DB) Secret(ctx context.Context, name string, size int) ([]byte, error) {
	fresh := make([]byte, size)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	// Insert-if-missing then read: two processes asking at once agree on
	// the first one written.
	if _, err := db.write.ExecContext(ctx, db.q(`INSERT INTO server_secrets (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO NOTHING`), name, fresh); err != nil {
		return nil, mapError(err)
	}
	var v []byte
	err := db.write.QueryRowContext(ctx, db.q(`SELECT value FROM server_secrets WHERE name = ?`), name).Scan(&v)
	return v, mapError(err)
}

// UserLang returns a user's mail language; see support.MailQueue.
func (db *DB) UserLang(ctx context.Context, id int64) (string, error) {
	var lang string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT lang FROM users WHERE id = ?`), id).Scan(&lang)
	if errors.Is(err, sql.ErrNoRows) {
		return "fr", nil
	}
	return lang, mapError(err)
}
