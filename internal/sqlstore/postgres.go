package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/support"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Advisory lock keys (any 64-bit numbers; these spell "entmigr" and
// "entevts"): one for migrations, session-scoped, one for event inserts,
// transaction-scoped. The events lock is written into constant queries,
// hence in decimal (0x656e7465767473).
const (
	migrationLockKey = 0x656e746d696772
	eventsLockKey    = "28550418845299827"
)

var postgresDialect = &dialect{
	name:       "postgres",
	migrations: "migrations/postgres",
	tableExists: `SELECT 1 FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name = ?`,
	rebind:        rebindDollar,
	groupConcat:   "string_agg",
	migrationLock: `SELECT pg_advisory_lock(` + strconv.Itoa(migrationLockKey) + `)`,
	migrationFree: `SELECT pg_advisory_unlock(` + strconv.Itoa(migrationLockKey) + `)`,
	// Taken by every transaction that writes events; it also makes the
	// transaction commit without waiting for the disk (see commit).
	eventsLock:      `SELECT ` + qEventsLockPostgres,
	alwaysSavepoint: true,
	claimMail:       true,
	createOne:       qCreatePostgres,
	createMany:      qCreateManyPostgres,
	flushAfter: `INSERT INTO flush_marks (owner, n) VALUES (?, 1)
		ON CONFLICT (owner) DO UPDATE SET n = flush_marks.n + 1`,
	notifyChannel: "ent_support_events",
}

// rebindDollar turns ? placeholders into $1, $2… The queries of this
// package hold no ? inside string literals.
func rebindDollar(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isPostgresDSN says whether dsn names a PostgreSQL database.
func isPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openPostgres opens a PostgreSQL database through pgx's database/sql
// driver, so the queries of SQLite serve it unchanged (rebound to $n).
//
// The write pool has several connections: other processes write to the same
// database anyway, so nothing is gained by queueing this process's writes
// on one connection, and comments or changes of different tickets go in
// parallel. Creates still go through the group-commit writer: they all
// take the prefix's counter row, which PostgreSQL keeps locked until
// commit, so creates of one prefix are serial across every process, and
// sharing one commit between many of them is what gives throughput.
func openPostgres(ctx context.Context, dsn string, opts Options) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: DSN: %w", err)
	}
	// Durability is the server's: synchronous_commit stays on (its
	// default), whatever the DSN says.
	cfg.RuntimeParams["synchronous_commit"] = "on"
	cfg.RuntimeParams["application_name"] = "ent-support"
	db := newDB(postgresDialect, opts)
	db.pgConfig = cfg
	db.write = stdlib.OpenDB(*cfg)
	db.write.SetMaxOpenConns(16)
	db.write.SetMaxIdleConns(16)
	if err := db.migrateAndPrepare(ctx); err != nil {
		return nil, err
	}
	db.read = stdlib.OpenDB(*cfg)
	return db.startWithReadPool(ctx)
}

// lockEvents takes, in tx, the lock every transaction that inserts events
// holds until it ends (see migrations/postgres/0003_events.sql): a no-op
// on SQLite, whose one writer already commits events in ID order.
func (db *DB) lockEvents(ctx context.Context, tx *sql.Tx) error {
	if db.dialect.eventsLock == "" {
		return nil
	}
	return db.wexec(ctx, tx, db.dialect.eventsLock)
}

