package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/ent-support/ent-support/internal/filecheck"
	"github.com/ent-support/ent-support/internal/support"
)

// AddComment stores c on ticket n with its files in one transaction, and
// moves the ticket's updated_at; see support.Store. Files are read before
// the transaction, as for CreateTicket: a file that cannot be read fails
// the comment before anything is written. The ticket's files with the
// comment's must stay within maxTicketSize (0: no limit): checked under
// the ticket row's lock, so that comments racing each other cannot pass it
// together.
func (db *DB) AddComment(ctx context.Context, n support.Number, c *support.Comment, files []support.FileData, maxTicketSize int64) error {
	if n.Prefix == "" || n.Seq <= 0 {
		return ticketNotFound(n)
	}
	blobs, err := readFiles(files)
	if err != nil {
		return err
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	now := db.stamp()
	us := toMicros(now)

	// The ticket row is updated first: it finds the ticket (or says it is
	// not there) and takes the write lock in one statement.
	var ticketID int64
	err = tx.QueryRowContext(ctx, db.q(`UPDATE tickets SET updated_at = ?
		WHERE prefix = ? AND seq = ? RETURNING id`), us, n.Prefix, n.Seq).Scan(&ticketID)
	if errors.Is(err, sql.ErrNoRows) {
		return ticketNotFound(n)
	} else if err != nil {
		return mapError(err)
	}
	if len(blobs) > 0 && maxTicketSize > 0 {
		var total int64
		if err := tx.QueryRowContext(ctx, db.q(`SELECT COALESCE(SUM(size), 0) FROM attachments WHERE ticket_id = ?`),
			ticketID).Scan(&total); err != nil {
			return mapError(err)
		}
		for _, f := range blobs {
			total += f.meta.Size
		}
		if total > maxTicketSize {
			return &support.Error{Code: support.ETOOLARGE, Key: "error.too_large",
				Fields: []support.FieldError{*filecheck.TicketTooBig(total, maxTicketSize)}}
		}
	}
	var id int64
	if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO comments (ticket_id, author, role, body, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`), ticketID, c.Author, string(c.Role), c.Body, us).Scan(&id); err != nil {
		return mapError(err)
	}
	atts := make([]support.Attachment, 0, len(blobs))
	for _, f := range blobs {
		a := f.meta
		a.CreatedAt, a.CommentID = now, id
		if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO attachments
			(ticket_id, comment_id, name, content_type, size, sha256, created_at, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			ticketID, id, a.Name, a.ContentType, a.Size, a.SHA256, us, f.data).Scan(&a.ID); err != nil {
			return mapError(err)
		}
		atts = append(atts, a)
	}
	if err := db.lockEvents(ctx, tx); err != nil {
		return mapError(err)
	}
	if err := db.notifyChange(ctx, tx, n); err != nil {
		return mapError(err)
	}
	names := make([]string, len(atts))
	for i, a := range atts {
		names[i] = a.Name
	}
	if err := db.insertEvent(ctx, tx, ticketID, us, support.EventComment, c.Author,
		eventPayload{Role: c.Role, Message: c.Body, CommentID: id, Attachments: names}); err != nil {
		return mapError(err)
	}
	if err := db.recordMailTx(ctx, tx, now, n); err != nil {
		return err
	}
	if err := db.commit(ctx, tx); err != nil {
		return err
	}
	c.ID, c.CreatedAt = id, now
	c.Attachments = nil
	if len(atts) > 0 {
		c.Attachments = atts
	}
	return nil
}
