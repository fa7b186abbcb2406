// Package redmine files and follows tickets in a Redmine 5 through its
// REST API, behind the same domain interfaces as our own server's client
// (support.TicketService, WorkflowService, Follower) and support.Doctor:
// commands do not know which system they talk to.
//
// The ENT fields land in the project's custom fields, found by name; the
// priorities and statuses are Redmine's, found by name too. What Redmine
// accepts silently (an unknown custom field, a status change the role's
// workflow forbids) is caught by reading the issue back. Redmine has no
// idempotency key: the ticket's key is written into the issue's
// description, and searched for before any create (see CreateTicket).
package redmine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/support"
)

// Config says which Redmine to talk to, as whom, and where tickets go.
type Config struct {
	BaseURL string // e.g. http://127.0.0.1:8082
	Key     string // the user's API key
	Project string // the project's identifier
	Tracker string // the tracker's name
	Prefix  string // shows issue ids as PREFIX-N; "" shows them bare
	// Fields renames the custom fields (by ENT field key: function, phone,
	// establishment, city, population, location), the priorities
	// (priority.bloquante…) and the statuses (status.en_attente…).
	Fields map[string]string
	// StateDir keeps the journal of idempotency keys sent (helpdesk);
	// "" keeps none (every create then searches for its marker first).
	StateDir  string
	Lang      string // sent as Accept-Language; doctor's language
	UserAgent string
	Timeout   time.Duration // one request; default 30 s
	// Transport, when set, replaces the default one (tests, CAs).
	Transport http.RoundTripper
	// PollInterval is follow's interval (helpdesk.DefaultPollInterval).
	PollInterval time.Duration
}

// Client speaks to one Redmine project as one user.
type Client struct {
	cfg     Config
	base    string
	hc      *http.Client
	names   helpdesk.Names
	nums    helpdesk.Numbers
	journal *helpdesk.Journal

	mu     sync.Mutex
	found  *catalog // what discovery learnt, once per process
	cached bool     // found came from the state directory's cache
}

// Client is a back end like our server's client: the same interfaces.
var _ interface {
	support.TicketService
	support.WorkflowService
	support.Follower
	support.Doctor
} = (*Client)(nil)

// New checks cfg; nothing is sent yet.
func New(cfg Config) (*Client, error) {
	base, err := helpdesk.BaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "ent-support"
	}
	if strings.TrimSpace(cfg.Project) == "" {
		return nil, support.Errorf(support.EINVALID, "redmine.no_project", nil)
	}
	tr := cfg.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	c := &Client{cfg: cfg, base: base, hc: &http.Client{Transport: tr},
		names: helpdesk.NamesFor(fieldKeys, cfg.Fields), nums: helpdesk.Numbers{Prefix: cfg.Prefix}}
	if cfg.StateDir != "" {
		c.journal = &helpdesk.Journal{Dir: filepath.Join(cfg.StateDir, "helpdesk", "sent")}
	}
	return c, nil
}

// String names the client by its server, never its key.
func (c *Client) String() string { return fmt.Sprintf("redmine.Client(%s)", c.base) }

// Retry policy of idempotent reads: a few tries on transport errors and
// 429/502/503/504, Retry-After honoured up to retryMaxWait. Writes are
// never retried blindly (see CreateTicket for how a create is resent).
const (
	retryCount   = 3
	retryWait    = 250 * time.Millisecond
	retryMaxWait = 10 * time.Second
	maxAnswer    = 32 << 20
)

// request is one call: method, path (with query), an optional body.
type request struct {
	method, path string
	query        url.Values
	body         io.Reader
	size         int64  // of body, -1 unknown
	contentType  string // of body
	retry        bool
}

// answer is a read answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends r and reads the whole answer; an error answer (>= 400) becomes
// the *support.Error it means.
func (c *Client) do(ctx context.Context, r request) (*answer, error) {
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, r.method, u, r.body)
		if err != nil {
			return nil, err
		}
		if r.body != nil {
			req.Header.Set("Content-Type", r.contentType)
			if r.size >= 0 {
				req.ContentLength = r.size
			}
		}
		c.setHeaders(req)
		cctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		resp, err := c.hc.Do(req.WithContext(cctx))
		var a *answer
		if err == nil {
			var body []byte
			body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
			resp.Body.Close()
			a = &answer{status: resp.StatusCode, header: resp.Header, body: body}
		}
		cancel()
		status := 0
		if a != nil {
			status = a.status
		}
		if !r.retry || attempt == retryCount || !shouldRetry(ctx, status, err) {
			if err != nil {
				return nil, c.transportError(ctx, err)
			}
			if a.status >= 400 {
				return nil, c.answerError(a)
			}
			return a, nil
		}
		d := retryWait << attempt
		if a != nil {
			if ra := retryAfter(a.header); ra > 0 {
				d = ra
			}
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, c.transportError(ctx, ctx.Err())
		}
	}
}

