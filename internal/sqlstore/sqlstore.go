// Package sqlstore keeps tickets, people and the establishment directory in
// a SQL database: it implements support.Store on database/sql.
//
// Two dialects share every query: SQLite (modernc.org/sqlite, pure Go) for
// one server process, and PostgreSQL (pgx/v5 through its database/sql
// driver) for several processes on one database. Queries use ? placeholders,
// rebound per dialect, and portable SQL (RETURNING, ON CONFLICT, row
// values); what differs is in a dialect value and a migrations/<dialect>
// folder.
//
// Durability comes first: SQLite runs in WAL with synchronous=FULL and
// PostgreSQL with synchronous_commit on, so a ticket whose number was
// returned survives a crash or a power loss. Throughput comes from group
// commit (see writer.go), never from weaker syncing.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ent-support/ent-support/internal/support"
	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

//go:embed migrations
var migrationFS embed.FS

// Options tune a store.
type Options struct {
	// Now is the clock; nil means time.Now. It is read once per transaction.
	Now func() time.Time

	// maxBatch caps how many creates share one commit; 0 means
	// defaultMaxBatch. 1 turns group commit off (one transaction per
	// create), which the benchmarks use for comparison.
	maxBatch int
}

// DB is a support.Store on a SQL database.
type DB struct {
	dialect *dialect
	// write has exactly one connection: every write goes through it, so
	// writers of this process queue in Go instead of failing with
	// SQLITE_BUSY, and transactions begin IMMEDIATE (write lock first).
	write *sql.DB
	// read is a pool of read-only connections: in WAL mode readers never
	// block the writer nor each other.
	read *sql.DB
	// blobs, when not nil, is the pool that attachments' data is read
	// from (SQLite: memory-mapped, see Open); nil reads them from read.
	blobs *sql.DB
	now   func() time.Time

	creates  chan *createReq // to the group-commit writer goroutine
	done     chan struct{}   // closed by Close: the writer stops
	wg       sync.WaitGroup
	maxBatch int
	closeMu  sync.Once
	closeErr error

	// stmts are the create path's statements prepared on write, by query
	// text; filled by Open, read-only after.
	stmts map[string]*sql.Stmt
	// rstmts caches the read statements, by query text (see cachedReader).
	rstmts sync.Map
	// prepares counts the statements being prepared in the background;
	// Close waits for them, so that no connection opens (and no -wal or
	// -shm file appears) after Close returned. prepMu guards its Add
	// against Close's Wait; prepClosed refuses new ones.
	prepMu     sync.Mutex
	prepClosed bool
	prepares   sync.WaitGroup

	// pgConfig is the PostgreSQL connection's configuration (nil on
	// SQLite): the change feed opens its own connection with it.
	pgConfig *pgx.ConnConfig
	// owner names this store in mail claims: random, one per Open.
	owner string
	// alone counts the batches written as one statement, without a
	// transaction around it (see createAlone).
	alone atomic.Int64
}

var _ support.Store = (*DB)(nil)

// dialect is what differs between database engines.
type dialect struct {
	name string
	// migrations is the folder of NNNN_name.sql files in migrationFS.
	migrations string
	// tableExists is a query with one ? for a table name, returning a row if
	// the table exists.
	tableExists string
	// rebind turns ? placeholders into the dialect's own.
	rebind func(string) string
	// groupConcat is the aggregate that joins strings with a separator.
	groupConcat string
	// migrationLock and migrationFree, when set, bracket migrations on one
	// connection, so that processes starting at once migrate one at a time
	// (SQLite needs none: BEGIN IMMEDIATE serialises them).
	migrationLock, migrationFree string
	// eventsLock, when set, is run in every transaction before it inserts
	// events, and held until it ends (see lockEvents).
	eventsLock string
	// alwaysSavepoint runs even a lone create of a batch in a savepoint:
	// on PostgreSQL any failed statement aborts the transaction, and a
	// create that lost an idempotency race must be undone and retried.
	alwaysSavepoint bool
	// notifyChannel, when set, is the channel of the change feed: each
	// change sends its ticket's number there, in its transaction.
	notifyChannel string
	// claimMail: PendingMail claims the rows it returns (several
	// processes share the queue).
	claimMail bool
	// createOne, when set, is a create's ticket, counter, history, event
	// and notification in one statement (see qCreatePostgres).
	createOne string
	// createMany, when set, is the creates of a batch in one statement
	// (see qCreateManyPostgres).
	createMany string
	// flushAfter, when set, runs after every commit of a transaction that
	// took eventsLock (which commits without waiting for the disk), before
	// anyone is answered (see commit).
	flushAfter string
}

