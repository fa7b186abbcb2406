package httpapi

import (
	"container/heap"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// RateLimits are the abuse limits of the API. Zero values are off (the
// `server` command turns them on with its defaults; tests and benchmarks
// that do not ask for them run without).
type RateLimits struct {
	// AuthFailures is how many bad tokens one client address, or tokens
	// sharing one prefix, may send before every request carrying a token
	// from there waits (429). Only failures count: a good token costs
	// nothing. While an address waits its tokens are not checked at all,
	// a good one included, or the answer would still tell a guess right.
	AuthFailures support.RateLimit
	// Creates is how many tickets one user may create (201 answers; a
	// replay or a refused create gives its turn back).
	Creates support.RateLimit
	// Comments is how many comments one reporter may add (201 answers);
	// agents and admins are never limited.
	Comments support.RateLimit
	Now      func() time.Time // nil = time.Now
}

// tokenPrefixLen is how much of a token keys its failures: "ents_" and 7
// more characters, 42 bits. Random guesses rarely share one; guesses
// completing a prefix that leaked (a screenshot, a log) all do, from
// however many addresses they come.
const tokenPrefixLen = 12

// maxLimiterKeys bounds a limiter's memory under a spread-out attack.
const maxLimiterKeys = 100_000

// limiter is a set of GCRA buckets ("N per period": N at once, then one
// every period/N), one per key, in memory: a restart forgets them, which
// only ever lets someone in sooner.
//
// The buckets sit in a min-heap on their theoretical arrival time. A
// bucket whose time has passed is full again and is dropped; when the
// limiter holds maxLimiterKeys buckets, a new key evicts the one whose
// time comes first, the one nearest to full. A locked-out key is the
// furthest from full: a flood of fresh keys evicts each other, never it.
type limiter struct {
	rate  support.RateLimit
	now   func() time.Time
	mu    sync.Mutex
	keys  map[string]*bucket
	order bucketHeap
}

// bucket is one key's state: tat is the theoretical arrival time of its
// next event; index its place in the heap.
type bucket struct {
	key   string
	tat   time.Time
	index int
}

func newLimiter(rate support.RateLimit, now func() time.Time) *limiter {
	if rate.Off() {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return &limiter{rate: rate, now: now, keys: map[string]*bucket{}}
}

func (l *limiter) interval() time.Duration { return l.rate.Per / time.Duration(l.rate.N) }

// wait is how long key must wait before its next event; 0 when it may go.
func (l *limiter) wait(key string) time.Duration { return l.check(key, false) }

// take counts one event for key; it answers how long to wait when the
// event was over the limit (and then counts nothing).
func (l *limiter) take(key string) time.Duration { return l.check(key, true) }

func (l *limiter) check(key string, count bool) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.keys[key]
	tat := now
	if b != nil && b.tat.After(now) {
		tat = b.tat
	}
	next := tat.Add(l.interval())
	if over := next.Sub(now) - l.rate.Per; over > 0 {
		return over
	}
	if count {
		l.sweep(now)
		if b = l.keys[key]; b != nil {
			b.tat = next
			heap.Fix(&l.order, b.index)
			return 0
		}
		if len(l.keys) >= maxLimiterKeys {
			delete(l.keys, heap.Pop(&l.order).(*bucket).key)
		}
		b = &bucket{key: key, tat: next}
		heap.Push(&l.order, b)
		l.keys[key] = b
	}
	return 0
}

// give takes back one event of key (one that turned out not to count).
func (l *limiter) give(key string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.keys[key]; ok {
		b.tat = b.tat.Add(-l.interval())
		heap.Fix(&l.order, b.index)
	}
}

// sweep forgets the keys whose bucket is full again: forgetting them
// changes no answer.
func (l *limiter) sweep(now time.Time) {
	for len(l.order) > 0 && !l.order[0].tat.After(now) {
		delete(l.keys, heap.Pop(&l.order).(*bucket).key)
	}
}

// size is how many keys the limiter holds.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// bucketHeap orders buckets by tat, earliest first (container/heap).
type bucketHeap []*bucket

func (h bucketHeap) Len() int           { return len(h) }
func (h bucketHeap) Less(i, j int) bool { return h[i].tat.Before(h[j].tat) }
func (h bucketHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *bucketHeap) Push(x any) {
	b := x.(*bucket)
	b.index = len(*h)
	*h = append(*h, b)
}
func (h *bucketHeap) Pop() any {
	old := *h
	b := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return b
}

// retrySeconds is a wait as Retry-After: whole seconds, at least 1.
func retrySeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// abuse holds the limiters of one handler.
type abuse struct {
	authFailures *limiter
	creates      *limiter
	comments     *limiter
}

func newAbuse(rl RateLimits) *abuse {
	return &abuse{authFailures: newLimiter(rl.AuthFailures, rl.Now), creates: newLimiter(rl.Creates, rl.Now),
		comments: newLimiter(rl.Comments, rl.Now)}
}

// clientKey is the failure key of the request's client address (see
// clientAddr: behind a trusted reverse proxy, the address it forwarded),
// or its /64 for IPv6, which one machine usually holds whole.
func clientKey(r *http.Request) string {
	host := support.RemoteFrom(r.Context())
	if host == "" {
		host = remoteHost(r.RemoteAddr)
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return "a:" + host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "a:" + p.String()
	}
	return "a:" + a.String()
}

// prefixKey is the failure key of a token's prefix, hashed so that not
// even part of a token sits in memory in clear.
func prefixKey(token string) string {
	if len(token) > tokenPrefixLen {
		token = token[:tokenPrefixLen]
	}
	h := sha256.Sum256([]byte(token))
	return "p:" + hex.EncodeToString(h[:8])
}

// authWait answers 429 when the request's address or its token's prefix
// sent too many bad tokens lately; the token is then not checked.
func (s *server) authWait(w http.ResponseWriter, r *http.Request, token string) bool {
	l := s.abuse.authFailures
	if l == nil {
		return false
	}
	wait := max(l.wait(clientKey(r)), l.wait(prefixKey(token)))
	if wait == 0 {
		return false
	}
	s.fail(w, r, &support.Error{Code: support.ERATELIMITED, Key: "error.auth_rate_limited",
		Params: map[string]string{"seconds": strconv.Itoa(retrySeconds(wait))}, RetryAfter: retrySeconds(wait)})
	return true
}

// authFailed counts a bad token against its address and its prefix, and
// logs (without the token) when that crosses the limit.
func (s *server) authFailed(r *http.Request, token string) {
	l := s.abuse.authFailures
	if l == nil {
		return
	}
	addr, prefix := clientKey(r), prefixKey(token)
	l.take(addr)
	l.take(prefix)
	if addrWaits, prefixWaits := l.wait(addr) > 0, l.wait(prefix) > 0; addrWaits || prefixWaits {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "authentication failures over the limit",
			slog.String("client", addr[2:]), slog.Bool("address_limited", addrWaits),
			slog.Bool("token_prefix_limited", prefixWaits), slog.String("limit", l.rate.String()))
		// Once per lockout (the requests it refuses are not checked, so
		// not audited one by one: a flood cannot fill the audit log).
		s.audit(r, support.AuditEntry{Action: support.AuditDenied, Target: r.Pattern,
			Detail: fmt.Sprintf("bad tokens over the limit (%s): address locked out %t, token prefix locked out %t",
				l.rate, addrWaits, prefixWaits)})
	}
}

