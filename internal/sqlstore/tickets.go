package sqlstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// blob is a file read and checked, ready to be inserted.
type blob struct {
	meta support.Attachment
	data []byte
}

// CreateTicket numbers and stores t with its files in one transaction; see
// support.Store. Files are read once, before the transaction: a file that
// cannot be read fails the create before anything is written, and the
// single writer never waits on a slow reader.
//
// If ctx ends while the create waits for its commit, CreateTicket returns
// ctx.Err() but the ticket may still be stored: a retry with the same
// idempotency key then finds it.
func (db *DB) CreateTicket(ctx context.Context, t *support.Ticket, files []support.FileData) (bool, error) {
	if t.Number.Prefix == "" {
		return false, fmt.Errorf("sqlstore: CreateTicket without a number prefix")
	}
	blobs, err := readFiles(files)
	if err != nil {
		return false, err
	}
	req := &createReq{ctx: ctx, t: *t, files: blobs, res: make(chan createRes, 1)}
	select {
	case db.creates <- req:
	case <-ctx.Done():
		return false, ctx.Err()
	case <-db.done:
		return false, support.Errorf(support.EUNAVAILABLE, keyStorageUnavailable, nil)
	}
	select {
	case r := <-req.res:
		if r.err != nil {
			return false, r.err
		}
		*t = r.t
		return r.created, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// readFiles reads each file once, checking it against its description: a
// file that changed since the service checked it (size or hash) is refused
// rather than stored under a description that is no longer true.
func readFiles(files []support.FileData) ([]blob, error) {
	blobs := make([]blob, 0, len(files))
	for _, f := range files {
		data, err := readFile(f)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		hash := hex.EncodeToString(sum[:])
		if (f.Size != 0 && f.Size != int64(len(data))) || (f.SHA256 != "" && !strings.EqualFold(f.SHA256, hash)) {
			return nil, support.InvalidFields([]support.FieldError{{
				Field: "attachments", Rule: support.RuleFileUnreadable,
				Params: map[string]string{"name": f.Name, "reason": "changed while being stored"},
			}})
		}
		meta := f.Attachment
		meta.Size = int64(len(data))
		meta.SHA256 = hash
		blobs = append(blobs, blob{meta: meta, data: data})
	}
	return blobs, nil
}

func readFile(f support.FileData) ([]byte, error) {
	if f.Open == nil {
		return nil, fmt.Errorf("sqlstore: attachment %q has no content", f.Name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open attachment %q: %w", f.Name, err)
	}
	defer rc.Close()
	// Read at most one byte more than announced, to notice a file that
	// grew without reading an unbounded one.
	var r io.Reader = rc
	buf := &bytes.Buffer{}
	if f.Size > 0 {
		r = io.LimitReader(rc, f.Size+1)
		buf.Grow(int(f.Size))
	}
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("sqlstore: read attachment %q: %w", f.Name, err)
	}
	return buf.Bytes(), nil
}

// The statements of the create path, prepared once (see wstmt). The
// repeated "<> ”" of qIdempotent lets the planner use the partial index.
// The counter row is bumped in the create's transaction: its number is
// taken only if the ticket commits, so numbers are gapless.
const (
	qIdempotent = `SELECT id FROM tickets
			WHERE created_by = ? AND idempotency_key = ? AND idempotency_key <> ''`
	qNextSeq = `INSERT INTO counters (prefix, last) VALUES (?, 1)
		ON CONFLICT (prefix) DO UPDATE SET last = counters.last + 1
		RETURNING last`
	qInsertHistory = `INSERT INTO history (ticket_id, at, actor, from_status, to_status, message)
		VALUES (?, ?, ?, ?, ?, ?)`
	qInsertAttachment = `INSERT INTO attachments
			(ticket_id, comment_id, name, content_type, size, sha256, created_at, data)
			VALUES (?, NULL, ?, ?, ?, ?, ?, ?) RETURNING id`
	qInsertTicket = `INSERT INTO tickets (prefix, seq,
		reporter_name, reporter_function, reporter_phone, reporter_email,
		uai, establishment_name, establishment_city, establishment_department, establishment_territory,
		subject, population, description, location, priority, priority_rank,
		status, created_at, updated_at, created_by, assignee, idempotency_key, body_hash, filed_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING id`
)

// createTx is the body of one create, inside the writer's transaction.
func (db *DB) createTx(ctx context.Context, tx *sql.Tx, now time.Time, r *createReq) createRes {
	t := r.t
	if t.IdempotencyKey != "" {
		var id int64
		err := db.wqueryRow(ctx, tx, qIdempotent,
			[]any{t.CreatedBy, t.IdempotencyKey}, &id)
		switch {
		case err == nil:
			prev, err := db.loadTicket(ctx, tx, `t.id = ?`, id)
			if err != nil {
				return createRes{err: err}
			}
			return createRes{t: *prev}
		case !errors.Is(err, sql.ErrNoRows):
			return createRes{err: mapError(err)}
		}
	}

	if t.Status == "" {
		t.Status = support.StatusNew
	}
	t.CreatedAt, t.UpdatedAt = now, now
	us := toMicros(now)
	in := t.TicketInput
	h := support.HistoryEntry{At: now, Actor: actor(in.Reporter), To: t.Status}
	row := []any{
		t.Number.Prefix, t.Number.Seq,
		in.Reporter.Name, string(in.Reporter.Function), in.Reporter.Phone, in.Reporter.Email,
		in.Establishment.UAI, in.Establishment.Name, in.Establishment.City, in.Establishment.Department, in.Establishment.Territory,
		in.Subject, joinPopulation(in.Population), in.Description, in.Location, string(in.Priority), in.Priority.Rank(),
		string(t.Status), us, us, t.CreatedBy, t.Assignee, t.IdempotencyKey, t.BodyHash, t.FiledBy,
	}
	payload, err := json.Marshal(eventPayload{To: string(h.To), Message: in.Subject})
	if err != nil {
		return createRes{err: err}
	}

	var id int64
	if db.dialect.createOne != "" {
		// One round trip: under the counter's lock, every statement
		// saved is throughput (see qCreatePostgres).
		args := append(row[:1:1], row[2:len(row)-1]...)
		args = append(args, h.Actor, string(h.To), string(payload), t.FiledBy)
		err = db.wqueryRow(ctx, tx, db.dialect.createOne, args, &id, &t.Number.Seq)
		if err != nil {
			return createRes{err: mapError(err)}
		}
	} else {
		if err := db.wqueryRow(ctx, tx, qNextSeq, []any{t.Number.Prefix}, &t.Number.Seq); err != nil {
			return createRes{err: mapError(err)}
		}
		row[1] = t.Number.Seq
		if err := db.wqueryRow(ctx, tx, qInsertTicket, row, &id); err != nil {
			return createRes{err: mapError(err)}
		}
		if err := db.wexec(ctx, tx, qInsertHistory, id, us, h.Actor, string(h.From), string(h.To), h.Message); err != nil {
			return createRes{err: mapError(err)}
		}
		if err := db.wexec(ctx, tx, qInsertEvent, id, us, support.EventCreated, h.Actor, string(payload)); err != nil {
			return createRes{err: mapError(err)}
		}
	}

	if err := db.recordMailTx(r.ctx, tx, now, t.Number); err != nil {
		return createRes{err: err}
	}
	return db.finishCreate(ctx, tx, now, id, t, h, r.files)
}

// finishCreate stores a new ticket's files and completes what CreateTicket
// gives back.
func (db *DB) finishCreate(ctx context.Context, tx *sql.Tx, now time.Time, id int64, t support.Ticket, h support.HistoryEntry, files []blob) createRes {
	t.Attachments = make([]support.Attachment, 0, len(files))
	for _, f := range files {
		a := f.meta
		a.CreatedAt, a.CommentID = now, 0
		if err := db.wqueryRow(ctx, tx, qInsertAttachment,
			[]any{id, a.Name, a.ContentType, a.Size, a.SHA256, toMicros(now), f.data}, &a.ID); err != nil {
			return createRes{err: mapError(err)}
		}
		t.Attachments = append(t.Attachments, a)
	}
	t.AttachmentCount = len(t.Attachments)
	t.History = []support.HistoryEntry{h}
	t.Comments = []support.Comment{}
	return createRes{t: t, created: true}
}

// actor names a person in the history: "Name <e-mail>".
func actor(r support.Reporter) string { return support.Mailbox(r.Name, r.Email) }

func joinPopulation(ps []support.Population) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}

func splitPopulation(s string) []support.Population {
	if s == "" {
		return []support.Population{}
	}
	parts := strings.Split(s, ",")
	ps := make([]support.Population, len(parts))
	for i, p := range parts {
		ps[i] = support.Population(p)
	}
	return ps
}

// summaryColumns are the columns scanSummary reads, in order. The
// attachment count is a correlated count over an index: cheaper than
// keeping a counter up to date on every future file-adding path.
const summaryColumns = `t.id, t.prefix, t.seq,
	t.reporter_name, t.reporter_function, t.reporter_phone, t.reporter_email,
	t.uai, t.establishment_name, t.establishment_city, t.establishment_department, t.establishment_territory,
	t.subject, t.population, t.description, t.location, t.priority, t.priority_rank,
	t.status, t.created_at, t.updated_at, t.created_by, t.assignee, t.filed_by,
	(SELECT COUNT(*) FROM attachments a WHERE a.ticket_id = t.id)`

type scanner interface{ Scan(dest ...any) error }

// row is a ticket summary with its internal sort keys.
type row struct {
	id   int64
	rank int
	s    support.TicketSummary
}

func scanSummary(sc scanner, extra ...any) (row, error) {
	var r row
	var fn, pop, prio, status string
	var created, updated int64
	dest := []any{&r.id, &r.s.Number.Prefix, &r.s.Number.Seq,
		&r.s.Reporter.Name, &fn, &r.s.Reporter.Phone, &r.s.Reporter.Email,
		&r.s.Establishment.UAI, &r.s.Establishment.Name, &r.s.Establishment.City,
		&r.s.Establishment.Department, &r.s.Establishment.Territory,
		&r.s.Subject, &pop, &r.s.Description, &r.s.Location, &prio, &r.rank,
		&status, &created, &updated, &r.s.CreatedBy, &r.s.Assignee, &r.s.FiledBy, &r.s.AttachmentCount}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return r, err
	}
	r.s.Reporter.Function = support.Function(fn)
	r.s.Population = splitPopulation(pop)
	r.s.Priority = support.Priority(prio)
	r.s.Status = support.Status(status)
	r.s.CreatedAt, r.s.UpdatedAt = fromMicros(created), fromMicros(updated)
	return r, nil
}

