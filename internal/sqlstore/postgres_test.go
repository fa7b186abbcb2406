package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/ent-support/ent-support/internal/sqlstore/pgtest"
	"github.com/ent-support/ent-support/internal/sqlstore/storetest"
	"github.com/ent-support/ent-support/internal/support"
)

// openPG opens a store on a fresh database of cluster c.
func openPG(tb testing.TB, c *pgtest.Cluster, opts Options) *DB {
	tb.Helper()
	db, err := Open(context.Background(), c.NewDatabase(tb), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// The store suite, unchanged, on a real PostgreSQL: one fresh database per
// subtest.
func TestStorePostgres(t *testing.T) {
	c := pgtest.Start(t)
	storetest.Run(t, func(t *testing.T) support.Store { return openPG(t, c, Options{}) })
}

func TestStorePostgresOneTransactionPerCreate(t *testing.T) {
	c := pgtest.Start(t)
	storetest.Run(t, func(t *testing.T) support.Store { return openPG(t, c, Options{maxBatch: 1}) })
}

// The queries spell the events lock's key, "entevts", in decimal.
func TestEventsLockKeyText(t *testing.T) {
	if want := strconv.Itoa(0x656e7465767473); eventsLockKey != want {
		t.Fatalf("eventsLockKey = %s, want %s", eventsLockKey, want)
	}
}

func TestRebindDollar(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                            `SELECT 1`,
		`SELECT ? , ?`:                        `SELECT $1 , $2`,
		`WHERE a = ? AND b IN (?, ?) LIMIT ?`: `WHERE a = $1 AND b IN ($2, $3) LIMIT $4`,
	} {
		if got := rebindDollar(in); got != want {
			t.Errorf("rebindDollar(%q) = %q, want %q", in, got, want)
		}
	}
}

// Servers starting at once on an empty database: the advisory lock lets one
// migrate while the others wait, and every one opens.
func TestPostgresConcurrentMigrations(t *testing.T) {
	c := pgtest.Start(t)
	dsn := c.NewDatabase(t)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(context.Background(), dsn, Options{})
			if err == nil {
				err = db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
		}
	}
	db, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var applied, distinct int
	if err := db.read.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	ms, _ := postgresDialect.loadMigrations()
	if applied != len(ms) || distinct != len(ms) {
		t.Errorf("schema_migrations: %d rows, %d versions, want %d each", applied, distinct, len(ms))
	}
}