// limitCreates lets each user create at most the Creates limit of
// tickets; an answer other than 201 (a replay, a refusal) gives the turn
// back.
func (s *server) limitCreates(next http.HandlerFunc) http.HandlerFunc {
	return s.perPerson(func(a *abuse) *limiter { return a.creates }, "error.create_rate_limited", false, next)
}

// limitComments lets each reporter add at most the Comments limit of
// comments; staff answer as often as they need.
func (s *server) limitComments(next http.HandlerFunc) http.HandlerFunc {
	return s.perPerson(func(a *abuse) *limiter { return a.comments }, "error.comment_rate_limited", true, next)
}

// perPerson counts the 201 answers of next per user against the limiter
// of which (staff are not counted when reportersOnly); over the limit, it
// answers 429 with the message msgKey.
func (s *server) perPerson(which func(*abuse) *limiter, msgKey string, reportersOnly bool, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l := which(s.abuse)
		u := support.UserFrom(r.Context())
		if l == nil || u == nil || (reportersOnly && u.Role.IsStaff()) {
			next(w, r)
			return
		}
		key := "u:" + strconv.FormatInt(u.ID, 10)
		if wait := l.take(key); wait > 0 {
			secs := retrySeconds(wait)
			s.fail(w, r, &support.Error{Code: support.ERATELIMITED, Key: msgKey,
				Params:     map[string]string{"seconds": strconv.Itoa(secs), "limit": l.rate.String()},
				RetryAfter: secs})
			return
		}
		rec := &statusRecorder{ResponseWriter: w}
		next(rec, r)
		if rec.status != http.StatusCreated {
			l.give(key)
		}
	}
}

// Timeouts are the HTTP server's limits on slow or idle clients.
type Timeouts struct {
	// ReadHeader bounds the TLS handshake and the request's headers: a
	// client that trickles them in (slowloris) is cut off.
	ReadHeader time.Duration
	// Read bounds the whole request, body included: enough for a full
	// ticket of attachments on a slow school line (25 MiB at about
	// 100 KiB/s). Event streams clear it: they send no body.
	Read time.Duration
	// Idle is how long a kept-alive connection waits for its next request.
	Idle time.Duration
	// MaxHeaderBytes bounds the request line and headers (431 beyond;
	// net/http allows 4 KiB of slack on top).
	MaxHeaderBytes int
	// Write bounds each write of an event stream or a download (handed
	// to the handler as ServerConfig.WriteTimeout): a client that reads
	// nothing is dropped after it, however long the answer.
	Write time.Duration
}

// Default timeouts.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 5 * time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultWriteTimeout      = 30 * time.Second
)

// OrDefaults returns t with each zero value replaced by its default.
func (t Timeouts) OrDefaults() Timeouts {
	if t.ReadHeader <= 0 {
		t.ReadHeader = DefaultReadHeaderTimeout
	}
	if t.Read <= 0 {
		t.Read = DefaultReadTimeout
	}
	if t.Idle <= 0 {
		t.Idle = DefaultIdleTimeout
	}
	if t.MaxHeaderBytes <= 0 {
		t.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if t.Write <= 0 {
		t.Write = DefaultWriteTimeout
	}
	return t
}
