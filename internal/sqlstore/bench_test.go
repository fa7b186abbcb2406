package sqlstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/sqlstore/pgtest"
	"github.com/ent-support/ent-support/internal/support"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if seeded.dir != "" {
		os.RemoveAll(seeded.dir)
	}
	os.Exit(code)
}

// p99 returns the 99th percentile of ds, in milliseconds.
func p99(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return float64(ds[(len(ds)*99)/100]) / float64(time.Millisecond)
}

// BenchmarkCreateParallel16 files durable JSON tickets (no files) from 16
// goroutines, with group commit ("group") and with one transaction per
// create ("single"), and reports creates/s and the p99 latency.
//
// "postgres" is group commit on PostgreSQL (fsync on), in the same process:
// the store alone, without HTTP, for comparison with the servers' figures.
func BenchmarkCreateParallel16(b *testing.B) {
	for _, c := range []struct {
		name     string
		maxBatch int
		pg       bool
	}{{"group", 0, false}, {"single", 1, false}, {"postgres", 0, true}} {
		b.Run(c.name, func(b *testing.B) {
			var db *DB
			if c.pg {
				db = openPG(b, pgtest.StartDurable(b), Options{})
			} else {
				db, _ = openTest(b, Options{maxBatch: c.maxBatch})
			}
			const workers = 16
			var next atomic.Int64
			lat := make([][]time.Duration, workers)
			var wg sync.WaitGroup
			var failed atomic.Value
			b.ResetTimer()
			start := time.Now()
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						tk := storetestTicket()
						// With an Idempotency-Key, as every create of the CLI.
						tk.CreatedBy, tk.IdempotencyKey = int64(w+1), fmt.Sprintf("bench-%d", i)
						t0 := time.Now()
						if _, err := db.CreateTicket(context.Background(), tk, nil); err != nil {
							failed.Store(err)
							return
						}
						lat[w] = append(lat[w], time.Since(t0))
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if err, _ := failed.Load().(error); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "creates/s")
			b.ReportMetric(p99(slices.Concat(lat...)), "p99_ms")
		})
	}
}

// seeded is the 100,000-ticket database of BenchmarkListFirstPage100k,
// built once per test binary run.
var seeded struct {
	once sync.Once
	dir  string
	file string
	err  error
}

const seedTickets = 100_000

func seedDatabase() (string, error) {
	seeded.once.Do(func() {
		seeded.dir, seeded.err = os.MkdirTemp("", "sqlstore-bench-")
		if seeded.err != nil {
			return
		}
		seeded.file = filepath.Join(seeded.dir, "100k.db")
		seeded.err = seed(seeded.file)
	})
	return seeded.file, seeded.err
}

// seed inserts the tickets in one transaction, straight into the table:
// the benchmark is about reading, and a 100k-row setup through
// CreateTicket would dominate the run.
func seed(file string) error {
	ctx := context.Background()
	db, err := Open(ctx, file, Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO tickets (prefix, seq,
		reporter_name, reporter_function, reporter_phone, reporter_email, uai,
		subject, population, description, location, priority, priority_rank,
		status, created_at, updated_at, created_by)
		VALUES ('CG42N1', ?, 'Anne Dupré', 'adjoint', '+33639981234', 'anne@example.fr', ?,
		'Messagerie en panne', 'tous', 'La messagerie ne s''ouvre plus depuis hier soir.', 'Accueil > Messagerie', ?, ?,
		?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	statuses := support.Statuses
	t0 := time.Date(2024, 9, 1, 8, 0, 0, 0, time.UTC)
	for i := 1; i <= seedTickets; i++ {
		p := support.Priorities[i%len(support.Priorities)]
		at := toMicros(t0.Add(time.Duration(i) * time.Minute))
		uai := fmt.Sprintf("0420%03dX", i%500) // 500 establishments
		if _, err := stmt.ExecContext(ctx, i, uai, string(p), p.Rank(),
			string(statuses[i%len(statuses)]), at, at, 1+i%2000); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO counters (prefix, last) VALUES ('CG42N1', ?)`, seedTickets); err != nil {
		return err
	}
	return tx.Commit()
}

// BenchmarkListFirstPage100k reads the first page (50 tickets) of lists
// over 100,000 tickets and reports the p99 latency.
func BenchmarkListFirstPage100k(b *testing.B) {
	file, err := seedDatabase()
	if err != nil {
		b.Fatal(err)
	}
	db, err := Open(context.Background(), file, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	f := func(f support.TicketFilter) support.TicketQuery { return support.TicketQuery{TicketFilter: f} }
	for _, c := range []struct {
		name string
		q    support.TicketQuery
	}{
		{"newest", f(support.TicketFilter{})},
		{"priority", f(support.TicketFilter{Sort: "priority"})},
		{"status", f(support.TicketFilter{Status: []support.Status{support.StatusWaiting}})},
		{"reporter", support.TicketQuery{OnlyUAIs: []string{"0420007X", "0420123X"}}},
		{"reporter_priority", support.TicketQuery{OnlyUAIs: []string{"0420007X", "0420123X"},
			TicketFilter: support.TicketFilter{Sort: "priority"}}},
		{"mine", support.TicketQuery{CreatedBy: 42}},
		{"mine_priority", support.TicketQuery{CreatedBy: 42, TicketFilter: support.TicketFilter{Sort: "priority"}}},
		{"since", f(support.TicketFilter{Since: time.Date(2024, 10, 15, 0, 0, 0, 0, time.UTC), Sort: "priority"})},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				p, err := db.ListTickets(ctx, c.q)
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				if len(p.Tickets) == 0 {
					b.Fatal("empty page")
				}
			}
			b.StopTimer()
			b.ReportMetric(p99(lat), "p99_ms")
		})
	}
}
