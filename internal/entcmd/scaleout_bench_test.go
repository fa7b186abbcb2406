package entcmd

import (
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/sqlstore/pgtest"
)

// BenchmarkScaleOutCreate16 measures durable creates/s and latency with 16
// HTTP clients against real server processes, side by side in one run:
// one process on a SQLite file (WAL, synchronous=FULL), one process on
// PostgreSQL, and two processes on the same PostgreSQL database with the
// clients split between them. PostgreSQL runs with its default durability
// (fsync on, synchronous_commit on): a ticket is answered once committed.
// Run with -benchtime=Nx (e.g. 6000x).
func BenchmarkScaleOutCreate16(b *testing.B) {
	pg := pgtest.StartDurable(b)
	for _, c := range []struct {
		name  string
		procs int
		pg    bool
	}{{"sqlite-1proc", 1, false}, {"postgres-1proc", 1, true}, {"postgres-2procs", 2, true}} {
		b.Run(c.name, func(b *testing.B) {
			dsn := "sqlite:" + filepath.Join(b.TempDir(), "bench.db")
			if c.pg {
				dsn = pg.NewDatabase(b)
			}
			var urls []string
			for range c.procs {
				urls = append(urls, newServerProcOn(b, dsn, noCreateLimit...).url())
			}
			client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}
			const clients = 16
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			var failed atomic.Value
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for w := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					url := urls[w%len(urls)]
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						t0 := time.Now()
						code, _, err := postTicketWith(client, url, fmt.Sprintf("Banc %d", i), "")
						if err == nil && code != http.StatusCreated {
							err = fmt.Errorf("create: status %d", code)
						}
						if err != nil {
							failed.Store(err)
							return
						}
						lat[i] = time.Since(t0)
					}
				}()
			}
			wg.Wait()
			wall := time.Since(start)
			b.StopTimer()
			if err, _ := failed.Load().(error); err != nil {
				b.Fatal(err)
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(b.N)/wall.Seconds(), "creates/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(lat[(len(lat)-1)*99/100].Microseconds())/1000, "p99_ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}