func (c *Client) setHeaders(req *http.Request) {
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if c.cfg.Lang != "" {
		req.Header.Set("Accept-Language", c.cfg.Lang)
	}
	if c.cfg.Key != "" {
		req.Header.Set("X-Redmine-API-Key", c.cfg.Key)
	}
}

// getJSON reads path into out, retried.
func (c *Client) getJSON(ctx context.Context, path string, q url.Values, out any) error {
	a, err := c.do(ctx, request{method: http.MethodGet, path: path, query: q, retry: true})
	if err != nil {
		return err
	}
	return c.decode(a, out)
}

// sendJSON sends in as JSON once and decodes the answer into out (when
// not nil and the answer has a body).
func (c *Client) sendJSON(ctx context.Context, method, path string, in, out any) (*answer, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	a, err := c.do(ctx, request{method: method, path: path, body: bytes.NewReader(b), size: int64(len(b)),
		contentType: "application/json"})
	if err != nil {
		return nil, err
	}
	if out != nil && len(bytes.TrimSpace(a.body)) > 0 {
		return a, c.decode(a, out)
	}
	return a, nil
}

func (c *Client) decode(a *answer, out any) error {
	if err := json.Unmarshal(a.body, out); err != nil {
		return c.badResponse(a.status)
	}
	return nil
}

func (c *Client) badResponse(status int) error {
	return support.Errorf(support.EINTERNAL, "redmine.bad_response", map[string]string{"server": c.base, "status": strconv.Itoa(status)})
}

// answerError turns an error answer into a *support.Error. Redmine's 422
// carries {"errors": [...]}, already in the user's language (the account's,
// French here): kept as they are, one line each.
func (c *Client) answerError(a *answer) error {
	var e struct {
		Errors []string `json:"errors"`
	}
	_ = json.Unmarshal(a.body, &e)
	msg := strings.Join(e.Errors, " ; ")
	switch {
	case a.status == http.StatusUnauthorized:
		return support.Errorf(support.EUNAUTHENTICATED, "redmine.unauthenticated", map[string]string{"server": c.base})
	case a.status == http.StatusForbidden:
		return support.Errorf(support.EFORBIDDEN, "redmine.forbidden", map[string]string{"server": c.base})
	case a.status == http.StatusNotFound:
		return support.Errorf(support.ENOTFOUND, "redmine.not_found", nil)
	case a.status == http.StatusUnprocessableEntity && msg != "":
		return support.Errorf(support.EINVALID, "redmine.refused", map[string]string{"errors": msg})
	case a.status == http.StatusTooManyRequests:
		return &support.Error{Code: support.ERATELIMITED, Key: "code.rate_limited",
			Params: map[string]string{"server": c.base}, RetryAfter: int(retryAfter(a.header) / time.Second)}
	case a.status >= 500:
		return &support.Error{Code: support.EUNAVAILABLE, Key: "redmine.server_error",
			Params: map[string]string{"server": c.base, "status": strconv.Itoa(a.status)}, RetryAfter: int(retryAfter(a.header) / time.Second)}
	}
	return c.badResponse(a.status)
}

// transportError: the caller's cancellation as it is, anything else
// "unreachable" (which keeps a new ticket in the outbox).
func (c *Client) transportError(ctx context.Context, err error) error {
	if ctx.Err() == context.Canceled {
		return ctx.Err()
	}
	var se *support.Error
	if errors.As(err, &se) {
		return se
	}
	return helpdesk.Unreachable(c.base, 0)
}

// shouldRetry: transport failures other than the caller's own end, and the
// statuses that mean "later".
func shouldRetry(ctx context.Context, status int, err error) bool {
	if err != nil {
		var ne net.Error
		return ctx.Err() == nil && !(errors.As(err, &ne) && ne.Timeout())
	}
	return status == http.StatusTooManyRequests || status == http.StatusBadGateway ||
		status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// retryAfter reads a Retry-After in seconds (what proxies in front of
// Redmine send), capped at retryMaxWait.
func retryAfter(h http.Header) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || n < 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, retryMaxWait)
}