// qCreatePostgres is a create in one statement: the counter bumped (and
// row-locked until commit), the ticket, its first history entry, its
// event, and the change feed's notification, chained by data-modifying
// WITH clauses. It does what SQLite's five statements do (qNextSeq,
// qInsertTicket, qInsertHistory, qInsertEvent; SQLite has no feed), in one
// round trip. Parameters: the ticket's columns in qInsertTicket's order
// without seq and filed_by ($1–$23), then the actor, the status, the
// event's payload and filed_by ($27);
// the notification's number is made in SQL, since seq is only known there.
const qCreatePostgres = `WITH c AS (
		INSERT INTO counters (prefix, last) VALUES ($1::text, 1)
		ON CONFLICT (prefix) DO UPDATE SET last = counters.last + 1
		RETURNING last),
	t AS (
		INSERT INTO tickets (prefix, seq,
			reporter_name, reporter_function, reporter_phone, reporter_email,
			uai, establishment_name, establishment_city, establishment_department, establishment_territory,
			subject, population, description, location, priority, priority_rank,
			status, created_at, updated_at, created_by, assignee, idempotency_key, body_hash, filed_by)
		SELECT $1::text, c.last, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text,
			$11::text, $12::text, $13::text, $14::text, $15::text, $16::integer, $17::text, $18::bigint, $19::bigint,
			$20::bigint, $21::text, $22::text, $23::text, $27::text
		FROM c
		RETURNING id, seq),
	h AS (
		INSERT INTO history (ticket_id, at, actor, from_status, to_status, message)
		SELECT t.id, $18::bigint, $24::text, '', $25::text, '' FROM t),
	e AS (
		INSERT INTO events (ticket_id, at, kind, actor, payload)
		SELECT t.id, $18::bigint, 'created', $24::text, $26::text FROM t),
	n AS (
		SELECT pg_notify('ent_support_events', $1::text || '-' || t.seq) FROM t)
	SELECT t.id, t.seq FROM t WHERE (SELECT COUNT(*) FROM n) >= 0`

// qEventsLockPostgres is what eventsLock selects: the events lock, and
// the commit made not to wait for the disk.
const qEventsLockPostgres = `set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(` + eventsLockKey + `)`

// qCreateManyPostgres is the creates of a batch in one statement: the
// events lock taken (as eventsLock: the counter's insert reads from it,
// so the lock is held before a number or an event ID is drawn, and one
// round trip is spared in the window every process's creates wait on),
// the counter moved by their number at once, then tickets, history entries,
// events and notifications for all, from one array per column ($4–$23, in
// qInsertTicket's order without prefix, seq, times and filed_by; $24 the
// actors, $25 the events' payloads, $26 filed_by). $1 is the prefix, $2 how many, $3 the time. The
// k-th create (from 1) gets number last - n + k: consecutive, in the
// batch's order, as one by one.
const qCreateManyPostgres = `WITH l AS (SELECT ` + qEventsLockPostgres + `),
	c AS (
		INSERT INTO counters (prefix, last) SELECT $1::text, $2::bigint FROM l
		ON CONFLICT (prefix) DO UPDATE SET last = counters.last + $2::bigint
		RETURNING last),
	r AS (
		SELECT u.*, c.last - $2::bigint + u.k AS seq FROM c,
			unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
				$12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::integer[],
				$19::text[], $20::bigint[], $21::text[], $22::text[], $23::text[], $24::text[], $25::text[], $26::text[])
			WITH ORDINALITY AS u(reporter_name, reporter_function, reporter_phone, reporter_email,
				uai, establishment_name, establishment_city, establishment_department, establishment_territory,
				subject, population, description, location, priority, priority_rank,
				status, created_by, assignee, idempotency_key, body_hash, actor, payload, filed_by, k)),
	t AS (
		INSERT INTO tickets (prefix, seq,
			reporter_name, reporter_function, reporter_phone, reporter_email,
			uai, establishment_name, establishment_city, establishment_department, establishment_territory,
			subject, population, description, location, priority, priority_rank,
			status, created_at, updated_at, created_by, assignee, idempotency_key, body_hash, filed_by)
		SELECT $1::text, r.seq, r.reporter_name, r.reporter_function, r.reporter_phone, r.reporter_email,
			r.uai, r.establishment_name, r.establishment_city, r.establishment_department, r.establishment_territory,
			r.subject, r.population, r.description, r.location, r.priority, r.priority_rank,
			r.status, $3::bigint, $3::bigint, r.created_by, r.assignee, r.idempotency_key, r.body_hash, r.filed_by
		FROM r ORDER BY r.k
		RETURNING id, seq),
	h AS (
		INSERT INTO history (ticket_id, at, actor, from_status, to_status, message)
		SELECT t.id, $3::bigint, r.actor, '', r.status, '' FROM t JOIN r ON r.seq = t.seq ORDER BY r.k),
	e AS (
		INSERT INTO events (ticket_id, at, kind, actor, payload)
		SELECT t.id, $3::bigint, 'created', r.actor, r.payload FROM t JOIN r ON r.seq = t.seq ORDER BY r.k),
	n AS (
		SELECT pg_notify('ent_support_events', $1::text || '-' || t.seq) FROM t)
	SELECT t.id, t.seq FROM t WHERE (SELECT COUNT(*) FROM n) >= 0 ORDER BY t.seq`

