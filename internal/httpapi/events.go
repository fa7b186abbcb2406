package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// DefaultHeartbeat is how often an idle event stream gets a comment line,
// so that proxies and clients see the connection is alive. The caller's
// token is checked again at each one.
const DefaultHeartbeat = 15 * time.Second

// DefaultMaxStreamsPerUser is how many event streams one person may hold
// open at once: a few terminals and browser tabs, not a connection flood.
const DefaultMaxStreamsPerUser = 16

// errStreamRevoked ends a stream whose token no longer authenticates
// (disabled person, rotated or expired token).
var errStreamRevoked = errors.New("token no longer valid")

// errStreamStalled ends a stream whose client did not take a write within
// the write timeout.
var errStreamStalled = errors.New("client not reading")

// getEvents streams a ticket's events as server-sent events: those after
// Last-Event-ID (or ?after=), then each change as it happens, each with
// its id, flushed at once; a comment line every heartbeat while idle. A
// ticket the caller cannot see is a 404 before the stream starts.
//
// A stream lasts no longer than its right to: at each heartbeat the token
// is authenticated again, and the stream ends when it no longer does. A
// client that does not read is dropped after the write timeout, and one
// person holds at most MaxStreamsPerUser streams (429 beyond).
func (s *server) getEvents(w http.ResponseWriter, r *http.Request) {
	n, err := pathNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	after, err := afterID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	backlog, err := s.cfg.Events.Events(r.Context(), n, after, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	beat := s.cfg.Heartbeat
	if beat <= 0 {
		beat = DefaultHeartbeat
	}
	user := support.UserFrom(r.Context())
	if user != nil {
		if !s.streams.acquire(user.ID) {
			secs := retrySeconds(beat)
			s.fail(w, r, &support.Error{Code: support.ERATELIMITED, Key: "error.too_many_streams",
				Params:     map[string]string{"max": strconv.Itoa(s.streams.max), "seconds": strconv.Itoa(secs)},
				RetryAfter: secs})
			return
		}
		defer s.streams.release(user.ID)
	}
	token, _ := bearerToken(r.Header.Get("Authorization"))
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()

	rc := http.NewResponseController(w)
	// The server's ReadTimeout would end a stream that lasts longer (its
	// background read fails and cancels the request): a stream has no
	// body left to read, so its connection gets no read deadline.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)

	var (
		mu     sync.Mutex // the heartbeat and the events write to w
		reason error      // why the server ended the stream, if it did
	)
	// stop ends the stream for a reason of the server's own. (Not as the
	// context's cause: a failed write cancels the request's context
	// first, with a cause of its own.)
	stop := func(why error) {
		if reason == nil {
			reason = why
		}
		cancel()
	}
	write := func(b []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if err := ctx.Err(); err != nil {
			return err
		}
		// Each write has its deadline, left in place afterwards: the
		// last bytes net/http writes when the handler returns are
		// bounded too.
		_ = rc.SetWriteDeadline(time.Now().Add(s.writeTimeout()))
		_, err := w.Write(b)
		if err == nil {
			err = rc.Flush()
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			stop(errStreamStalled)
		} else if err != nil {
			cancel() // the client went away
		}
		return err
	}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		s.logStreamEnd(r, reason)
	}()
	if err := write([]byte("retry: 2000\n\n")); err != nil {
		return
	}
	send := func(e support.Event) error {
		return write(sseEvent(e))
	}
	for _, e := range backlog {
		if err := send(e); err != nil {
			return
		}
		after = e.ID
	}

	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(beat)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if user != nil && !s.stillValid(ctx, token, user.ID) {
					mu.Lock()
					stop(errStreamRevoked)
					mu.Unlock()
					return
				}
				if write([]byte(": heartbeat\n\n")) != nil {
					return
				}
			}
		}
	}()
	if err := s.cfg.Events.Follow(ctx, n, after, send); err != nil && ctx.Err() == nil {
		s.log.Warn("event stream ended", "err", err)
	}
}

// stillValid authenticates a stream's token again: one indexed lookup per
// heartbeat. Only a definite "no" ends the stream; a database that cannot
// answer right now does not.
func (s *server) stillValid(ctx context.Context, token string, userID int64) bool {
	if s.cfg.Auth == nil {
		return true
	}
	u, err := s.cfg.Auth.Authenticate(ctx, token)
	if err != nil {
		return support.ErrorCode(err) != support.EUNAUTHENTICATED
	}
	return u != nil && u.ID == userID && !u.Disabled
}

// logStreamEnd says why the server ended a stream, when it was the server.
func (s *server) logStreamEnd(r *http.Request, cause error) {
	var user int64
	if u := support.UserFrom(r.Context()); u != nil {
		user = u.ID
	}
	switch cause {
	case errStreamStalled:
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "event stream dropped",
			slog.String("path", r.URL.Path), slog.Int64("user", user), slog.String("reason", cause.Error()),
			slog.Duration("write_timeout", s.writeTimeout()))
	case errStreamRevoked:
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "event stream closed",
			slog.String("path", r.URL.Path), slog.Int64("user", user), slog.String("reason", cause.Error()))
	}
}

// writeTimeout bounds each write of a stream or a download.
func (s *server) writeTimeout() time.Duration {
	if s.cfg.WriteTimeout > 0 {
		return s.cfg.WriteTimeout
	}
	return DefaultWriteTimeout
}

// streamCounter counts each person's open event streams.
type streamCounter struct {
	max  int
	mu   sync.Mutex
	open map[int64]int
}

func newStreamCounter(max int) *streamCounter {
	if max <= 0 {
		max = DefaultMaxStreamsPerUser
	}
	return &streamCounter{max: max, open: map[int64]int{}}
}

// acquire takes one of user's stream slots; false when all are taken.
func (c *streamCounter) acquire(user int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[user] >= c.max {
		return false
	}
	c.open[user]++
	return true
}

func (c *streamCounter) release(user int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[user]--; c.open[user] <= 0 {
		delete(c.open, user)
	}
}

// sseEvent is one event on the wire: its id and its JSON on one data line.
func sseEvent(e support.Event) []byte {
	b, _ := json.Marshal(e) // an Event always marshals
	var buf bytes.Buffer
	buf.WriteString("id: ")
	buf.WriteString(strconv.FormatInt(e.ID, 10))
	buf.WriteString("\nevent: ")
	buf.WriteString(e.Kind)
	buf.WriteString("\ndata: ")
	buf.Write(b)
	buf.WriteString("\n\n")
	return buf.Bytes()
}

// afterID is where a stream resumes: the Last-Event-ID header a
// reconnecting client sends, else ?after=, else 0 (from the start).
func afterID(r *http.Request) (int64, error) {
	v, field := r.Header.Get("Last-Event-ID"), "Last-Event-ID"
	if v == "" {
		v, field = r.URL.Query().Get("after"), "after"
	}
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || id < 0 {
		return 0, support.InvalidFields([]support.FieldError{{Field: field, Rule: support.RuleSyntax,
			Params: map[string]string{"reason": "0, 1, 2…"}}})
	}
	return id, nil
}
