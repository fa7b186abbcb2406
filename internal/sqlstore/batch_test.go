package sqlstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/sqlstore/pgtest"
	"github.com/ent-support/ent-support/internal/support"
)

// testReplaysInOneBatch runs one batch, straight through commitBatch (the
// writer would split it as the callers come): creates whose key is
// already stored, new keys given twice, keys of another account, and
// creates without a key. Each replay must give back the ticket its key
// names and take no number; each new key must make one ticket; numbers
// stay gapless and in the batch's order. On SQLite the key given twice
// fails the savepoint-free run and makes the batch run again, each create
// in its savepoint; on PostgreSQL the keys are looked up at once and the
// new creates inserted by one statement.
func testReplaysInOneBatch(t *testing.T, db *DB) {
	ctx := context.Background()
	stored := map[string]support.Number{}
	for i := range 5 {
		tk := storetestTicket()
		tk.CreatedBy, tk.IdempotencyKey, tk.BodyHash = 5, fmt.Sprintf("old-%d", i), "h"
		if created, err := db.CreateTicket(ctx, tk, nil); err != nil || !created {
			t.Fatalf("seed %d: created %v, %v", i, created, err)
		}
		stored[tk.IdempotencyKey] = tk.Number
	}
	type want struct {
		key     string
		by      int64
		replay  bool
		sameAs  int // index of the create whose ticket this one gives back; -1: none
		subject string
	}
	var wants []want
	add := func(by int64, key string, replay bool, sameAs int) {
		wants = append(wants, want{key: key, by: by, replay: replay, sameAs: sameAs, subject: fmt.Sprintf("n°%d", len(wants))})
	}
	add(5, "old-1", true, -1)
	add(5, "new-a", false, -1)
	add(0, "", false, -1)
	add(5, "new-a", true, 1) // the same key again in the batch
	add(6, "old-1", false, -1)
	add(5, "old-3", true, -1)
	add(0, "", false, -1)
	add(5, "new-b", false, -1)
	batch := make([]*createReq, len(wants))
	for i, w := range wants {
		tk := storetestTicket()
		tk.Subject, tk.IdempotencyKey, tk.BodyHash = w.subject, w.key, "h"
		if w.by != 0 {
			tk.CreatedBy = w.by
		}
		batch[i] = &createReq{ctx: ctx, t: *tk, res: make(chan createRes, 1)}
	}
	db.commitBatch(batch)

	next := int64(len(stored)) + 1
	got := make([]createRes, len(batch))
	for i, r := range batch {
		got[i] = <-r.res
		w := wants[i]
		if got[i].err != nil {
			t.Fatalf("create %d (%s): %v", i, w.key, got[i].err)
		}
		if got[i].created == w.replay {
			t.Errorf("create %d (%s): created = %v", i, w.key, got[i].created)
		}
		switch {
		case w.replay && w.sameAs >= 0:
			if got[i].t.Number != got[w.sameAs].t.Number {
				t.Errorf("create %d (%s): %v, want %v as the first with this key", i, w.key, got[i].t.Number, got[w.sameAs].t.Number)
			}
		case w.replay:
			if got[i].t.Number != stored[w.key] || got[i].t.Subject == w.subject {
				t.Errorf("create %d (%s): %v %q, want the stored %v", i, w.key, got[i].t.Number, got[i].t.Subject, stored[w.key])
			}
		default:
			if got[i].t.Number.Seq != next || got[i].t.Subject != w.subject {
				t.Errorf("create %d (%s): %v %q, want number %d", i, w.key, got[i].t.Number, got[i].t.Subject, next)
			}
			next++
		}
	}
	// What was answered is what is stored.
	for i, r := range got {
		back, err := db.GetTicket(ctx, r.t.Number)
		if err != nil {
			t.Fatal(err)
		}
		if back.Subject != r.t.Subject || back.IdempotencyKey != r.t.IdempotencyKey {
			t.Errorf("create %d: stored %q %q, answered %q %q", i, back.Subject, back.IdempotencyKey, r.t.Subject, r.t.IdempotencyKey)
		}
	}
	tk := storetestTicket()
	if _, err := db.CreateTicket(ctx, tk, nil); err != nil {
		t.Fatal(err)
	}
	if tk.Number.Seq != next {
		t.Errorf("next number %d, want %d (gapless)", tk.Number.Seq, next)
	}
}