var sqliteDialect = &dialect{
	name:        "sqlite",
	migrations:  "migrations/sqlite",
	tableExists: `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`,
	rebind:      func(q string) string { return q },
	groupConcat: "group_concat",
}

// Open opens the database named by dsn and brings its schema up to date.
//
// dsn is "postgres://…" or "postgresql://…" (a pgx connection URL), or
// "sqlite:PATH" or a bare PATH. The file and its parent folder (0700)
// are created if missing. One SQLite URI parameter is accepted after a "?":
// mode=ro opens an existing database read-only (writes then fail with
// EUNAVAILABLE); the durability settings cannot be changed from the DSN.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if isPostgresDSN(dsn) {
		return openPostgres(ctx, dsn, opts)
	}
	file, readOnly, err := parseSQLiteDSN(dsn)
	if err != nil {
		return nil, err
	}
	if !readOnly {
		if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
			return nil, fmt.Errorf("sqlstore: %w", err)
		}
		// Create the file ourselves so that it (and the -wal and -shm files
		// SQLite derives from it) is private to the user: tickets hold
		// names and phone numbers.
		f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: %w", err)
		}
		f.Close()
	}

	db := newDB(sqliteDialect, opts)
	mode := "rwc"
	if readOnly {
		mode = "ro"
	}
	// busy_timeout covers other processes (another server, an admin
	// command) holding the write lock; within this process writes queue on
	// the single write connection.
	common := []string{fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()), "foreign_keys(1)", "synchronous(FULL)"}
	// temp_store(MEMORY) keeps the statement journal of a savepoint (a
	// copy of every page the savepoint's statements change) in memory:
	// on a file it cost a pwrite per page. It holds nothing a crash
	// recovery needs; the WAL does that.
	db.write, err = sql.Open("sqlite", sqliteURI(file, mode, "immediate", append(common, "journal_mode(WAL)", "temp_store(MEMORY)")))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %w", err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)

	if err := db.migrateAndPrepare(ctx); err != nil {
		return nil, err
	}

	// The read pools are opened after the writer has switched the file to
	// WAL; query_only guards against a write slipping onto them. The
	// files' pool reads the file through memory mapping (up to SQLite's
	// 2 GiB cap): a download reads its file by ranges, and each range
	// makes SQLite walk the whole value's pages, which mapped pages make
	// cheap (see blobReader). The other reads do without: a connection
	// with a mapping drops it (munmap) at the first read after any commit,
	// which under a stream of creates was every read, authentication's
	// included.
	readPragmas := append(common, "query_only(1)")
	db.read, err = sql.Open("sqlite", sqliteURI(file, mode, "deferred", readPragmas))
	if err == nil {
		db.blobs, err = sql.Open("sqlite", sqliteURI(file, mode, "deferred", append(readPragmas, "mmap_size(2147418112)")))
	}
	if err != nil {
		db.write.Close()
		if db.read != nil {
			db.read.Close()
		}
		return nil, fmt.Errorf("sqlstore: %w", err)
	}
	return db.startWithReadPool(ctx)
}

// migrateAndPrepare brings the schema up to date and prepares the write
// statements; on failure it closes the write pool.
func (db *DB) migrateAndPrepare(ctx context.Context) error {
	err := db.migrate(ctx)
	if err == nil {
		err = db.prepareWrites(ctx)
	}
	if err != nil {
		db.write.Close()
	}
	return err
}

