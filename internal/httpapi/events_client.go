package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/ent-support/ent-support/internal/httpclient"
	"github.com/ent-support/ent-support/internal/support"
)

var _ support.Follower = (*Client)(nil)

// streamIdle is how long a stream may stay silent before the client takes
// it for broken and reconnects: two heartbeats missed, and some slack.
var streamIdle = 2*DefaultHeartbeat + 5*time.Second

// maxEventLine caps one line of the stream (a comment's body as JSON).
const maxEventLine = 1 << 20

// Follow reads the ticket's event stream and calls fn with each event, in
// order. A broken connection (transport error, 5xx, 429, a silent stream)
// is reopened after a capped, jittered backoff, resuming after the last
// event fn got: nothing is missed and nothing is given twice. An answer
// that will not change by retrying (401, 404, 400...) is returned.
func (c *Client) Follow(ctx context.Context, n support.Number, afterID int64, fn func(support.Event) error) error {
	attempt := 0
	for {
		got, err := c.followOnce(ctx, n, &afterID, fn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var fe *fnError
		if errors.As(err, &fe) {
			return fe.err
		}
		var se *support.Error
		if errors.As(err, &se) && se.Code != support.EUNAVAILABLE && se.Code != support.ERATELIMITED && se.Code != support.EINTERNAL ||
			httpclient.RedirectRefused(err) {
			return err
		}
		if got {
			attempt = 0 // the stream worked: start the backoff over
		}
		wait := backoff(attempt)
		if se != nil && se.RetryAfter > 0 {
			wait = max(wait, time.Duration(se.RetryAfter)*time.Second)
		}
		attempt++
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// fnError carries the caller's own error out of followOnce.
type fnError struct{ err error }

func (e *fnError) Error() string { return e.err.Error() }

// followOnce opens the stream once and reads it until it breaks. connected
// says whether the server answered 200.
func (c *Client) followOnce(ctx context.Context, n support.Number, after *int64, fn func(support.Event) error) (connected bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.api+ticketPath(n)+"/events", nil)
	if err != nil {
		return false, err
	}
	c.setHeaders(req)
	req.Header.Set("Accept", "text/event-stream, application/problem+json")
	if *after > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(*after, 10))
	}
	// The watchdog ends a stream silent for too long (a dead peer that
	// never closed the connection); it covers the wait for the headers too.
	watchdog := time.AfterFunc(streamIdle, cancel)
	defer watchdog.Stop()
	resp, err := c.stream.Do(req)
	if err != nil {
		return false, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
		if resp.StatusCode < 400 {
			return false, c.badResponse(resp.StatusCode)
		}
		return false, c.problemError(resp.StatusCode, resp.Header, body)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		return false, c.badResponse(resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventLine)
	var data bytes.Buffer
	for sc.Scan() {
		watchdog.Reset(streamIdle)
		line := sc.Bytes()
		if len(line) == 0 { // the end of an event
			if data.Len() > 0 {
				var e support.Event
				if err := json.Unmarshal(data.Bytes(), &e); err != nil {
					return true, c.badResponse(resp.StatusCode)
				}
				data.Reset()
				if e.ID <= *after {
					continue // already given (a server replaying): never twice
				}
				if err := fn(e); err != nil {
					return true, &fnError{err}
				}
				*after = e.ID
			}
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "data":
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.Write(value)
		case "": // a comment: the heartbeat
		}
	}
	// The stream ended: the server went away or the watchdog fired.
	return true, support.Errorf(support.EUNAVAILABLE, "error.unreachable", map[string]string{"server": c.server})
}
