package server

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// BenchmarkReplyToFollower measures what `follow` waits for: from an
// agent's reply (POST comment, durable commit) to the event arriving at a
// reporter's connected event stream, through the real server and the
// client's SSE reader. Run with -benchtime=200x for 200 replies; the
// figures are the median and p99 of those.
func BenchmarkReplyToFollower(b *testing.B) {
	f := newEventsFixture(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	arrived := make(chan support.Event, 16)
	go f.reporter.Follow(ctx, f.ticket, 0, func(e support.Event) error {
		arrived <- e
		return nil
	})
	if e := <-arrived; e.Kind != support.EventCreated { // connected: the backlog came
		b.Fatalf("first event %+v", e)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		body := fmt.Sprintf("Réponse %d", i)
		t0 := time.Now()
		if _, err := f.agent.AddComment(ctx, f.ticket, body, nil); err != nil {
			b.Fatal(err)
		}
		for e := range arrived {
			if e.Message == body {
				break
			}
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99_ms")
	b.ReportMetric(0, "ns/op")
}
