package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// waitEnd reads st until the server ends it and says how long that took;
// it fails the test if the stream is still open after within.
func waitEnd(t *testing.T, st *sseReader, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		for st.sc.Scan() {
		}
	}()
	select {
	case <-ended:
		return time.Since(start)
	case <-time.After(within):
		st.resp.Body.Close()
		<-ended
		t.Fatalf("stream still open %v after its token stopped authenticating", within)
		return 0
	}
}

// A stream lasts no longer than its right to: disabling the person,
// rotating their token or letting it expire ends their open streams
// within one heartbeat, while other people's streams go on.
func TestStreamEndsWhenTokenStopsAuthenticating(t *testing.T) {
	const beat = 300 * time.Millisecond
	// One heartbeat, and slack for a loaded machine.
	const within = beat + 1500*time.Millisecond
	f := newEventsFixtureWith(t, Options{Heartbeat: beat})
	ctx := context.Background()
	url := f.s.URL() + "/api/v1/tickets/" + f.ticket.String() + "/events"

	// The other establishment's reporter has no stream on this ticket;
	// the agent's own stream must outlive the reporter's.
	agentStream, code := openStream(t, url, f.agentToken, "")
	if code != 200 {
		t.Fatalf("agent stream: %d", code)
	}
	agentStream.next(t)

	// Disabled.
	st, code := openStream(t, url, f.reporterToken, "")
	if code != 200 {
		t.Fatalf("reporter stream: %d", code)
	}
	st.next(t) // the creation: the stream is up
	// Several heartbeats pass on a valid token without ending it.
	time.Sleep(4 * beat)
	if _, err := f.admin.SetUserDisabled(ctx, "marie.curie@example.org", true); err != nil {
		t.Fatal(err)
	}
	took := waitEnd(t, st, within)
	t.Logf("disabled: stream ended %v after", took)
	if _, code := openStream(t, url, f.reporterToken, ""); code != http.StatusUnauthorized {
		t.Errorf("disabled reporter reopens: %d, want 401", code)
	}

	// Rotated: the old token's stream ends, the new token streams.
	if _, err := f.admin.SetUserDisabled(ctx, "marie.curie@example.org", false); err != nil {
		t.Fatal(err)
	}
	st, code = openStream(t, url, f.reporterToken, "")
	if code != 200 {
		t.Fatalf("re-enabled reporter: %d", code)
	}
	st.next(t)
	_, fresh, err := f.admin.RotateToken(ctx, "marie.curie@example.org", support.TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	took = waitEnd(t, st, within)
	t.Logf("rotated: stream ended %v after", took)
	if _, code := openStream(t, url, f.reporterToken, ""); code != http.StatusUnauthorized {
		t.Errorf("rotated-out token reopens: %d, want 401", code)
	}

	// Expired: a token rotated with a close expiry streams until then.
	exp := time.Now().Add(2 * time.Second)
	_, short, err := f.admin.RotateToken(ctx, "marie.curie@example.org", support.TokenOptions{ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	if _, code := openStream(t, url, fresh, ""); code != http.StatusUnauthorized {
		t.Errorf("token rotated out again: %d, want 401", code)
	}
	st, code = openStream(t, url, short, "")
	if code != 200 {
		t.Fatalf("short-lived token: %d", code)
	}
	st.next(t)
	took = waitEnd(t, st, time.Until(exp)+within)
	if ended := time.Now(); ended.Before(exp) {
		t.Errorf("stream of a token valid until %v ended at %v", exp, ended)
	}
	t.Logf("expired: stream ended %v after opening", took)

	// The agent's stream saw all of it and is still there: an event
	// reaches it.
	if _, err := f.agent.AddComment(ctx, f.ticket, "Toujours là.", nil); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(10*time.Second, func() { agentStream.resp.Body.Close() })
	defer timer.Stop()
	if _, e := agentStream.next(t); e.Kind != support.EventComment || e.Message != "Toujours là." {
		t.Errorf("agent stream: %+v", e)
	}
}

// One person holds at most MaxStreamsPerUser streams: the next is a 429
// problem in the request's language with Retry-After; closing one frees
// its place; other people are not counted against it.
func TestStreamLimitPerUser(t *testing.T) {
	f := newEventsFixtureWith(t, Options{})
	url := f.s.URL() + "/api/v1/tickets/" + f.ticket.String() + "/events"
	var open []*sseReader
	for i := range 16 {
		st, code := openStream(t, url, f.reporterToken, "")
		if code != 200 {
			t.Fatalf("stream %d: %d", i+1, code)
		}
		open = append(open, st)
	}
	seventeenth := func(lang string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+f.reporterToken)
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for _, c := range []struct{ lang, want string }{
		{"en", "You already have 16 event streams open"},
		{"fr", "Vous avez déjà 16 flux d'événements ouverts"},
	} {
		resp := seventeenth(c.lang)
		var p struct {
			Status int    `json:"status"`
			Code   string `json:"code"`
			Detail string `json:"detail"`
		}
		err := json.NewDecoder(resp.Body).Decode(&p)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Content-Type") != "application/problem+json" || err != nil {
			t.Fatalf("17th stream (%s): %d %s %v", c.lang, resp.StatusCode, resp.Header.Get("Content-Type"), err)
		}
		if resp.Header.Get("Retry-After") == "" || p.Code != support.ERATELIMITED || p.Status != 429 || !strings.HasPrefix(p.Detail, c.want) {
			t.Errorf("17th stream (%s): Retry-After %q, problem %+v", c.lang, resp.Header.Get("Retry-After"), p)
		}
	}
	// Someone else still streams.
	if _, code := openStream(t, url, f.agentToken, ""); code != 200 {
		t.Errorf("agent's stream while the reporter is at the limit: %d", code)
	}
	// Closing one gives its place back (once the server sees it gone).
	open[0].resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp := seventeenth("en")
		if resp.StatusCode == 200 {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatalf("a closed stream's place is not given back: %d", resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
