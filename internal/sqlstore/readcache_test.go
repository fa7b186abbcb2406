package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// Many readers at once on a fresh database, each inside a read
// transaction, must not wait on each other for the statement cache: a
// version that prepared on the pool from inside a transaction hung here
// once every pool connection was held.
func TestConcurrentReadsDoNotDeadlock(t *testing.T) {
	db, _ := openTest(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tk := &support.Ticket{TicketSummary: support.TicketSummary{Number: support.Number{Prefix: "CG42N1"},
		TicketInput: support.TicketInput{Subject: "Cahier de textes vide", Reporter: support.Reporter{Name: "Marie Curie"}}}}
	if _, err := db.CreateTicket(ctx, tk, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 256)
	for range 256 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := db.GetTicket(ctx, tk.Number); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// The deterministic form of the same trap: every read connection is held
// by a transaction that then runs a query not cached yet.
func TestUncachedQueryInsideEveryHeldTransaction(t *testing.T) {
	db, _ := openTest(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := db.read.Stats().MaxOpenConnections
	txs := make([]*sql.Tx, n)
	for i := range txs {
		tx, err := db.read.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		txs[i] = tx
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, tx := range txs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var v int
			q := fmt.Sprintf("SELECT %d + count(*) FROM tickets", i)
			if err := db.cached(tx).QueryRowContext(ctx, q).Scan(&v); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
