package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/ent-support/ent-support/internal/support"
	"github.com/jackc/pgx/v5"
)

// ErrNoFeed is WatchChanges on a database without a change feed (SQLite:
// one server process wakes its own followers).
var ErrNoFeed = errors.New("sqlstore: this database has no change feed")

// WatchChanges calls changed with the number of each ticket that any
// process changed, once the change committed, until ctx ends. It listens
// on PostgreSQL's notification channel on a connection of its own, which
// it opens again after losing it (a database restart); each time it
// (re)connects it calls lost, since notifications sent meanwhile are gone:
// the caller wakes everyone, who re-read the store.
func (db *DB) WatchChanges(ctx context.Context, changed func(support.Number), lost func()) error {
	if db.dialect.notifyChannel == "" {
		return ErrNoFeed
	}
	backoff := 250 * time.Millisecond
	for {
		err := db.listen(ctx, changed, lost, func() { backoff = 250 * time.Millisecond })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		_ = err // a lost connection: try again after a pause
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listen runs one LISTEN session until it fails or ctx ends.
func (db *DB) listen(ctx context.Context, changed func(support.Number), lost, connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, db.pgConfig)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+db.dialect.notifyChannel); err != nil {
		return err
	}
	connected()
	lost()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if num, ferr := support.ParseNumber(n.Payload); ferr == nil {
			changed(num)
		}
	}
}
