package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Advisory lock keys (any 64-bit numbers; these spell "entmigr" and
// "entevts"): one for migrations, session-scoped, one for event inserts,
// transaction-scoped.
const (
	migrationLockKey = 0x656e746d696772
	eventsLockKey    = 0x656e7465767473
)

var postgresDialect = &dialect{
	name:       "postgres",
	migrations: "migrations/postgres",
	tableExists: `SELECT 1 FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name = ?`,
	rebind:          rebindDollar,
	migrationLock:   `SELECT pg_advisory_lock(` + strconv.Itoa(migrationLockKey) + `)`,
	migrationFree:   `SELECT pg_advisory_unlock(` + strconv.Itoa(migrationLockKey) + `)`,
	eventsLock:      `SELECT pg_advisory_xact_lock(` + strconv.Itoa(eventsLockKey) + `)`,
	alwaysSavepoint: true,
	claimMail:       true,
	createOne:       qCreatePostgres,
	notifyChannel:   "ent_support_events",
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
	if err := db.migrate(ctx); err != nil {
		db.write.Close()
		return nil, err
	}
	if err := db.prepareWrites(ctx); err != nil {
		db.write.Close()
		return nil, err
	}
	db.read = stdlib.OpenDB(*cfg)
	n := max(4, 2*runtime.GOMAXPROCS(0))
	db.read.SetMaxOpenConns(n)
	db.read.SetMaxIdleConns(n)
	if err := db.read.PingContext(ctx); err != nil {
		db.read.Close()
		db.write.Close()
		return nil, mapError(err)
	}
	db.start()
	return db, nil
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
// without seq ($1–$23), then the actor, the status and the event's payload;
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
			status, created_at, updated_at, created_by, assignee, idempotency_key, body_hash)
		SELECT $1::text, c.last, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text,
			$11::text, $12::text, $13::text, $14::text, $15::text, $16::integer, $17::text, $18::bigint, $19::bigint,
			$20::bigint, $21::text, $22::text, $23::text
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