// GetTicket returns a ticket with its attachments (all of them, those of
// comments included, each with its CommentID), history and comments (each
// with its own attachments), in the order they happened. The number's
// prefix is required: the service fills in the server's prefix for a bare
// number.
func (db *DB) GetTicket(ctx context.Context, n support.Number) (*support.Ticket, error) {
	if n.Prefix == "" || n.Seq <= 0 {
		return nil, ticketNotFound(n)
	}
	// One read transaction: the four queries see the same snapshot.
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	t, err := db.loadTicket(ctx, db.cached(tx), `t.prefix = ? AND t.seq = ?`, n.Prefix, n.Seq)
	if support.ErrorCode(err) == support.ENOTFOUND {
		return nil, ticketNotFound(n)
	}
	return t, err
}

// loadTicket reads the whole ticket selected by cond.
func (db *DB) loadTicket(ctx context.Context, q querier, cond string, args ...any) (*support.Ticket, error) {
	t := &support.Ticket{}
	r, err := scanSummary(q.QueryRowContext(ctx, db.q(`SELECT `+summaryColumns+`, t.idempotency_key, t.body_hash
		FROM tickets t WHERE `+cond), args...), &t.IdempotencyKey, &t.BodyHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(keyTicketNotFound)
	} else if err != nil {
		return nil, mapError(err)
	}
	t.TicketSummary = r.s

	t.Attachments, err = db.attachments(ctx, q, r.id)
	if err != nil {
		return nil, err
	}
	t.History, err = db.history(ctx, q, r.id)
	if err != nil {
		return nil, err
	}
	t.Comments, err = db.comments(ctx, q, r.id)
	if err != nil {
		return nil, err
	}
	byComment := map[int64][]support.Attachment{}
	for _, a := range t.Attachments {
		if a.CommentID != 0 {
			byComment[a.CommentID] = append(byComment[a.CommentID], a)
		}
	}
	for i := range t.Comments {
		t.Comments[i].Attachments = byComment[t.Comments[i].ID]
	}
	return t, nil
}