// createMany runs the creates rs, all of one prefix and none a replay, in
// one statement (qCreateManyPostgres), then their files, in tx; with tx
// nil (and no files), the statement is its own transaction (see
// createAlone). An error leaves the transaction to be rolled back.
func (db *DB) createMany(ctx context.Context, tx *sql.Tx, now time.Time, rs []*createReq) ([]createRes, error) {
	n := len(rs)
	var text [19][]string
	ranks := make([]int32, n)
	by := make([]int64, n)
	ts := make([]support.Ticket, n)
	hs := make([]support.HistoryEntry, n)
	for k, r := range rs {
		t := r.t
		if t.Status == "" {
			t.Status = support.StatusNew
		}
		t.CreatedAt, t.UpdatedAt = now, now
		in := t.TicketInput
		hs[k] = support.HistoryEntry{At: now, Actor: actor(in.Reporter), To: t.Status}
		payload, err := json.Marshal(eventPayload{To: string(t.Status), Message: in.Subject})
		if err != nil {
			return nil, err
		}
		for i, v := range []string{in.Reporter.Name, string(in.Reporter.Function), in.Reporter.Phone, in.Reporter.Email,
			in.Establishment.UAI, in.Establishment.Name, in.Establishment.City, in.Establishment.Department, in.Establishment.Territory,
			in.Subject, joinPopulation(in.Population), in.Description, in.Location, string(in.Priority),
			string(t.Status), t.Assignee, hs[k].Actor, string(payload), t.FiledBy} {
			text[i] = append(text[i], v)
		}
		ranks[k], by[k], ts[k] = int32(in.Priority.Rank()), t.CreatedBy, t
	}
	keys, hashes := make([]string, n), make([]string, n)
	for k, r := range rs {
		keys[k], hashes[k] = r.t.IdempotencyKey, r.t.BodyHash
	}
	args := []any{rs[0].t.Number.Prefix, int64(n), toMicros(now)}
	for _, a := range text[:14] {
		args = append(args, a)
	}
	args = append(args, ranks, text[14], by, text[15], keys, hashes, text[16], text[17], text[18])
	st, err := db.wstmt(ctx, tx, db.dialect.createMany)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id, seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			rows.Close()
			return nil, err
		}
		ts[len(ids)].Number.Seq = seq
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) != n {
		return nil, fmt.Errorf("sqlstore: %d tickets inserted for %d creates", len(ids), n)
	}
	out := make([]createRes, n)
	for k, r := range rs {
		out[k] = db.finishCreate(ctx, tx, now, ids[k], ts[k], hs[k], r.files)
		if out[k].err != nil {
			return nil, out[k].err
		}
	}
	return out, nil
}

// idemKey is an Idempotency-Key as the unique index sees it: per account.
type idemKey struct {
	by  int64
	key string
}

