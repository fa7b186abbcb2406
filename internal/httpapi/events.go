package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// DefaultHeartbeat is how often an idle event stream gets a comment line,
// so that proxies and clients see the connection is alive.
const DefaultHeartbeat = 15 * time.Second

// getEvents streams a ticket's events as server-sent events: those after
// Last-Event-ID (or ?after=), then each change as it happens, each with
// its id, flushed at once; a comment line every heartbeat while idle. A
// ticket the caller cannot see is a 404 before the stream starts.
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
	ctx := r.Context()
	backlog, err := s.cfg.Events.Events(ctx, n, after, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
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

	var mu sync.Mutex // the heartbeat and the events write to w
	write := func(b []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if _, err := w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	}
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

	beat := s.cfg.Heartbeat
	if beat <= 0 {
		beat = DefaultHeartbeat
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