const attachmentColumns = `a.id, a.comment_id, a.name, a.content_type, a.size, a.sha256, a.created_at`

func scanAttachment(sc scanner, extra ...any) (support.Attachment, error) {
	var a support.Attachment
	var comment sql.NullInt64
	var created int64
	if err := sc.Scan(append([]any{&a.ID, &comment, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &created}, extra...)...); err != nil {
		return a, err
	}
	a.CommentID = comment.Int64
	a.CreatedAt = fromMicros(created)
	return a, nil
}

func (db *DB) attachments(ctx context.Context, q querier, ticketID int64) ([]support.Attachment, error) {
	rows, err := q.QueryContext(ctx, db.q(`SELECT `+attachmentColumns+` FROM attachments a
		WHERE a.ticket_id = ? ORDER BY a.id`), ticketID)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := []support.Attachment{}
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, mapError(err)
		}
		out = append(out, a)
	}
	return out, mapError(rows.Err())
}

func (db *DB) history(ctx context.Context, q querier, ticketID int64) ([]support.HistoryEntry, error) {
	rows, err := q.QueryContext(ctx, db.q(`SELECT at, actor, field, from_status, to_status, message
		FROM history WHERE ticket_id = ? ORDER BY id`), ticketID)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := []support.HistoryEntry{}
	for rows.Next() {
		var h support.HistoryEntry
		var at int64
		var from, to string
		if err := rows.Scan(&at, &h.Actor, &h.Field, &from, &to, &h.Message); err != nil {
			return nil, mapError(err)
		}
		h.At, h.From, h.To = fromMicros(at), support.Status(from), support.Status(to)
		out = append(out, h)
	}
	return out, mapError(rows.Err())
}

