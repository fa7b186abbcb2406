// Package redmine files and follows tickets in a Redmine 5 through its
// REST API, behind the same domain interfaces as our own server's client
// (support.InfoService, Tickets, Identity, WorkflowService, Follower) and
// support.Doctor: commands do not know which system they talk to. Redmine
// has no directory of establishments, and its accounts hold no phone
// (support.Directory, ContactEditor): the factory says so to commands
// that need them.
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
	"fmt"
	"io"
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
	// CAFile adds a territory's own CA to the system roots.
	CAFile string
	// Transport, when set, replaces the one built from CAFile (tests).
	Transport http.RoundTripper
	// PollInterval is follow's interval (helpdesk.DefaultPollInterval).
	PollInterval time.Duration
}

// Client speaks to one Redmine project as one user.
type Client struct {
	cfg     Config
	base    string
	h       *helpdesk.HTTP
	names   helpdesk.Names
	nums    helpdesk.Numbers
	journal *helpdesk.Journal

	mu     sync.Mutex
	found  *catalog // what discovery learnt, once per process
	cached bool     // found came from the state directory's cache
}

// The interfaces the client implements, and no other: the factory's
// Redmine constructor gives commands these capabilities.
var (
	_ support.InfoService     = (*Client)(nil)
	_ support.Tickets         = (*Client)(nil)
	_ support.Identity        = (*Client)(nil)
	_ support.WorkflowService = (*Client)(nil)
	_ support.Follower        = (*Client)(nil)
	_ support.Doctor          = (*Client)(nil)
)

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
	key := cfg.Key
	h, err := helpdesk.NewHTTP(helpdesk.HTTPConfig{Server: base, CAFile: cfg.CAFile, Transport: cfg.Transport,
		Timeout: cfg.Timeout, MaxAnswer: maxAnswer, UserAgent: cfg.UserAgent, Lang: cfg.Lang,
		Credentials: func(req *http.Request) {
			if key != "" {
				req.Header.Set("X-Redmine-API-Key", key)
			}
		}})
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, base: base, h: h,
		names: helpdesk.NamesFor(fieldKeys, cfg.Fields), nums: helpdesk.Numbers{Prefix: cfg.Prefix}}
	if cfg.StateDir != "" {
		c.journal = &helpdesk.Journal{Dir: filepath.Join(cfg.StateDir, "helpdesk", "sent")}
	}
	return c, nil
}

// String names the client by its server, never its key.
func (c *Client) String() string { return fmt.Sprintf("redmine.Client(%s)", c.base) }

// maxAnswer caps what is read of one answer.
const maxAnswer = 32 << 20

// request is one call: method, path (with query), an optional body.
type request struct {
	method, path string
	query        url.Values
	body         func() (io.ReadCloser, string, int64, error) // fresh per try
	retry        bool
	timeout      time.Duration // replaces the call's (uploads)
}

// answer is a read answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends r through the shared HTTP layer and reads the whole answer; an
// error answer (>= 400) becomes the *support.Error it means.
func (c *Client) do(ctx context.Context, r request) (*answer, error) {
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	h, err := c.h.Do(ctx, helpdesk.Request{Method: r.method, URL: u, Body: r.body, Retry: r.retry, Timeout: r.timeout})
	if err != nil {
		return nil, err
	}
	a := &answer{status: h.Status, header: h.Header, body: h.Body}
	if a.status >= 400 {
		return nil, c.answerError(a)
	}
	return a, nil
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
	a, err := c.do(ctx, request{method: method, path: path, body: func() (io.ReadCloser, string, int64, error) {
		return io.NopCloser(bytes.NewReader(b)), "application/json", int64(len(b)), nil
	}})
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
			Params: map[string]string{"server": c.base}, RetryAfter: c.h.RetryAfter(&helpdesk.Answer{Header: a.header})}
	case a.status >= 500:
		return &support.Error{Code: support.EUNAVAILABLE, Key: "redmine.server_error",
			Params: map[string]string{"server": c.base, "status": strconv.Itoa(a.status)}, RetryAfter: c.h.RetryAfter(&helpdesk.Answer{Header: a.header})}
	}
	return c.badResponse(a.status)
}
