package sqlstore

import (
	"context"
	"database/sql"
	"time"
)

// cachedReader runs each read through a statement prepared once on the
// read pool (database/sql then prepares it once per connection and keeps
// it). Parsing SQL was a quarter of the server's CPU on the create path,
// which reads the ticket back, before statements were cached.
type cachedReader struct {
	db *DB
	tx *sql.Tx // nil: straight on the pool
}

var _ querier = cachedReader{}

// cached returns the reader for tx (nil for the pool).
func (db *DB) cached(tx *sql.Tx) cachedReader { return cachedReader{db: db, tx: tx} }

// readStmt returns query prepared on the read pool, preparing it once.
// The queries are a bounded set (the list's filters combine into a few
// dozen texts at most), so the cache does not need evicting.
func (db *DB) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := db.rstmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.rstmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// stmt returns the cached statement for query, bound to the transaction
// if any. Inside a transaction a statement not cached yet is NOT prepared
// on the pool: that waits for a free connection while this one is held,
// and with every connection held by such a transaction nothing would move.
// It is prepared in the background instead, and this call runs unprepared.
func (c cachedReader) stmt(ctx context.Context, query string) (*sql.Stmt, bool) {
	if c.tx == nil {
		st, err := c.db.readStmt(ctx, query)
		return st, err == nil
	}
	if st, ok := c.db.rstmts.Load(query); ok {
		return c.tx.StmtContext(ctx, st.(*sql.Stmt)), true
	}
	// Close waits for it (no connection may open after Close returned).
	c.db.prepMu.Lock()
	defer c.db.prepMu.Unlock()
	if !c.db.prepClosed {
		c.db.prepares.Add(1)
		go func() {
			defer c.db.prepares.Done()
			pctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c.db.readStmt(pctx, query)
		}()
	}
	return nil, false
}

func (c cachedReader) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if c.tx != nil {
		return c.tx.ExecContext(ctx, query, args...)
	}
	return c.db.read.ExecContext(ctx, query, args...)
}

func (c cachedReader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st, ok := c.stmt(ctx, query); ok {
		return st.QueryContext(ctx, args...)
	}
	if c.tx != nil {
		return c.tx.QueryContext(ctx, query, args...)
	}
	return c.db.read.QueryContext(ctx, query, args...)
}

func (c cachedReader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, ok := c.stmt(ctx, query)
	if !ok {
		// Not prepared (see stmt), or preparing failed: run the query
		// unprepared, which reports any error through Scan.
		if c.tx != nil {
			return c.tx.QueryRowContext(ctx, query, args...)
		}
		return c.db.read.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// closeReadStmts closes the cached statements (at Close).
func (db *DB) closeReadStmts() {
	db.rstmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
}

// readTx begins a read transaction whose queries all see one snapshot:
// SQLite's deferred transactions do, PostgreSQL's need REPEATABLE READ
// (READ COMMITTED takes a new snapshot per statement).
func (db *DB) readTx(ctx context.Context) (*sql.Tx, error) {
	var opts *sql.TxOptions
	if db.dialect != sqliteDialect {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return db.read.BeginTx(ctx, opts)
}