// qReplaysPostgres finds, in one round trip, the tickets a batch's keys
// already name: $1 the accounts, $2 the keys, pairwise.
// LIMIT 1 (the unique index allows no more) keeps the subquery from being
// pulled up into a join, which a generic plan may run as a scan of every
// ticket: this way each key is one probe of the index.
const qReplaysPostgres = `SELECT u.created_by, u.idempotency_key, t.id
	FROM unnest($1::bigint[], $2::text[]) AS u(created_by, idempotency_key)
	CROSS JOIN LATERAL (SELECT id FROM tickets
		WHERE created_by = u.created_by AND idempotency_key = u.idempotency_key AND idempotency_key <> ''
		LIMIT 1) AS t`

// replays returns, by index in batch, the tickets that the live creates'
// Idempotency-Keys already name, read in tx, from the keys' lookup known
// (see knownKeys): one lookup for the whole batch instead of one per
// create. A key committed by another process after that lookup makes the
// batch's insert fail, and the batch run again create by create (see
// runBatch).
func (db *DB) replays(ctx context.Context, tx *sql.Tx, batch []*createReq, results []createRes, known map[idemKey]int64) (map[int]*support.Ticket, error) {
	if len(known) == 0 {
		return nil, nil
	}
	out := map[int]*support.Ticket{}
	for i, r := range batch {
		id, ok := known[idemKey{r.t.CreatedBy, r.t.IdempotencyKey}]
		if !ok || results[i].err != nil || r.t.IdempotencyKey == "" {
			continue
		}
		prev, err := db.loadTicket(ctx, tx, `t.id = ?`, id)
		if err != nil {
			return nil, err
		}
		out[i] = prev
	}
	return out, nil
}

// knownKeys looks up the live creates' Idempotency-Keys at once
// (qReplaysPostgres), as a statement of its own: the ticket each stored
// one names, by key.
func (db *DB) knownKeys(ctx context.Context, batch []*createReq, results []createRes) (map[idemKey]int64, error) {
	var by []int64
	var keys []string
	for i, r := range batch {
		if results[i].err == nil && r.t.IdempotencyKey != "" {
			by, keys = append(by, r.t.CreatedBy), append(keys, r.t.IdempotencyKey)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	st, err := db.wstmt(ctx, nil, qReplaysPostgres)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, by, keys)
	if err != nil {
		return nil, err
	}
	found := map[idemKey]int64{}
	for rows.Next() {
		var k idemKey
		var id int64
		if err := rows.Scan(&k.by, &k.key, &id); err != nil {
			rows.Close()
			return nil, err
		}
		found[k] = id
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return found, nil
}

// createAlone runs a batch that one statement holds, with no transaction
// around it: a statement is a transaction of its own, and BEGIN and COMMIT
// were two of a batch's five round trips to the server, paid by every
// process's creates while the events lock is held by one of them. It holds
// when no key of the batch is stored (runBatch looked them up) and every
// live create is one the statement can write (see oneStatement) and has
// no files; then the round trips are: the keys' lookup, the statement
// (qCreateManyPostgres, which takes the events lock), and the flush that
// makes it durable before anyone is answered (see commit). It returns
// false, having written nothing, when the batch is not such a batch or
// the server refused the statement (a key another process stored since
// the lookup, say): runBatch then runs it in a transaction.
func (db *DB) createAlone(ctx context.Context, now time.Time, batch []*createReq, results []createRes) bool {
	idx, rs, whole := oneStatement(batch, results, nil)
	if !whole || len(rs) == 0 {
		return false
	}
	for _, r := range rs {
		if len(r.files) > 0 {
			return false
		}
	}
	out, err := db.createMany(ctx, nil, now, rs)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) || pgconn.SafeToRetry(err) {
			return false // refused or never sent: nothing was written
		}
		failLive(results, mapError(err)) // perhaps committed: not run twice
		return true
	}
	for k, i := range idx {
		results[i] = out[k]
	}
	db.alone.Add(1)
	if err := db.flush(ctx); err != nil {
		failLive(results, err)
	}
	return true
}
