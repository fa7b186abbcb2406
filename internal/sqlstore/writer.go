package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ent-support/ent-support/internal/support"
)

// defaultMaxBatch caps how many creates share one commit. Larger batches
// add latency to the first caller of a batch for little gain: under load the
// batch size settles near the number of concurrent callers anyway.
const defaultMaxBatch = 64

// createReq is one CreateTicket waiting for the writer.
type createReq struct {
	ctx   context.Context
	t     support.Ticket // a copy: the caller may give up and keep its own
	files []blob
	res   chan createRes // buffered: the writer never waits for a caller
}

type createRes struct {
	t       support.Ticket
	created bool
	err     error
}

// The statements of the create path (see wstmt).
const (
	qSavepoint  = `SAVEPOINT create_ticket`
	qRollbackTo = `ROLLBACK TO create_ticket`
	qRelease    = `RELEASE create_ticket`
)

// writer is the group-commit loop. A durable commit costs an fsync; doing
// one per ticket caps throughput at the disk's sync rate. The writer takes
// every create waiting at the time, runs each in a SAVEPOINT of one
// transaction (so one failing create does not fail the others), commits
// once, and only then answers the callers: no caller ever holds a number
// that is not on disk.
func (db *DB) writer() {
	defer db.wg.Done()
	batch := make([]*createReq, 0, db.maxBatch)
	for {
		batch = batch[:0]
		select {
		case r := <-db.creates:
			batch = append(batch, r)
		case <-db.done:
			return
		}
	drain:
		for len(batch) < db.maxBatch {
			select {
			case r := <-db.creates:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		db.commitBatch(batch)
	}
}

// commitBatch runs a batch of creates in one transaction and answers each.
func (db *DB) commitBatch(batch []*createReq) {
	results := make([]createRes, len(batch))
	live := 0
	for i, r := range batch {
		// A caller that gave up before its turn gets nothing written.
		if err := r.ctx.Err(); err != nil {
			results[i].err = err
		} else {
			live++
		}
	}
	defer func() {
		for i, r := range batch {
			r.res <- results[i]
		}
	}()
	if live == 0 {
		return
	}
	gaveUp := make([]bool, len(batch))
	for i := range results {
		gaveUp[i] = results[i].err != nil
	}
	if db.runBatch(batch, results, live, false) {
		// A create without a savepoint failed and took the transaction
		// with it: run the batch again, each create in its savepoint.
		for i := range results {
			if !gaveUp[i] {
				results[i] = createRes{}
			}
		}
		db.runBatch(batch, results, live, true)
	}
}

// runBatch runs the live creates of batch in one transaction. With all
// set, each runs in a SAVEPOINT, so that one failing create does not fail
// the others. Without it, on SQLite, none does (a create rarely fails: the
// single writer's idempotency lookup cannot lose a race); on PostgreSQL,
// where a savepoint costs two round trips to the server, the batch's keys
// are looked up at once and its new creates inserted in one statement
// (createMany), and only a create left out of it with an Idempotency-Key
// runs in a savepoint (it may lose a race to another process and be
// retried); and a batch of new creates without files is that one statement
// with no transaction around it (createAlone). It returns true when a
// create without a savepoint failed in a batch of several: the caller runs
// it again with all set.
func (db *DB) runBatch(batch []*createReq, results []createRes, live int, all bool) (again bool) {
	failAll := func(err error) { failLive(results, err) }

	// The statements run under a background context: one caller's
	// cancellation must not abort the others' transaction.
	ctx := context.Background()
	now := db.stamp()
	many := db.dialect.createMany != "" && !all
	var known map[idemKey]int64
	if many {
		// The batch's keys, looked up at once, before the events lock:
		// every process's creates wait on that lock, so it is held for as
		// few round trips as can be. A key another process commits after
		// this lookup fails the insert below on the unique index, and the
		// batch runs again create by create, each looking its key up under
		// the lock. Outside the transaction: each of its statements sees
		// what was committed when it began, so inside it would see the same.
		var err error
		if known, err = db.knownKeys(ctx, batch, results); err != nil {
			failAll(mapError(err))
			return false
		}
		if len(known) == 0 && db.createAlone(ctx, now, batch, results) {
			return false
		}
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		failAll(mapError(err))
		return false
	}
	defer tx.Rollback()

	done := make([]bool, len(batch))
	var replayed map[int]*support.Ticket
	if many {
		// The tickets the known keys name: the batch's replays.
		replayed, err = db.replays(ctx, tx, batch, results, known)
		if err != nil {
			failAll(mapError(err))
			return false
		}
	}
	// Events must commit in ID order (see lockEvents); the creates of
	// this batch all write one. The batch's one statement takes the lock
	// itself (qCreateManyPostgres); a create run on its own takes it first.
	locked := false
	lock := func() bool {
		if !locked {
			if err := db.lockEvents(ctx, tx); err != nil {
				failAll(mapError(err))
				return false
			}
			locked = true
		}
		return true
	}
	if many {
		for i, prev := range replayed {
			results[i], done[i] = createRes{t: *prev}, true
		}
		// The new creates, in one statement; if it fails (a key another
		// process committed since the lookup, say), the batch runs again
		// one create at a time, each in its savepoint.
		idx, rs, _ := oneStatement(batch, results, done)
		if len(rs) > 1 || (len(rs) == 1 && rs[0].t.IdempotencyKey != "") {
			out, err := db.createMany(ctx, tx, now, rs)
			if err != nil {
				return true
			}
			locked = true
			for k, i := range idx {
				results[i], done[i] = out[k], true
			}
		}
	}
	for i, r := range batch {
		if results[i].err != nil || done[i] {
			continue
		}
		if !lock() {
			return false
		}
		// A savepoint is paid on every create of a batch that takes one
		// (on SQLite it copies each page the create touches into the
		// statement journal), to guard against a failure that is rare:
		// the batch runs without, and runs again with them only when a
		// create fails (see commitBatch).
		useSavepoint := all
		if db.dialect.alwaysSavepoint {
			useSavepoint = all || r.t.IdempotencyKey != ""
		}
		if useSavepoint {
			if err := db.wexec(ctx, tx, qSavepoint); err != nil {
				failAll(mapError(err))
				return false
			}
		}
		results[i] = db.createTx(ctx, tx, now, r)
		if !useSavepoint {
			if results[i].err != nil {
				// The deferred Rollback undoes it all, counter included.
				if live > 1 {
					return true
				}
				return false
			}
			continue
		}
		if results[i].err != nil {
			// Undo this create only: its number goes back to the counter.
			// If SQLite already rolled the whole transaction back (it
			// does on some I/O errors), this fails and so does the batch.
			if err := db.wexec(ctx, tx, qRollbackTo); err != nil {
				failAll(results[i].err)
				return false
			}
			if r.t.IdempotencyKey != "" && support.ErrorCode(results[i].err) == support.ECONFLICT {
				// Another process committed a ticket with this key while
				// this create waited for the counter: read the winner back
				// (the retry's lookup now sees it) rather than fail.
				results[i] = db.createTx(ctx, tx, now, r)
				if results[i].err != nil {
					if err := db.wexec(ctx, tx, qRollbackTo); err != nil {
						failAll(results[i].err)
						return false
					}
				}
			}
		}
		if err := db.wexec(ctx, tx, qRelease); err != nil {
			failAll(mapError(err))
			return false
		}
	}
	if err := db.commit(ctx, tx); err != nil {
		failAll(err)
	}
	return false
}

// oneStatement picks the live creates of batch, not done, that one
// statement (qCreateManyPostgres) can write, with their indexes; whole
// says whether that is all of them. Left out: a create from an e-mail
// (createTx writes the mail's record too, and may fail on it), one of
// another prefix than the first, and a key given a second time (a replay
// of the first).
func oneStatement(batch []*createReq, results []createRes, done []bool) (idx []int, rs []*createReq, whole bool) {
	whole = true
	keys := map[idemKey]bool{}
	for i, r := range batch {
		if results[i].err != nil || (done != nil && done[i]) {
			continue
		}
		k := idemKey{r.t.CreatedBy, r.t.IdempotencyKey}
		if support.MailRecordFrom(r.ctx) != nil || (len(rs) > 0 && r.t.Number.Prefix != rs[0].t.Number.Prefix) ||
			(k.key != "" && keys[k]) {
			whole = false
			continue
		}
		if k.key != "" {
			keys[k] = true
		}
		idx, rs = append(idx, i), append(rs, r)
	}
	return idx, rs, whole
}

// failLive gives err to every create of a batch that has no error yet.
func failLive(results []createRes, err error) {
	for i := range results {
		if results[i].err == nil {
			results[i] = createRes{err: err}
		}
	}
}

// commit commits a write transaction. On PostgreSQL a transaction that
// wrote events committed without waiting for the disk (see eventsLock), so
// that the locks gapless numbers and event order need (the prefix's
// counter row, the events lock) are not held through an fsync: other
// transactions, of this process or another, go meanwhile. commit then
// returns only once the WAL is on disk past that commit: a synchronous
// commit that writes something (the process's row in flush_marks) flushes
// the WAL up to its own commit record, which comes after (one that wrote
// nothing, even with a transaction ID, does not wait for the disk). A crash
// between the two loses only changes nobody was told about, the last ones:
// numbers stay gapless.
func (db *DB) commit(ctx context.Context, tx *sql.Tx) error {
	if err := tx.Commit(); err != nil {
		return mapError(err)
	}
	return db.flush(ctx)
}

// flush returns once the WAL is on disk past the last commit of the
// write connection (see commit); at once where commits wait for the disk.
func (db *DB) flush(ctx context.Context) error {
	if db.dialect.flushAfter == "" {
		return nil
	}
	_, err := db.write.ExecContext(context.WithoutCancel(ctx), db.q(db.dialect.flushAfter), db.owner)
	return mapError(err)
}

// wstmt returns query, prepared once on the write connection, bound to
// tx. Parsing and planning was a third of a create's CPU when done per
// call. The statements are prepared at Open (see prepareWrites): preparing
// on the pool here would wait for the one connection that tx holds. A query
// not prepared at Open is prepared on tx, for this transaction only.
//
// With tx nil, the statement runs on its own, in a transaction of its own
// (see createAlone): only a statement prepared at Open can.
func (db *DB) wstmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	st, ok := db.stmts[query]
	switch {
	case ok && tx == nil:
		return st, nil
	case ok:
		return tx.StmtContext(ctx, st), nil
	case tx == nil:
		return nil, fmt.Errorf("sqlstore: a statement run outside a transaction must be prepared at Open: %.40q", query)
	}
	return tx.PrepareContext(ctx, db.q(query))
}

// prepareWrites prepares the statements of the create path on the write
// connection.
func (db *DB) prepareWrites(ctx context.Context) error {
	qs := []string{qSavepoint, qRollbackTo, qRelease, qIdempotent, qNextSeq, qInsertTicket, qInsertHistory, qInsertAttachment, qInsertEvent}
	if db.dialect.eventsLock != "" {
		qs = append(qs, db.dialect.eventsLock)
	}
	if db.dialect.notifyChannel != "" {
		qs = append(qs, qNotify)
	}
	for _, q := range []string{db.dialect.createOne, db.dialect.createMany} {
		if q != "" {
			qs = append(qs, q)
		}
	}
	if db.dialect.createMany != "" {
		qs = append(qs, qReplaysPostgres) // see replays
	}
	for _, q := range qs {
		st, err := db.write.PrepareContext(ctx, db.q(q))
		if err != nil {
			return mapError(err)
		}
		db.stmts[q] = st
	}
	return nil
}

// wexec runs a cached statement in tx.
func (db *DB) wexec(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	st, err := db.wstmt(ctx, tx, query)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}

// wqueryRow runs a cached one-row query in tx and scans its result.
func (db *DB) wqueryRow(ctx context.Context, tx *sql.Tx, query string, args []any, dest ...any) error {
	st, err := db.wstmt(ctx, tx, query)
	if err != nil {
		return err
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
