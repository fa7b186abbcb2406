package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

const benchAdmin = "benchmark-admin-token-0123456789abcdef"

func benchTicket(i int) support.TicketInput {
	return support.TicketInput{
		Reporter:      support.Reporter{Name: "Marie Curie", Function: support.ChefEtablissement, Phone: "06 39 98 12 34", Email: "marie.curie@example.org"},
		Establishment: support.Establishment{UAI: "0421234N", Name: "Collège du Pilat", City: "Saint-Genest-Malifaux"},
		Subject:       fmt.Sprintf("Cahier de textes vide (%d)", i),
		Population:    []support.Population{"eleves", "enseignants"},
		Description:   "Depuis ce matin, la page du cahier de textes reste blanche pour tous les élèves de 5e.",
		Location:      "Accueil > Vie scolaire > Cahier de textes",
		Priority:      support.Priorities[i%3],
	}
}

func benchClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}
}

// post sends one JSON create; key may be empty.
func post(c *http.Client, url string, body []byte, key string) (int, error) {
	req, _ := http.NewRequest("POST", url+"/api/v1/tickets", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+benchAdmin)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// percentile returns the p-th percentile of sorted durations.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(float64(len(d)-1) * p)
	return d[i]
}

// runClients sends n requests from `clients` goroutines and returns each
// request's latency and the wall time.
func runClients(b *testing.B, clients, n int, do func(i int) error) ([]time.Duration, time.Duration) {
	b.Helper()
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				if err := do(i); err != nil {
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
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat, wall
}

func report(b *testing.B, lat []time.Duration, wall time.Duration, unit string) {
	b.ReportMetric(float64(len(lat))/wall.Seconds(), unit+"/s")
	b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99_ms")
	b.ReportMetric(0, "ns/op") // the figures above are the ones that matter
}

// BenchmarkCreate16 measures durable creates over HTTP: 16 concurrent
// clients posting JSON tickets to a real server on a real SQLite file
// (WAL, synchronous=FULL; a ticket is answered only once committed).
// Run with -benchtime=Nx to set the number of tickets (e.g. 20000x).
func BenchmarkCreate16(b *testing.B) {
	for _, idem := range []bool{false, true} {
		b.Run(fmt.Sprintf("idempotency-key=%v", idem), func(b *testing.B) {
			s := start(b, Options{BootstrapToken: benchAdmin, OpenDirectory: true})
			c := benchClient()
			bodies := make([][]byte, 64)
			for i := range bodies {
				bodies[i], _ = json.Marshal(benchTicket(i))
			}
			b.ResetTimer()
			lat, wall := runClients(b, 16, b.N, func(i int) error {
				key := "" // without: the anchor that says what the key costs
				if idem {
					key = "cli-" + rand.Text() // shaped as the CLI's
				}
				code, err := post(c, s.URL(), bodies[i%len(bodies)], key)
				if err == nil && code != http.StatusCreated {
					err = fmt.Errorf("create: status %d", code)
				}
				return err
			})
			b.StopTimer()
			report(b, lat, wall, "creates")
		})
	}
}

// BenchmarkListFirstPage100k measures the first page of `list` over HTTP
// with 100,000 tickets in the database, one client at a time (latency,
// not throughput), for the common filters. With -short (the smoke run of
// .ci/bench), 2,000 tickets: it checks the benchmark runs, not the figure.
func BenchmarkListFirstPage100k(b *testing.B) {
	s := start(b, Options{BootstrapToken: benchAdmin, OpenDirectory: true})
	ctx := context.Background()
	admin, err := s.Service.Authenticate(ctx, benchAdmin)
	if err != nil {
		b.Fatal(err)
	}
	as := s.Service.As(admin)
	total := 100_000
	if testing.Short() {
		total = 2_000
	}
	seedStart := time.Now()
	runClients(b, 32, total, func(i int) error {
		_, err := as.CreateTicket(ctx, benchTicket(i), support.CreateOptions{})
		return err
	})
	b.Logf("seeded %d tickets in %s", total, time.Since(seedStart).Round(time.Millisecond))
	c := benchClient()
	for _, q := range []string{"", "?status=nouveau", "?priority=bloquante", "?sort=priority", "?uai=0421234N&since=2020-01-01"} {
		b.Run("query="+q, func(b *testing.B) {
			lat, wall := runClients(b, 1, b.N, func(int) error {
				req, _ := http.NewRequest("GET", s.URL()+"/api/v1/tickets"+q, nil)
				req.Header.Set("Authorization", "Bearer "+benchAdmin)
				resp, err := c.Do(req)
				if err != nil {
					return err
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || n < 1000 {
					return fmt.Errorf("list: status %d, %d bytes", resp.StatusCode, n)
				}
				return nil
			})
			report(b, lat, wall, "lists")
		})
	}
}

// BenchmarkCreateDuringBadTokenFlood measures creates (4 clients) while 8
// other clients send bad tokens, 400 a second or as fast as they can (the
// auth failure limit off, as from many addresses), on SQLite: a refusal
// written to the audit log one by one competes with the creates for the
// one writer.
func BenchmarkCreateDuringBadTokenFlood(b *testing.B) {
	for _, rate := range []int{400, 0} {
		name := "flood=max"
		if rate > 0 {
			name = fmt.Sprintf("flood=%d/s", rate)
		}
		b.Run(name, func(b *testing.B) { benchCreateDuringFlood(b, rate) })
	}
}

func benchCreateDuringFlood(b *testing.B, rate int) {
	s := start(b, Options{BootstrapToken: benchAdmin, OpenDirectory: true})
	c := benchClient()
	body, _ := json.Marshal(benchTicket(1))
	stop := make(chan struct{})
	turns := make(chan struct{})
	var refused atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // rate turns a second; 0: as many as taken
		defer wg.Done()
		defer close(turns)
		var tick <-chan time.Time
		if rate > 0 {
			t := time.NewTicker(time.Second / time.Duration(rate))
			defer t.Stop()
			tick = t.C
		}
		for {
			if tick != nil {
				select {
				case <-stop:
					return
				case <-tick:
				}
			}
			select {
			case <-stop:
				return
			case turns <- struct{}{}:
			}
		}
	}()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range turns {
				req, _ := http.NewRequest("GET", s.URL()+"/api/v1/me", nil)
				req.Header.Set("Authorization", "Bearer ents_wrong-guess-0123456789abcdef")
				if resp, err := c.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					refused.Add(1)
				}
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	b.ResetTimer()
	began := time.Now()
	lat, wall := runClients(b, 4, b.N, func(i int) error {
		code, err := post(c, s.URL(), body, "cli-"+rand.Text()) // as every `new` sends
		if err == nil && code != http.StatusCreated {
			err = fmt.Errorf("create: status %d", code)
		}
		return err
	})
	b.StopTimer()
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(refused.Load())/time.Since(began).Seconds(), "bad_tokens/s")
	report(b, lat, wall, "creates")
}
