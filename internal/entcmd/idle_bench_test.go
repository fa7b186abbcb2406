package entcmd

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkIdleFollow measures what an idle `follow` costs: the requests
// one `ent-support follow` process sends over 65 s of silence (it holds one
// event stream open; heartbeats keep it alive), and the resident memory of
// a server process holding 1,000 idle event streams, beside the same
// server idle with none. Run with -benchtime=1x. With -short (the smoke
// run of .ci/bench), 3 s of silence and 50 streams: it checks the benchmark
// runs, not the figure (the metrics keep their names).
func BenchmarkIdleFollow(b *testing.B) {
	silence, streams := 65*time.Second, 1000
	if testing.Short() {
		silence, streams = 3*time.Second, 50
	}
	for range b.N {
		// 1,000 streams of one person: far above the per-person cap that
		// guards a real server.
		srv := newServerProcOn(b, "", "--max-streams-per-user", "1000")
		c := newClient(b, srv.url())
		number := c.file("Suivi au repos")
		if number == "" {
			b.Fatal("the ticket was not filed")
		}

		// Requests of one idle follow, counted by a front on loopback.
		up, _ := url.Parse(srv.url())
		proxy := httputil.NewSingleHostReverseProxy(up)
		proxy.FlushInterval = -1 // pass the event stream through as it comes
		var requests atomic.Int32
		front := serveFront(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			proxy.ServeHTTP(w, r)
		}))
		ctx, cancel := context.WithCancel(context.Background())
		follow := exec.CommandContext(ctx, c.bin, "follow", number)
		follow.Env = append(os.Environ(), "ENT_SUPPORT_SERVER="+front, "ENT_SUPPORT_TOKEN="+bootstrapToken,
			"ENT_SUPPORT_CONFIG_DIR="+filepath.Join(c.dir, "config"), "ENT_SUPPORT_STATE_DIR="+filepath.Join(c.dir, "state"))
		if err := follow.Start(); err != nil {
			b.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { follow.Wait(); close(exited) }()
		time.Sleep(5 * time.Second) // start-up requests
		before := requests.Load()
		time.Sleep(silence)
		idle := requests.Load() - before
		select {
		case <-exited: // a follow that died sends nothing: that measures nothing
			b.Fatal("follow exited while idle")
		default:
		}
		cancel()
		<-exited
		b.ReportMetric(float64(before), "startup_requests")
		b.ReportMetric(float64(idle), "requests_per_65s_idle")

		// Server memory: none, then 1,000 idle streams.
		base := rssMiB(b, srv.pid())
		client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: 1000}}
		bodies := make([]*http.Response, 0, streams)
		for range streams {
			req, _ := http.NewRequest("GET", srv.url()+"/api/v1/tickets/"+number+"/events", nil)
			req.Header.Set("Authorization", "Bearer "+bootstrapToken)
			req.Header.Set("Accept", "text/event-stream")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			if resp.StatusCode != 200 {
				b.Fatalf("events: %s", resp.Status)
			}
			// Read the backlog's first event, so the stream is really open.
			line, err := bufio.NewReader(resp.Body).ReadString('\n')
			if err != nil || line == "" {
				b.Fatalf("stream: %q, %v", line, err)
			}
			bodies = append(bodies, resp)
		}
		time.Sleep(3 * time.Second)
		held := rssMiB(b, srv.pid())
		for _, r := range bodies {
			r.Body.Close()
		}
		b.ReportMetric(base, "server_rss_MiB_idle")
		b.ReportMetric(held, "server_rss_MiB_1000_streams")
		b.ReportMetric(0, "ns/op")
	}
}

// rssMiB reads a process's resident memory from /proc.
func rssMiB(b testing.TB, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
