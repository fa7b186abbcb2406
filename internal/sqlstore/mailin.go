package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

var _ support.MailInbox = (*DB)(nil)

const keyMailNotFound = "error.mail_not_found"

const qInsertMailRecord = `INSERT INTO mail_messages (key, sender, result, number, replied, at)
	VALUES (?, ?, ?, ?, ?, ?) RETURNING id`

// recordMailTx writes the record of the e-mail that causes the change of
// tx, if ctx carries one (support.WithMailRecord). A key already recorded
// is the same message delivered again: ECONFLICT, and the caller's
// transaction is rolled back with it.
func (db *DB) recordMailTx(ctx context.Context, tx *sql.Tx, now time.Time, number support.Number) error {
	rec := support.MailRecordFrom(ctx)
	if rec == nil {
		return nil
	}
	r := *rec
	r.Number = number.String()
	_, err := db.insertMailRecord(ctx, tx, r, now)
	return err
}

func (db *DB) insertMailRecord(ctx context.Context, tx *sql.Tx, r support.MailRecord, now time.Time) (int64, error) {
	if r.At.IsZero() {
		r.At = now
	}
	replied := 0
	if r.Replied {
		replied = 1
	}
	var id int64
	err := tx.QueryRowContext(ctx, db.q(qInsertMailRecord), r.Key, r.Sender, r.Result, r.Number, replied,
		toMicros(r.At)).Scan(&id)
	if err = mapError(err); support.ErrorCode(err) == support.ECONFLICT {
		return 0, support.Errorf(support.ECONFLICT, support.KeyMailDuplicate, nil)
	}
	return id, err
}

// MailRecordByKey returns the record of a message; see support.MailInbox.
func (db *DB) MailRecordByKey(ctx context.Context, key string) (*support.MailRecord, error) {
	var r support.MailRecord
	var replied int
	var at int64
	err := db.write.QueryRowContext(ctx, db.q(`SELECT key, sender, result, number, replied, at
		FROM mail_messages WHERE key = ?`), key).Scan(&r.Key, &r.Sender, &r.Result, &r.Number, &replied, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(keyMailNotFound)
	} else if err != nil {
		return nil, mapError(err)
	}
	r.Replied, r.At = replied == 1, fromMicros(at)
	return &r, nil
}

// RecordMail writes a message's record, with its answer and its pending
// request, in one transaction; see support.MailInbox.
func (db *DB) RecordMail(ctx context.Context, rec support.MailRecord, reply *support.MailDelivery, p *support.PendingMail) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	now := db.stamp()
	id, err := db.insertMailRecord(ctx, tx, rec, now)
	if err != nil {
		return err
	}
	if reply != nil {
		// An answer belongs to no ticket event: its event_id is the
		// record's, negated, which keeps (event_id, recipient) unique.
		reply.EventID = -id
		if err := db.insertDelivery(ctx, tx, *reply); err != nil {
			return err
		}
	}
	if p != nil {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO mail_pending (reply_id, sender, raw, fields, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`), p.ReplyID, p.Sender, p.Raw, string(p.Fields), toMicros(now), toMicros(p.ExpiresAt)); err != nil {
			return mapError(err)
		}
	}
	return db.commit(ctx, tx)
}

// insertDelivery queues one e-mail; one already there for its event and
// recipient is kept as it is.
func (db *DB) insertDelivery(ctx context.Context, tx *sql.Tx, d support.MailDelivery) error {
	files := ""
	if len(d.Files) > 0 {
		b, err := json.Marshal(d.Files)
		if err != nil {
			return err
		}
		files = string(b)
	}
	auto := 0
	if d.AutoReply {
		auto = 1
	}
	_, err := tx.ExecContext(ctx, db.q(`INSERT INTO mail_deliveries
		(event_id, recipient, message_id, subject, text_body, html_body, next_attempt_at,
		 in_reply_to, refs, auto_reply, files)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, recipient) DO NOTHING`),
		d.EventID, d.Recipient, d.MessageID, d.Subject, d.Text, d.HTML, toMicros(d.NextAttempt),
		d.InReplyTo, d.References, auto, files)
	return mapError(err)
}

// PendingByReply finds a pending request by our reply's Message-ID; see
// support.MailInbox.
func (db *DB) PendingByReply(ctx context.Context, replyID string, now time.Time) (*support.PendingMail, error) {
	var p support.PendingMail
	var created, expires int64
	var fields string
	err := db.write.QueryRowContext(ctx, db.q(`SELECT id, reply_id, sender, raw, fields, created_at, expires_at
		FROM mail_pending WHERE reply_id = ? AND expires_at > ?`), strings.TrimSpace(replyID), toMicros(now)).
		Scan(&p.ID, &p.ReplyID, &p.Sender, &p.Raw, &fields, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(keyMailNotFound)
	} else if err != nil {
		return nil, mapError(err)
	}
	p.CreatedAt, p.ExpiresAt, p.Fields = fromMicros(created), fromMicros(expires), []byte(fields)
	return &p, nil
}

// DeletePending drops a completed request and the expired ones; see
// support.MailInbox.
func (db *DB) DeletePending(ctx context.Context, id int64, now time.Time) error {
	_, err := db.write.ExecContext(ctx, db.q(`DELETE FROM mail_pending WHERE id = ? OR expires_at <= ?`), id, toMicros(now))
	return mapError(err)
}

// CountMailReplies counts the automatic answers to sender since a time;
// see support.MailInbox. In the database, so that every process of a
// PostgreSQL deployment counts the same answers.
func (db *DB) CountMailReplies(ctx context.Context, sender string, since time.Time) (int, error) {
	var n int
	err := db.write.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM mail_messages
		WHERE sender = ? AND replied = 1 AND at >= ?`), sender, toMicros(since)).Scan(&n)
	return n, mapError(err)
}