// startWithReadPool sizes the read pool, checks that it reaches the
// database, and starts the writer: the last step of every dialect's Open.
func (db *DB) startWithReadPool(ctx context.Context) (*DB, error) {
	n := max(4, 2*runtime.GOMAXPROCS(0))
	db.read.SetMaxOpenConns(n)
	db.read.SetMaxIdleConns(n)
	if db.blobs != nil {
		db.blobs.SetMaxOpenConns(n)
		db.blobs.SetMaxIdleConns(n)
	}
	if err := db.read.PingContext(ctx); err != nil {
		db.read.Close()
		if db.blobs != nil {
			db.blobs.Close()
		}
		db.write.Close()
		return nil, mapError(err)
	}
	db.start()
	return db, nil
}

// sqliteBusyTimeout is how long SQLite waits for another process's lock.
const sqliteBusyTimeout = 10 * time.Second

// newDB returns a DB of dialect d, without connections yet.
func newDB(d *dialect, opts Options) *DB {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	db := &DB{
		dialect:  d,
		now:      now,
		creates:  make(chan *createReq),
		done:     make(chan struct{}),
		maxBatch: opts.maxBatch,
		stmts:    map[string]*sql.Stmt{},
		owner:    rand.Text(),
	}
	if db.maxBatch <= 0 {
		db.maxBatch = defaultMaxBatch
	}
	return db
}

// start starts the group-commit writer, once the connections are open.
func (db *DB) start() {
	db.wg.Add(1)
	go db.writer()
}

// Close stops the writer and closes the database. Creates still waiting
// fail with EUNAVAILABLE.
func (db *DB) Close() error {
	db.closeMu.Do(func() {
		close(db.done)
		db.wg.Wait()
		db.prepMu.Lock()
		db.prepClosed = true
		db.prepMu.Unlock()
		db.prepares.Wait()
		var errs []error
		for _, st := range db.stmts {
			errs = append(errs, st.Close())
		}
		db.closeReadStmts()
		if db.blobs != nil {
			errs = append(errs, db.blobs.Close())
		}
		errs = append(errs, db.read.Close(), db.write.Close())
		db.closeErr = errors.Join(errs...)
	})
	return db.closeErr
}

// parseSQLiteDSN returns the file path of a "sqlite:PATH[?mode=ro]" or
// "PATH" DSN.
func parseSQLiteDSN(dsn string) (file string, readOnly bool, err error) {
	s := strings.TrimPrefix(dsn, "sqlite:")
	if rest, ok := strings.CutPrefix(s, "//"); ok {
		s = rest // sqlite:///abs/path
	}
	s, query, _ := strings.Cut(s, "?")
	if s == "" {
		return "", false, fmt.Errorf("sqlstore: no file in DSN %q", dsn)
	}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return "", false, fmt.Errorf("sqlstore: DSN %q: %w", dsn, err)
		}
		for k, v := range q {
			switch {
			case k == "mode" && len(v) == 1 && v[0] == "ro":
				readOnly = true
			case k == "mode" && len(v) == 1 && (v[0] == "rw" || v[0] == "rwc"):
			default:
				return "", false, fmt.Errorf("sqlstore: DSN %q: unsupported parameter %q", dsn, k)
			}
		}
	}
	file, err = filepath.Abs(s)
	if err != nil {
		return "", false, fmt.Errorf("sqlstore: %w", err)
	}
	return file, readOnly, nil
}

// sqliteURI builds the driver's DSN: a SQLite URI (so that mode= is honoured
// and odd characters in the path are escaped) plus the driver's parameters.
func sqliteURI(file, mode, txlock string, pragmas []string) string {
	p := filepath.ToSlash(file)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/x on Windows becomes file:///C:/x
	}
	q := url.Values{}
	q.Set("mode", mode)
	q.Set("_txlock", txlock)
	for _, pr := range pragmas {
		q.Add("_pragma", pr)
	}
	u := url.URL{Scheme: "file", Path: p, RawQuery: q.Encode(), OmitHost: false}
	// url.URL writes file:///path for an empty host.
	return u.String()
}