func (db *DB) comments(ctx context.Context, q querier, ticketID int64) ([]support.Comment, error) {
	rows, err := q.QueryContext(ctx, db.q(`SELECT id, author, role, body, created_at
		FROM comments WHERE ticket_id = ? ORDER BY id`), ticketID)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := []support.Comment{}
	for rows.Next() {
		var c support.Comment
		var role string
		var at int64
		if err := rows.Scan(&c.ID, &c.Author, &role, &c.Body, &at); err != nil {
			return nil, mapError(err)
		}
		c.Role, c.CreatedAt = support.Role(role), fromMicros(at)
		out = append(out, c)
	}
	return out, mapError(rows.Err())
}

// OpenAttachment returns a file of ticket n. A file of another ticket is
// not found, so that visibility checked on the ticket covers its files.
//
// The content is read from the database chunk by chunk as the caller
// reads, each chunk one short query: a download in progress holds one
// chunk of memory and no database connection, however slowly its client
// reads.
func (db *DB) OpenAttachment(ctx context.Context, n support.Number, id int64) (*support.Attachment, io.ReadCloser, error) {
	if n.Prefix == "" || n.Seq <= 0 || id <= 0 {
		return nil, nil, notFound(keyAttachmentNotFound)
	}
	a, err := scanAttachment(db.cached(nil).QueryRowContext(ctx, db.q(`SELECT `+attachmentColumns+`
		FROM attachments a JOIN tickets t ON t.id = a.ticket_id
		WHERE t.prefix = ? AND t.seq = ? AND a.id = ?`), n.Prefix, n.Seq, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, notFound(keyAttachmentNotFound)
	} else if err != nil {
		return nil, nil, mapError(err)
	}
	return &a, &blobReader{ctx: ctx, db: db, id: a.ID, size: a.Size}, nil
}

// attachmentChunk is how much of a file one query reads.
const attachmentChunk = 512 << 10

// blobReader reads an attachment's data by ranges (substr counts bytes
// on a BLOB in SQLite and on a bytea in PostgreSQL, from 1). SQLite's
// substr loads the whole value to cut it: on the memory-mapped read pool
// that costs about twice one whole read per file (20 ranges of a 10 MiB
// file), for a download that never holds more than one range.
type blobReader struct {
	ctx  context.Context
	db   *DB
	id   int64
	size int64  // as stored with the file: reading stops there
	off  int64  // bytes fetched so far
	buf  []byte // what is left of the chunk in hand
	own  []byte // the chunk buffer
}

func (r *blobReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		if r.off >= r.size {
			return 0, io.EOF
		}
		chunk, err := r.fetch(min(attachmentChunk, r.size-r.off))
		if err != nil {
			return 0, err
		}
		r.buf, r.off = chunk, r.off+int64(len(chunk))
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// fetch reads the next want bytes into the reader's own buffer (one per
// download, reused chunk after chunk).
func (r *blobReader) fetch(want int64) ([]byte, error) {
	var q querier = r.db.cached(nil)
	if r.db.blobs != nil {
		q = r.db.blobs // unprepared: one parse per 512 KiB is nothing
	}
	rows, err := q.QueryContext(r.ctx, r.db.q(`SELECT substr(data, ?, ?) FROM attachments WHERE id = ?`),
		r.off+1, want, r.id)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, mapError(err)
		}
		return nil, io.ErrUnexpectedEOF // deleted while being read
	}
	var raw sql.RawBytes
	if err := rows.Scan(&raw); err != nil {
		return nil, mapError(err)
	}
	if len(raw) == 0 {
		return nil, io.ErrUnexpectedEOF
	}
	if r.own == nil {
		r.own = make([]byte, 0, attachmentChunk)
	}
	r.own = append(r.own[:0], raw...)
	return r.own, nil
}

