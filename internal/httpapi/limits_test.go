package httpapi

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// clock is a settable time for the limiters.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// "3/1m": three at once, then one every 20 s; a turn given back is there
// again at once; keys are independent.
func TestLimiter(t *testing.T) {
	c := newClock()
	l := newLimiter(support.RateLimit{N: 3, Per: time.Minute}, c.Now)
	for i := range 3 {
		if w := l.take("k"); w != 0 {
			t.Fatalf("take %d: wait %v, want none", i+1, w)
		}
	}
	if w := l.take("k"); w != 20*time.Second {
		t.Fatalf("4th take: wait %v, want 20s", w)
	}
	if w := l.wait("other"); w != 0 {
		t.Errorf("another key waits %v", w)
	}
	c.add(5 * time.Second)
	if w := l.wait("k"); w != 15*time.Second {
		t.Errorf("5 s later: wait %v, want 15s", w)
	}
	l.give("k")
	if w := l.take("k"); w != 0 {
		t.Errorf("after a turn given back: wait %v", w)
	}
	c.add(15 * time.Second)
	if w := l.take("k"); w != 0 {
		t.Errorf("20 s later: wait %v", w)
	}
	c.add(time.Hour)
	l.take("other")
	if n := l.size(); n != 1 {
		t.Errorf("full buckets not forgotten: %d keys left, want 1", n)
	}
	if newLimiter(support.RateLimit{}, c.Now) != nil || (*limiter)(nil).take("k") != 0 {
		t.Error("a zero limit must be off")
	}
}

func TestParseRateLimit(t *testing.T) {
	for in, want := range map[string]support.RateLimit{
		"20/1m": {N: 20, Per: time.Minute}, "30/h": {N: 30, Per: time.Hour}, " 5 / 90s ": {N: 5, Per: 90 * time.Second},
		"off": {}, "0": {},
	} {
		got, err := support.ParseRateLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseRateLimit(%q) = %v, %v; want %v", in, got, err, want)
		}
		if back, err := support.ParseRateLimit(got.String()); err != nil || back != got {
			t.Errorf("%v does not read back: %v, %v", got, back, err)
		}
	}
	for _, in := range []string{"", "20", "x/1m", "-1/1m", "20/0s", "20/100h", "20/1ms", "1/"} {
		if _, err := support.ParseRateLimit(in); err == nil {
			t.Errorf("ParseRateLimit(%q) accepted", in)
		}
	}
}

// fromAddr is a client whose connections leave from the loopback address
// ip (any 127.x.y.z works on Linux), so that one test plays several hosts.
func fromAddr(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}}
}