// Two stores on one database stand for two server processes: each has its
// own connections and group-commit writer.
func TestPostgresTwoStores(t *testing.T) {
	c := pgtest.Start(t)
	dsn := c.NewDatabase(t)
	var stores [2]*DB
	for i := range stores {
		db, err := Open(context.Background(), dsn, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		stores[i] = db
	}
	ctx := context.Background()

	t.Run("NumbersGapless", func(t *testing.T) {
		const n = 200
		seqs := make(chan int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tk := storetestTicket()
				tk.CreatedBy = int64(i + 1)
				if _, err := stores[i%2].CreateTicket(ctx, tk, nil); err != nil {
					t.Error(err)
					return
				}
				seqs <- tk.Number.Seq
			}()
		}
		wg.Wait()
		close(seqs)
		seen := map[int64]bool{}
		for s := range seqs {
			if seen[s] {
				t.Errorf("number %d given twice", s)
			}
			seen[s] = true
		}
		for s := int64(1); s <= n; s++ {
			if !seen[s] {
				t.Errorf("number %d missing", s)
			}
		}
	})

	t.Run("IdempotencyKeyToBoth", func(t *testing.T) {
		for round := range 20 {
			key := "key-both-" + string(rune('a'+round))
			var got [2]support.Ticket
			var created [2]bool
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					tk := storetestTicket()
					tk.CreatedBy, tk.IdempotencyKey, tk.BodyHash = 7, key, "hash"
					<-start
					var err error
					created[i], err = stores[i].CreateTicket(ctx, tk, nil)
					if err != nil {
						t.Error(err)
					}
					got[i] = *tk
				}()
			}
			close(start)
			wg.Wait()
			if got[0].Number != got[1].Number {
				t.Fatalf("round %d: %v and %v for one key", round, got[0].Number, got[1].Number)
			}
			if created[0] == created[1] {
				t.Fatalf("round %d: created = %v, %v, want one true", round, created[0], created[1])
			}
		}
		// Numbers stayed gapless: the loser's counter bump was undone.
		page, err := stores[0].ListTickets(ctx, support.TicketQuery{TicketFilter: support.TicketFilter{Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if got := page.Tickets[0].Number.Seq; got != 220 {
			t.Errorf("last number %d after 200 + 20 tickets", got)
		}
	})

	t.Run("EventsInOrderAcrossStores", func(t *testing.T) {
		tk := storetestTicket()
		if _, err := stores[0].CreateTicket(ctx, tk, nil); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := &support.Comment{Author: "A <a@example.fr>", Role: support.RoleAgent, Body: "réponse"}
				if err := stores[i%2].AddComment(ctx, tk.Number, c, nil, 0); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		evs, err := stores[1].Events(ctx, tk.Number, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 41 {
			t.Fatalf("%d events, want 41", len(evs))
		}
		// The events lock makes commit order the ID order, which is the
		// order of the comments' IDs too.
		for i := 2; i < len(evs); i++ {
			if evs[i].CommentID < evs[i-1].CommentID {
				t.Errorf("event %d (comment %d) after comment %d", evs[i].ID, evs[i].CommentID, evs[i-1].CommentID)
			}
		}
	})
}

// A PostgreSQL restart: requests while it is down fail with EUNAVAILABLE
// (503 for the API), and the same store serves again once it is back,
// without being reopened.
func TestPostgresRestart(t *testing.T) {
	c := pgtest.StartPrivate(t)
	db := openPG(t, c, Options{})
	ctx := context.Background()
	first := storetestTicket()
	if _, err := db.CreateTicket(ctx, first, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	_, err := db.CreateTicket(ctx, storetestTicket(), nil)
	if support.ErrorCode(err) != support.EUNAVAILABLE {
		t.Errorf("create while down: %v, want EUNAVAILABLE", err)
	}
	_, err = db.GetTicket(ctx, first.Number)
	if support.ErrorCode(err) != support.EUNAVAILABLE {
		t.Errorf("get while down: %v, want EUNAVAILABLE", err)
	}
	err = db.AddComment(ctx, first.Number, &support.Comment{Author: "a", Role: support.RoleAgent, Body: "x"}, nil, 0)
	if support.ErrorCode(err) != support.EUNAVAILABLE {
		t.Errorf("comment while down: %v, want EUNAVAILABLE", err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// Pools drop the connections the restart broke; the first request
	// after may still meet one, so allow a few tries.
	var tk *support.Ticket
	for try := 0; ; try++ {
		tk = storetestTicket()
		_, err = db.CreateTicket(ctx, tk, nil)
		if err == nil || try == 5 {
			break
		}
	}
	if err != nil {
		t.Fatalf("create after restart: %v", err)
	}
	if tk.Number.Seq != 2 {
		t.Errorf("number after restart %d, want 2 (the failed create took none)", tk.Number.Seq)
	}
	if _, err := db.GetTicket(ctx, first.Number); err != nil {
		t.Errorf("get after restart: %v", err)
	}
}

// A create PostgreSQL refuses (a NUL byte: the service never lets one
// through, the store does not check) among concurrent ones: when they
// share a batch, the batch's one statement fails and the batch runs again
// one create at a time. Only that create fails, and it takes no number.
func TestPostgresBadCreateInBatch(t *testing.T) {
	db := openPG(t, pgtest.Start(t), Options{})
	ctx := context.Background()
	const n = 20
	errs := make([]error, n)
	seqs := make([]int64, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := storetestTicket()
			if i == 7 {
				tk.Subject = "nul \x00 byte"
			}
			<-start
			_, errs[i] = db.CreateTicket(ctx, tk, nil)
			seqs[i] = tk.Number.Seq
		}()
	}
	close(start)
	wg.Wait()
	seen := map[int64]bool{}
	for i, err := range errs {
		if i == 7 {
			if err == nil {
				t.Errorf("the create with a NUL byte succeeded")
			}
			continue
		}
		if err != nil {
			t.Errorf("create %d: %v", i, err)
		}
		seen[seqs[i]] = true
	}
	for s := int64(1); s < n; s++ {
		if !seen[s] {
			t.Errorf("number %d missing: %v", s, seen)
		}
	}
}

// A create, a comment or a change is answered only once it is on disk,
// although its transaction commits without waiting for the disk (so the
// counter's lock and the events lock are not held through the fsync): the
// flush that follows must wait for it. With the WAL writer slowed to 10 s,
// nothing else flushes the WAL: right after each call returns, everything
// written must already be flushed.
func TestPostgresFlushedWhenAnswered(t *testing.T) {
	// wal_level=minimal: no background WAL of its own (the standby
	// snapshots that replica level logs every 15 s are not flushed at
	// once, and would look like an answer given before its flush).
	c := pgtest.StartDurable(t, "wal_writer_delay=10000", "autovacuum=off", "wal_level=minimal", "max_wal_senders=0")
	db := openPG(t, c, Options{})
	ctx := context.Background()
	for i := range 20 {
		var wg sync.WaitGroup
		for range 1 + i%4 { // alone, and in batches of several
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := db.CreateTicket(ctx, storetestTicket(), nil); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		checkFlushed(t, db, fmt.Sprintf("round %d, creates", i))
		// Comments and changes write events too, under the same lock.
		n := support.Number{Prefix: "CG42N1", Seq: 1}
		if err := db.AddComment(ctx, n, &support.Comment{Author: "A <a@example.fr>", Role: support.RoleAgent, Body: "x"}, nil, 0); err != nil {
			t.Fatal(err)
		}
		checkFlushed(t, db, fmt.Sprintf("round %d, comment", i))
		from, to := support.Majeure, support.Bloquante
		if i%2 == 1 {
			from, to = to, from
		}
		if err := db.ChangeTicket(ctx, n, "A <a@example.fr>", "", []support.TicketChange{
			{Field: support.FieldPriority, From: string(from), To: string(to)}}); err != nil {
			t.Fatal(err)
		}
		checkFlushed(t, db, fmt.Sprintf("round %d, change", i))
	}
}

// checkFlushed fails unless everything PostgreSQL wrote to the WAL is on
// disk.
func checkFlushed(t *testing.T, db *DB, what string) {
	t.Helper()
	var ins, fl int64
	var insText, flText string
	if err := db.read.QueryRow(`SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint,
		(pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::bigint,
		pg_current_wal_insert_lsn()::text, pg_current_wal_flush_lsn()::text`).Scan(&ins, &fl, &insText, &flText); err != nil {
		t.Fatal(err)
	}
	if fl >= ins {
		return
	}
	// When the last record ends exactly at a WAL page's end, the insert
	// position is reported past the next page's header (24 bytes; 40 at
	// the start of a 16 MiB segment), which holds no record: the flush
	// ends at the page boundary, and nothing written is unflushed.
	const page, segment = 8192, 16 << 20
	if (ins%segment == 40 && ins-fl == 40) || (ins%page == 24 && ins-fl == 24) {
		return
	}
	t.Fatalf("%s: answered with WAL written to %s but flushed only to %s", what, insText, flText)
}