func (r *blobReader) Close() error {
	r.buf, r.off = nil, r.size
	return nil
}

// ListTickets returns one page of tickets, keyset-paged: the cursor holds
// the sort key of the last row, so every page is an index range scan, with
// no OFFSET and no COUNT.
func (db *DB) ListTickets(ctx context.Context, q support.TicketQuery) (*support.TicketPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = support.DefaultListLimit
	}
	limit = min(limit, support.MaxListLimit)
	byPriority, byUpdate := q.Sort == "priority", q.Sort == support.SortUpdated
	if q.Sort != "" && !byPriority && !byUpdate {
		return nil, support.InvalidFields([]support.FieldError{{Field: "sort", Rule: support.RuleSyntax}})
	}
	after, err := decodeCursor(q.Cursor, q.Sort)
	if err != nil {
		return nil, err
	}
	page := &support.TicketPage{Tickets: []support.TicketSummary{}}
	if q.OnlyUAIs != nil && len(q.OnlyUAIs) == 0 && q.AlsoCreatedBy == 0 {
		return page, nil // a reporter without establishments sees nothing
	}

	var where []string
	var args []any
	in := func(col string, vals []string) {
		where = append(where, col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	if len(q.Status) > 0 {
		in("t.status", strs(q.Status))
	}
	if len(q.Priority) > 0 {
		in("t.priority", strs(q.Priority))
	}
	if q.UAI != "" {
		where = append(where, "t.uai = ?")
		args = append(args, q.UAI)
	}
	switch {
	case q.OnlyUAIs != nil && q.AlsoCreatedBy != 0 && len(q.OnlyUAIs) > 0:
		where = append(where, "(t.uai IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(q.OnlyUAIs)), ", ")+") OR t.created_by = ?)")
		for _, v := range q.OnlyUAIs {
			args = append(args, v)
		}
		args = append(args, q.AlsoCreatedBy)
	case q.OnlyUAIs != nil && q.AlsoCreatedBy != 0:
		where = append(where, "t.created_by = ?")
		args = append(args, q.AlsoCreatedBy)
	case q.OnlyUAIs != nil:
		in("t.uai", q.OnlyUAIs)
	}
	if q.CreatedBy != 0 {
		where = append(where, "t.created_by = ?")
		args = append(args, q.CreatedBy)
	}
	if !q.Since.IsZero() {
		where = append(where, "t.created_at >= ?")
		args = append(args, toMicros(q.Since))
	}
	// E-mails are compared without case: the address an agent types may
	// not have the case of the account's.
	if q.AssignedTo != "" {
		where = append(where, "LOWER(t.assignee) = LOWER(?)")
		args = append(args, q.AssignedTo)
	}
	if q.Unassigned {
		where = append(where, "t.assignee = ''")
	}
	// One row more than asked says whether there is a next page.
	var rows []row
	if byUpdate {
		// Most recently changed first; the ID breaks ties.
		if after != nil {
			where = append(where, "(t.updated_at, t.id) < (?, ?)")
			args = append(args, after.at, after.id)
		}
		rows, err = db.listRows(ctx, db.cached(nil), where, args, "t.updated_at DESC, t.id DESC", limit+1)
		if err != nil {
			return nil, err
		}
	} else if !byPriority {
		if after != nil {
			where = append(where, "t.id < ?")
			args = append(args, after.id)
		}
		rows, err = db.listRows(ctx, db.cached(nil), where, args, "t.id DESC", limit+1)
		if err != nil {
			return nil, err
		}
	} else {
		// One query per priority rank, each a range scan of an index on
		// (rank, created_at, id): a single query ordered by rank cannot
		// seek to "created since" within each rank, and would read all
		// the older tickets of the first rank to fill a page.
		tx, err := db.readTx(ctx)
		if err != nil {
			return nil, mapError(err)
		}
		defer tx.Rollback()
		first := 0
		if after != nil {
			first = after.rank
		}
		// An establishment or a person selects a few hundred tickets at
		// most: start from their index and sort, rather than walk the
		// rank index. SQLite plans without statistics and would pick the
		// rank index; the unary + keeps the rank term out of index choice
		// (PostgreSQL plans from statistics and ignores it).
		rankTerm := "t.priority_rank = ?"
		if q.UAI != "" || q.OnlyUAIs != nil || q.CreatedBy != 0 || q.AlsoCreatedBy != 0 {
			rankTerm = "+t.priority_rank = ?"
		}
		for rank := first; rank <= len(support.Priorities) && len(rows) <= limit; rank++ {
			w := append(where[:len(where):len(where)], rankTerm)
			a := append(args[:len(args):len(args)], rank)
			if after != nil && rank == after.rank {
				w = append(w, "(t.created_at, t.id) > (?, ?)")
				a = append(a, after.at, after.id)
			}
			more, err := db.listRows(ctx, db.cached(tx), w, a, "t.created_at, t.id", limit+1-len(rows))
			if err != nil {
				return nil, err
			}
			rows = append(rows, more...)
		}
	}
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = encodeCursor(rows[limit-1], q.Sort)
	}
	for _, r := range rows {
		page.Tickets = append(page.Tickets, r.s)
	}
	return page, nil
}