// Bad tokens from one address, or sharing one prefix, get 429 with
// Retry-After once over the limit; while waiting, no token of theirs is
// checked, not even a good one; good tokens never count; other
// addresses and prefixes are not affected.
func TestAuthFailuresRateLimited(t *testing.T) {
	c := newClock()
	ts := newTestServer(t, func(cfg *ServerConfig) {
		cfg.RateLimits = RateLimits{AuthFailures: support.RateLimit{N: 3, Per: time.Minute}, Now: c.Now}
	})
	get := func(client *http.Client, token string) (*http.Response, []byte) {
		t.Helper()
		return ts.do(t, req{method: "GET", path: "/api/v1/me", token: token, client: client,
			header: map[string]string{"Accept-Language": "en"}})
	}
	one, two := fromAddr("127.0.0.1"), fromAddr("127.0.0.2")
	for range 10 { // good tokens cost nothing
		if resp, b := get(one, reporterToken); resp.StatusCode != 200 {
			t.Fatalf("good token: %d %s", resp.StatusCode, b)
		}
	}
	// Three guesses completing one leaked prefix, from 127.0.0.1.
	for _, tok := range []string{"ents_leaked1-a", "ents_leaked1-b", "ents_leaked1-c"} {
		if resp, b := get(one, tok); resp.StatusCode != 401 {
			t.Fatalf("bad token %d: %s", resp.StatusCode, b)
		}
	}
	checks := ts.fake.Count("Authenticate")
	resp, b := get(one, reporterToken)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "20" {
		t.Fatalf("good token from a limited address: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	p := decodeProblem(t, resp, b)
	if p.Code != support.ERATELIMITED || p.Detail != "Too many invalid tokens from this address or starting the same way; try again in 20 s." {
		t.Errorf("problem %+v", p)
	}
	// The same prefix from another address waits too; another token from
	// there does not.
	if resp, b := get(two, "ents_leaked1-d"); resp.StatusCode != 429 {
		t.Errorf("leaked prefix from another address: %d %s", resp.StatusCode, b)
	}
	if got := ts.fake.Count("Authenticate"); got != checks {
		t.Errorf("%d tokens checked while limited, want none", got-checks)
	}
	if resp, b := get(two, reporterToken); resp.StatusCode != 200 {
		t.Errorf("good token from another address: %d %s", resp.StatusCode, b)
	}
	// No token at all is not a guess: 401, never counted.
	if resp, _ := get(two, ""); resp.StatusCode != 401 {
		t.Errorf("no token: %d", resp.StatusCode)
	}
	c.add(20 * time.Second)
	if resp, b := get(one, reporterToken); resp.StatusCode != 200 {
		t.Errorf("20 s later: %d %s", resp.StatusCode, b)
	}
	if !strings.Contains(ts.logs.String(), "authentication failures over the limit") {
		t.Errorf("no log line for the lockout:\n%s", ts.logs)
	}
}

// Each user creates at most the limit; a refused create gives its turn
// back; another user has their own; time gives turns back.
func TestCreatesRateLimited(t *testing.T) {
	c := newClock()
	ts := newTestServer(t, func(cfg *ServerConfig) {
		cfg.RateLimits = RateLimits{Creates: support.RateLimit{N: 2, Per: time.Hour}, Now: c.Now}
	})
	create := func(token string, body string) (*http.Response, []byte) {
		t.Helper()
		return ts.do(t, req{method: "POST", path: "/api/v1/tickets", token: token,
			header: map[string]string{"Content-Type": "application/json", "Accept-Language": "en"}, body: strings.NewReader(body)})
	}
	valid := mustJSON(t, validInput())
	for i := range 2 {
		if resp, b := create(reporterToken, valid); resp.StatusCode != 201 {
			t.Fatalf("create %d: %d %s", i+1, resp.StatusCode, b)
		}
	}
	resp, b := create(reporterToken, valid)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1800" {
		t.Fatalf("3rd create: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	if p := decodeProblem(t, resp, b); p.Code != support.ERATELIMITED ||
		p.Detail != "Too many tickets created in a short time (limit: 2/1h); try again in 1800 s." {
		t.Errorf("problem %+v", p)
	}
	if n := ts.fake.Count("CreateTicket"); n != 2 {
		t.Errorf("the service saw %d creates, want 2", n)
	}
	if resp, b := create(adminToken, valid); resp.StatusCode != 201 {
		t.Errorf("another user: %d %s", resp.StatusCode, b)
	}
	c.add(30 * time.Minute)
	// A refused create does not use the turn that came back.
	if resp, _ := create(reporterToken, `{"subject":1}`); resp.StatusCode != 400 {
		t.Errorf("bad create: %d", resp.StatusCode)
	}
	if resp, b := create(reporterToken, valid); resp.StatusCode != 201 {
		t.Errorf("30 min later: %d %s", resp.StatusCode, b)
	}
}

// Each reporter adds at most the comment limit; a refused comment gives
// its turn back; agents and admins are never limited.
func TestCommentsRateLimited(t *testing.T) {
	c := newClock()
	ts := newTestServer(t, func(cfg *ServerConfig) {
		cfg.RateLimits = RateLimits{Comments: support.RateLimit{N: 2, Per: time.Hour}, Now: c.Now}
	})
	resp, b := ts.do(t, req{method: "POST", path: "/api/v1/tickets", token: reporterToken,
		header: map[string]string{"Content-Type": "application/json"}, body: strings.NewReader(mustJSON(t, validInput()))})
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	comment := func(token, body string) (*http.Response, []byte) {
		t.Helper()
		return ts.do(t, req{method: "POST", path: "/api/v1/tickets/CG42N1-1/comments", token: token,
			header: map[string]string{"Content-Type": "application/json", "Accept-Language": "en"}, body: strings.NewReader(body)})
	}
	for i := range 2 {
		if resp, b := comment(reporterToken, `{"body":"encore"}`); resp.StatusCode != 201 {
			t.Fatalf("comment %d: %d %s", i+1, resp.StatusCode, b)
		}
	}
	resp, b = comment(reporterToken, `{"body":"encore"}`)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1800" {
		t.Fatalf("3rd comment: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	if p := decodeProblem(t, resp, b); p.Code != support.ERATELIMITED ||
		p.Detail != "Too many comments added in a short time (limit: 2/1h); try again in 1800 s." {
		t.Errorf("problem %+v", p)
	}
	if n := ts.fake.Count("AddComment"); n != 2 {
		t.Errorf("the service saw %d comments, want 2", n)
	}
	for i := range 5 {
		if resp, b := comment(adminToken, `{"body":"réponse"}`); resp.StatusCode != 201 {
			t.Fatalf("staff comment %d: %d %s", i+1, resp.StatusCode, b)
		}
	}
	c.add(30 * time.Minute)
	if resp, _ := comment(reporterToken, `{"body":""}`); resp.StatusCode != 400 {
		t.Errorf("empty comment: %d", resp.StatusCode)
	}
	if resp, b := comment(reporterToken, `{"body":"encore"}`); resp.StatusCode != 201 {
		t.Errorf("30 min later: %d %s", resp.StatusCode, b)
	}
}

// A create refused by the server's create limit, whose Retry-After is
// longer than the client would wait, is answered at once (rate_limited,
// with the wait), not retried: `new` then keeps the ticket in the outbox.
func TestClientDoesNotWaitOutALongRetryAfter(t *testing.T) {
	ts := newTestServer(t, func(cfg *ServerConfig) {
		cfg.RateLimits = RateLimits{Creates: support.RateLimit{N: 1, Per: time.Hour}}
	})
	c := newClient(t, ts.URL, reporterToken, "en")
	ctx := context.Background()
	if _, err := c.CreateTicket(ctx, validInput(), support.CreateOptions{IdempotencyKey: "k1"}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateTicket(ctx, validInput(), support.CreateOptions{IdempotencyKey: "k2"})
	e := asSupportError(t, err)
	if e.Code != support.ERATELIMITED || e.RetryAfter != 3600 {
		t.Errorf("second create: %+v", e)
	}
	if n := ts.fake.Count("CreateTicket"); n != 1 {
		t.Errorf("the service saw %d creates, want 1", n)
	}
	if n := strings.Count(ts.logs.String(), "status=429"); n != 1 {
		t.Errorf("%d answers 429 in the log, want 1 (no retry):\n%s", n, ts.logs)
	}
}

// A key locked out stays locked out while more keys than the limiter
// holds flood in, each failing once: a full limiter evicts the bucket
// nearest to full, a flood key, never the locked-out one (the limiter
// used to drop every key when full, letting the locked-out one in).
func TestLimiterEvictionKeepsLockout(t *testing.T) {
	c := newClock()
	l := newLimiter(support.RateLimit{N: 20, Per: time.Minute}, c.Now)
	for range 20 {
		l.take("a:192.0.2.66")
	}
	if l.wait("a:192.0.2.66") == 0 {
		t.Fatal("20 failures in a row did not lock the key out")
	}
	for i := range maxLimiterKeys + 50_000 {
		if i%10_000 == 0 {
			c.add(time.Millisecond)
		}
		l.take("a:flood-" + strconv.Itoa(i))
	}
	if n := l.size(); n > maxLimiterKeys {
		t.Errorf("the limiter holds %d keys, over its bound %d", n, maxLimiterKeys)
	}
	if l.wait("a:192.0.2.66") == 0 {
		t.Error("the locked-out key was let in by the flood")
	}
	if l.wait("a:flood-"+strconv.Itoa(maxLimiterKeys+50_000-1)) != 0 || l.size() < maxLimiterKeys {
		t.Error("recent flood keys were not kept")
	}
}

// Failures are keyed by the peer's IPv4 address, or by its IPv6 /64 (one
// machine often holds a whole /64); an IPv4-mapped address is IPv4; token
// prefixes share a key on their first 12 characters only.
func TestFailureKeys(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.7:5123":            "a:192.0.2.7",
		"[2001:db8:1:2:a:b:c:d]:80": "a:2001:db8:1:2::/64",
		"[2001:db8:1:2::ffff]:443":  "a:2001:db8:1:2::/64",
		"[::ffff:192.0.2.7]:80":     "a:192.0.2.7",
		"@unix":                     "a:@unix",
	} {
		if got := clientKey(&http.Request{RemoteAddr: addr}); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", addr, got, want)
		}
	}
	if prefixKey("ents_abcdefgXXXX") != prefixKey("ents_abcdefgYYYY") || prefixKey("ents_abcdefgX") == prefixKey("ents_abcdefhX") {
		t.Error("prefix keys do not follow the first 12 characters")
	}
	if strings.Contains(prefixKey("ents_abcdefgXXXX"), "abcdefg") {
		t.Error("the prefix is kept in clear")
	}
}