// migration is one embedded schema change.
type migration struct {
	version int
	name    string
	sql     string
}

func (d *dialect) loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, d.migrations)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: migration %s: name must be NNNN_what.sql", name)
		}
		b, err := fs.ReadFile(migrationFS, path.Join(d.migrations, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("sqlstore: two migrations numbered %d", ms[i].version)
		}
	}
	return ms, nil
}

// migrator is what *sql.DB and *sql.Conn have in common.
type migrator interface {
	querier
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// migrate applies the pending migrations in one write transaction. An
// up-to-date database is only read, so a read-only one opens fine; two
// processes migrating at once are serialised by the write lock (BEGIN
// IMMEDIATE) on SQLite, by an advisory lock on PostgreSQL, and the second
// finds nothing left to do.
func (db *DB) migrate(ctx context.Context) error {
	if db.dialect.migrationLock == "" {
		return db.migrateOn(ctx, db.write)
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return mapError(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, db.dialect.migrationLock); err != nil {
		return mapError(err)
	}
	// Unlocked whatever happens; if that fails, closing the session
	// (conn.Close discards a broken connection) releases it too.
	defer conn.ExecContext(context.WithoutCancel(ctx), db.dialect.migrationFree)
	return db.migrateOn(ctx, conn)
}

func (db *DB) migrateOn(ctx context.Context, c migrator) error {
	ms, err := db.dialect.loadMigrations()
	if err != nil {
		return err
	}
	latest := ms[len(ms)-1].version
	if v, err := db.firstVersion(ctx, c); err != nil {
		return mapError(err)
	} else if v >= latest {
		return nil
	}

	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at BIGINT  NOT NULL)`); err != nil {
		return mapError(err)
	}
	var v int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return mapError(err)
	}
	at := toMicros(db.now())
	for _, m := range ms {
		if m.version <= v {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", m.name, mapError(err))
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			m.version, m.name, at); err != nil {
			return mapError(err)
		}
	}
	return mapError(tx.Commit())
}

// schemaVersion returns the highest applied migration, 0 on a new database.
// firstVersion is schemaVersion as the first statement of a new
// connection. On SQLite that statement opens the file and switches it to
// WAL; while other processes open the same new file and switch it too,
// that can fail at once with SQLITE_BUSY, without waiting busy_timeout
// (SQLite calls no busy handler there). It is tried again, for as long as
// busy_timeout would have waited.
func (db *DB) firstVersion(ctx context.Context, c querier) (int, error) {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for pause := time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		v, err := db.schemaVersion(ctx, c)
		if !sqliteBusy(err) || time.Now().After(deadline) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(pause):
		}
	}
}

func (db *DB) schemaVersion(ctx context.Context, c querier) (int, error) {
	var one int
	err := c.QueryRowContext(ctx, db.q(db.dialect.tableExists), "schema_migrations").Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	var v int
	err = c.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// q rebinds a query written with ? placeholders for the dialect.
func (db *DB) q(query string) string { return db.dialect.rebind(query) }

// stamp reads the clock once for a transaction: microsecond precision (what
// both dialects store) and UTC, so that what a create returns equals what a
// read gives back.
func (db *DB) stamp() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

func toMicros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// Ready says whether the store can serve now: the database answers and its
// schema is the one this program knows (another process may still be
// migrating it, or a newer one may have moved it on). Load balancers ask
// through GET /readyz.
func (db *DB) Ready(ctx context.Context) error {
	v, err := db.schemaVersion(ctx, db.read)
	if err != nil {
		return mapError(err)
	}
	ms, err := db.dialect.loadMigrations()
	if err != nil {
		return err
	}
	if latest := ms[len(ms)-1].version; v != latest {
		return support.Errorf(support.EUNAVAILABLE, keyStorageUnavailable, nil)
	}
	return nil
}