// listRows runs one list query.
func (db *DB) listRows(ctx context.Context, q querier, where []string, args []any, order string, limit int) ([]row, error) {
	query := `SELECT ` + summaryColumns + ` FROM tickets t`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY ` + order + ` LIMIT ?`
	rs, err := q.QueryContext(ctx, db.q(query), append(args, limit)...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rs.Close()
	var out []row
	for rs.Next() {
		r, err := scanSummary(rs)
		if err != nil {
			return nil, mapError(err)
		}
		out = append(out, r)
	}
	return out, mapError(rs.Err())
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// cursorKey is the sort key a cursor carries.
type cursorKey struct {
	rank int
	at   int64 // created_at, microseconds
	id   int64
}

// Cursors are "i.ID" (newest first), "p.RANK.CREATED.ID" (priority sort:
// most urgent first, then oldest first) or "u.UPDATED.ID" (most recently
// updated first), in base64url: opaque to clients, and tied to the sort
// they were made for.
func encodeCursor(r row, sort string) string {
	s := "i." + strconv.FormatInt(r.id, 10)
	switch sort {
	case "priority":
		s = "p." + strconv.Itoa(r.rank) + "." + strconv.FormatInt(toMicros(r.s.CreatedAt), 10) + "." + strconv.FormatInt(r.id, 10)
	case support.SortUpdated:
		s = "u." + strconv.FormatInt(toMicros(r.s.UpdatedAt), 10) + "." + strconv.FormatInt(r.id, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func decodeCursor(c string, sort string) (*cursorKey, error) {
	byPriority := sort == "priority"
	if c == "" {
		return nil, nil
	}
	bad := support.InvalidFields([]support.FieldError{{Field: "cursor", Rule: support.RuleSyntax}})
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, bad
	}
	parts := strings.Split(string(b), ".")
	var k cursorKey
	switch {
	case sort == "" && len(parts) == 2 && parts[0] == "i":
		k.id, err = strconv.ParseInt(parts[1], 10, 64)
	case sort == support.SortUpdated && len(parts) == 3 && parts[0] == "u":
		var e1, e2 error
		k.at, e1 = strconv.ParseInt(parts[1], 10, 64)
		k.id, e2 = strconv.ParseInt(parts[2], 10, 64)
		err = errors.Join(e1, e2)
	case byPriority && len(parts) == 4 && parts[0] == "p":
		var e1, e2, e3 error
		k.rank, e1 = strconv.Atoi(parts[1])
		k.at, e2 = strconv.ParseInt(parts[2], 10, 64)
		k.id, e3 = strconv.ParseInt(parts[3], 10, 64)
		err = errors.Join(e1, e2, e3)
	default:
		return nil, bad
	}
	if err != nil || k.id <= 0 || k.rank < 0 || k.rank > len(support.Priorities) {
		return nil, bad
	}
	return &k, nil
}
