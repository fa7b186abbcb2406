package entcmd

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/sqlstore/pgtest"
)

// BenchmarkScaleOutCreate16 measures durable creates/s and latency with 16
// HTTP clients against real server processes: one process on a SQLite file
// (WAL, synchronous=FULL), one process on PostgreSQL, and two processes on
// one PostgreSQL database with the clients split between them. Every create
// carries an Idempotency-Key, as every `new` of the CLI does (the key's
// lookup is part of what a create costs); "pg1_nokey", one PostgreSQL
// process sent no key, is the anchor that says what the key costs. PostgreSQL
// runs with its default durability (fsync on, synchronous_commit on): a
// ticket is answered once committed. This machine is shared and noisy, so
// the set-ups are measured in turn, round after round (5 rounds of b.N
// creates each), and the medians are reported side by side. Run with
// -benchtime=Nx (e.g. 3000x).
//
// The processes share the machine's cores as docs/server.md tells
// operators to: each of N processes gets GOMAXPROCS = cores / N (at least
// 1), printed at the start.
//
// With ENT_SUPPORT_BENCH_SERVERS="base=PATH new=PATH" (.ci/bench compare),
// the servers are those binaries, each in every set-up, all in turn in the
// same rounds: the metrics are then named base_sqlite_creates/s, etc.
func BenchmarkScaleOutCreate16(b *testing.B) {
	pg := pgtest.StartDurable(b)
	type setup struct {
		name  string
		procs int
		pg    bool
		noKey bool
		urls  []string
	}
	var configs []setup
	for _, bin := range benchServers(b) {
		for _, c := range []setup{{"sqlite", 1, false, false, nil}, {"pg1", 1, true, false, nil},
			{"pg2", 2, true, false, nil}, {"pg1_nokey", 1, true, true, nil}} {
			dsn := "sqlite:" + filepath.Join(b.TempDir(), "bench.db")
			if c.pg {
				dsn = pg.NewDatabase(b)
			}
			env := shareCores(c.procs)
			b.Logf("%s%s: %d server process(es), each with %s", bin.prefix, c.name, c.procs, env[0])
			for range c.procs {
				c.urls = append(c.urls, newServerProcEnv(b, bin.path, dsn, env, noCreateLimit...).url())
			}
			c.name = bin.prefix + c.name
			configs = append(configs, c)
		}
	}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}
	const rounds = 5
	rates := make([][]float64, len(configs))
	p99s := make([][]float64, len(configs))
	b.ResetTimer()
	for round := range rounds {
		for ci, c := range configs {
			rate, p99 := runCreates(b, client, c.urls, fmt.Sprintf("%s-%d", c.name, round), !c.noKey)
			rates[ci] = append(rates[ci], rate)
			p99s[ci] = append(p99s[ci], p99)
		}
	}
	b.StopTimer()
	for ci, c := range configs {
		b.ReportMetric(median(rates[ci]), c.name+"_creates/s")
		b.ReportMetric(median(p99s[ci]), c.name+"_p99_ms")
		b.Logf("%s: creates/s %v, p99 ms %v", c.name, rates[ci], p99s[ci])
	}
	b.ReportMetric(0, "ns/op")
}

// shareCores is the environment of each of procs server processes on this
// machine: GOMAXPROCS = cores / procs, at least 1 (docs/server.md).
func shareCores(procs int) []string {
	return []string{fmt.Sprintf("GOMAXPROCS=%d", max(1, runtime.NumCPU()/procs))}
}

// benchServer is a server binary to measure: path "" for this one.
type benchServer struct{ prefix, path string }

// benchServers reads ENT_SUPPORT_BENCH_SERVERS: NAME=PATH fields.
func benchServers(b *testing.B) []benchServer {
	v := os.Getenv("ENT_SUPPORT_BENCH_SERVERS")
	if v == "" {
		return []benchServer{{}}
	}
	var out []benchServer
	for _, f := range strings.Fields(v) {
		name, path, ok := strings.Cut(f, "=")
		if !ok || name == "" || path == "" {
			b.Fatalf("ENT_SUPPORT_BENCH_SERVERS: %q is not NAME=PATH", f)
		}
		out = append(out, benchServer{name + "_", path})
	}
	return out
}

// runCreates files b.N tickets from 16 clients spread over urls and
// returns creates/s and the p99 latency in milliseconds. With withKey,
// each create carries a new random Idempotency-Key, shaped as the CLI's.
func runCreates(b *testing.B, client *http.Client, urls []string, tag string, withKey bool) (float64, float64) {
	const clients = 16
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
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
				key := ""
				if withKey {
					key = "cli-" + rand.Text()
				}
				code, _, err := postTicketWith(client, url, fmt.Sprintf("Banc %s %d", tag, i), key)
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
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	slices.Sort(lat)
	return float64(b.N) / wall.Seconds(), float64(lat[(len(lat)-1)*99/100].Microseconds()) / 1000
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
