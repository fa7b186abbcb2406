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