func TestReplaysInOneBatch(t *testing.T) {
	db, _ := openTest(t, Options{})
	testReplaysInOneBatch(t, db)
}

func TestPostgresReplaysInOneBatch(t *testing.T) {
	testReplaysInOneBatch(t, openPG(t, pgtest.Start(t), Options{}))
}

// TestPostgresBatchTakesTheEventsLock: a batch of creates, one statement,
// must wait while another session holds the events lock (event IDs must
// commit in order), then go on once it is released.
func TestPostgresBatchTakesTheEventsLock(t *testing.T) {
	c := pgtest.Start(t)
	dsn := c.NewDatabase(t)
	db, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	other, err := db.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	holder, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback() // runs before other.Close, which would wait for it
	if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_xact_lock("+eventsLockKey+")"); err != nil {
		t.Fatal(err)
	}
	batch := make([]*createReq, 3)
	for i := range batch {
		tk := storetestTicket()
		tk.CreatedBy, tk.IdempotencyKey, tk.BodyHash = 5, fmt.Sprintf("lock-%d", i), "h"
		batch[i] = &createReq{ctx: ctx, t: *tk, res: make(chan createRes, 1)}
	}
	done := make(chan struct{})
	go func() { db.commitBatch(batch); close(done) }()
	select {
	case <-done:
		t.Fatal("the batch committed while another session held the events lock")
	case <-time.After(500 * time.Millisecond):
	}
	if err := holder.Commit(); err != nil {
		t.Fatal(err)
	}
	<-done
	for i, r := range batch {
		if res := <-r.res; res.err != nil || !res.created || res.t.Number.Seq != int64(i+1) {
			t.Errorf("create %d: %v, created %v, number %d", i, res.err, res.created, res.t.Number.Seq)
		}
	}
}

// TestPostgresBatchAsOneStatement: a batch of new creates without files is
// written by one statement with no transaction around it; a batch that
// holds a replay, or one the server refuses (a NUL byte in a subject), is
// written in a transaction instead, with the same numbers a lone create
// would get: gapless, in the batch's order, none for a replay or a refusal.
func TestPostgresBatchAsOneStatement(t *testing.T) {
	db := openPG(t, pgtest.Start(t), Options{})
	ctx := context.Background()
	run := func(subjects, keys []string) []createRes {
		t.Helper()
		batch := make([]*createReq, len(subjects))
		for i := range batch {
			tk := storetestTicket()
			tk.CreatedBy, tk.Subject, tk.IdempotencyKey, tk.BodyHash = 5, subjects[i], keys[i], "h"
			batch[i] = &createReq{ctx: ctx, t: *tk, res: make(chan createRes, 1)}
		}
		db.commitBatch(batch)
		out := make([]createRes, len(batch))
		for i, r := range batch {
			out[i] = <-r.res
		}
		return out
	}
	check := func(step string, got []createRes, want []int64, alone int64) {
		t.Helper()
		for i, r := range got {
			switch {
			case want[i] == 0 && r.err == nil:
				t.Errorf("%s, create %d: filed as %v, want a refusal", step, i, r.t.Number)
			case want[i] != 0 && (r.err != nil || r.t.Number.Seq != want[i]):
				t.Errorf("%s, create %d: %v, number %d, want %d", step, i, r.err, r.t.Number.Seq, want[i])
			}
		}
		if n := db.alone.Load(); n != alone {
			t.Errorf("%s: %d batches as one statement, want %d", step, n, alone)
		}
	}
	check("new keys", run([]string{"a", "b", "c"}, []string{"k1", "k2", ""}), []int64{1, 2, 3}, 1)
	got := run([]string{"d", "nul \x00 byte", "e"}, []string{"k3", "k4", ""})
	check("a refused create", got, []int64{4, 0, 5}, 1)
	got = run([]string{"f", "b again", "g"}, []string{"k5", "k2", ""})
	check("a replay", got, []int64{6, 2, 7}, 1)
	if got[1].created || got[1].t.Subject != "b" {
		t.Errorf("the replay: created %v, subject %q, want the stored ticket", got[1].created, got[1].t.Subject)
	}
	check("new keys again", run([]string{"h"}, []string{"k6"}), []int64{8}, 2)
	for _, n := range []int64{1, 4, 8} {
		if _, err := db.GetTicket(ctx, support.Number{Prefix: got[0].t.Number.Prefix, Seq: n}); err != nil {
			t.Errorf("ticket %d not stored: %v", n, err)
		}
	}
}
