// Package rt is the back end for Request Tracker 5, through its REST2 API:
// it implements support.InfoService, Tickets, Identity, WorkflowService,
// Follower, Doctor and TokenChecker, so commands do not know they talk to
// RT. It has no directory and cannot change a person's contact details
// (support.Directory, ContactEditor): the factory says so to commands
// that need them.
//
// RT accepts a lot silently (a priority label stored as text, a ticket no
// requestor can read, unknown custom fields, 200 answers whose text says
// it failed); this client sends numbers and the requestor always, checks
// values against the queue's custom fields before sending, reads the
// ticket back after creating it, and reads the texts of 200 answers. What
// RT and Redmine share lives in internal/helpdesk.
package rt

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/support"
)

// Config says which RT, which queue, and as whom.
type Config struct {
	BaseURL string // http://rt.example.org (RT's WebBaseURL + WebPath)
	Token   string // an RT auth token: "1-14-…"
	Queue   string
	Prefix  string            // numbers show as PREFIX-id
	Fields  map[string]string // custom-field names by ENT field key (helpdesk)
	// StateDir keeps the journal of keys sent and the cached field
	// definitions; "" keeps nothing (every create searches first).
	StateDir     string
	UserAgent    string
	Timeout      time.Duration // one request; default 30 s
	PollInterval time.Duration // follow; default helpdesk.DefaultPollInterval
	// CAFile adds a territory's own CA to the system roots.
	CAFile string
	// Transport, when set, replaces the one built from CAFile (tests).
	Transport http.RoundTripper
	Now       func() time.Time
	// T writes doctor's texts in the reader's language (keys of the
	// locale catalogs); the keys themselves when nil.
	T func(key string, params map[string]string) string
}

// Client talks to one RT queue.
type Client struct {
	base, api string
	h         *helpdesk.HTTP
	timeout   time.Duration
	queue     string
	names     helpdesk.Names
	nums      helpdesk.Numbers
	journal   *helpdesk.Journal
	cache     string // the field definitions' cache file, or ""
	poll      time.Duration
	now       func() time.Time
	t         func(key string, params map[string]string) string
	users     sync.Map // user names by id (ownerNames)
}

// The interfaces the client implements, and no other: the factory's RT
// constructor gives commands these capabilities.
var (
	_ support.InfoService     = (*Client)(nil)
	_ support.Tickets         = (*Client)(nil)
	_ support.Identity        = (*Client)(nil)
	_ support.WorkflowService = (*Client)(nil)
	_ support.Follower        = (*Client)(nil)
	_ support.Doctor          = (*Client)(nil)
	_ support.TokenChecker    = (*Client)(nil)
)

// New checks cfg; nothing is sent yet.
func New(cfg Config) (*Client, error) {
	base, err := helpdesk.BaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.Queue) == "" {
		return nil, support.Errorf(support.EINVALID, "rt.no_queue", nil)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "ent-support"
	}
	token := cfg.Token
	h, err := helpdesk.NewHTTP(helpdesk.HTTPConfig{Server: base, CAFile: cfg.CAFile, Transport: cfg.Transport,
		Timeout: cfg.Timeout, MaxAnswer: maxAnswer, UserAgent: cfg.UserAgent,
		Credentials: func(req *http.Request) {
			if token != "" {
				req.Header.Set("Authorization", "token "+token)
			}
		}})
	if err != nil {
		return nil, err
	}
	c := &Client{base: base, api: base + "/REST/2.0", h: h, timeout: cfg.Timeout,
		queue: strings.TrimSpace(cfg.Queue),
		names: helpdesk.NamesFor(helpdesk.FieldKeys, cfg.Fields), nums: helpdesk.Numbers{Prefix: cfg.Prefix},
		poll: cfg.PollInterval, now: cfg.Now, t: cfg.T}
	if c.t == nil {
		c.t = func(key string, _ map[string]string) string { return key }
	}
	if cfg.StateDir != "" {
		dir := filepath.Join(cfg.StateDir, "helpdesk")
		c.journal = &helpdesk.Journal{Dir: filepath.Join(dir, "sent"), Now: cfg.Now}
		c.cache = filepath.Join(dir, "rt-fields-"+cacheName(base, c.queue)+".json")
	}
	return c, nil
}

// answer is what RT said.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// request is one call: a JSON body, or a body built by a function (a
// streamed multipart form) with its content type.
type request struct {
	method, path string
	query        url.Values
	json         any
	body         func() (io.ReadCloser, string, error)
	// retry: a read (or a write RT makes idempotent) may be tried again
	// after a failure that got no answer; a create never is (helpdesk.Once).
	retry bool
	// ticket: 403 means "not yours", shown as not found, so that numbers
	// cannot be probed.
	ticket bool
	// timeout, when set, replaces the client's (uploads).
	timeout time.Duration
	// anonymous: sent without the token (doctor's first check).
	anonymous bool
}

// maxAnswer caps what is read of one answer: RT's ticket histories with
// their texts are large.
const maxAnswer = 64 << 20

// do sends r through the shared HTTP layer and returns a 2xx answer, or
// the error RT's answer means.
func (c *Client) do(ctx context.Context, r request) (*answer, error) {
	a, err := c.once(ctx, r)
	if err != nil {
		return nil, err
	}
	if a.status < 200 || a.status >= 300 {
		err := c.errorOf(a, r.ticket)
		c.nameTicket(err, r.path)
		return nil, err
	}
	return a, nil
}

// nameTicket gives a "ticket not found" the number of the ticket of path,
// which its message shows.
func (c *Client) nameTicket(err error, path string) {
	e, ok := err.(*support.Error)
	if !ok || e.Key != "error.ticket_not_found" || e.Params != nil {
		return
	}
	// path is /ticket/<id>[/...]
	rest, ok := strings.CutPrefix(path, "/ticket/")
	if !ok {
		return
	}
	digits, _, _ := strings.Cut(rest, "/")
	if id, err := strconv.ParseInt(digits, 10, 64); err == nil && id > 0 {
		e.Params = map[string]string{"number": c.nums.Number(id).String()}
	}
}

// once is r as the HTTP layer sends it, answered with any status.
func (c *Client) once(ctx context.Context, r request) (*answer, error) {
	u := c.api + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	hr := helpdesk.Request{Method: r.method, URL: u, Retry: r.retry, Timeout: r.timeout, Anonymous: r.anonymous}
	if r.json != nil {
		b, err := json.Marshal(r.json)
		if err != nil {
			return nil, err
		}
		hr.Body = func() (io.ReadCloser, string, int64, error) {
			return io.NopCloser(bytes.NewReader(b)), "application/json", int64(len(b)), nil
		}
	} else if r.body != nil {
		hr.Body = func() (io.ReadCloser, string, int64, error) {
			rc, ct, err := r.body()
			return rc, ct, -1, err
		}
	}
	a, err := c.h.Do(ctx, hr)
	if err != nil {
		return nil, err
	}
	return &answer{status: a.Status, header: a.Header, body: a.Body}, nil
}

// rtMessage is RT's error body.
type rtMessage struct {
	Message string `json:"message"`
}

// errorOf turns a non-2xx answer into the domain's error.
func (c *Client) errorOf(a *answer, ticket bool) error {
	var m rtMessage
	_ = json.Unmarshal(a.body, &m)
	msg := strings.TrimSpace(m.Message)
	switch a.status {
	case http.StatusUnauthorized:
		return support.Errorf(support.EUNAUTHENTICATED, "error.bad_token", nil)
	case http.StatusForbidden:
		if ticket {
			return support.Errorf(support.ENOTFOUND, "error.ticket_not_found", nil)
		}
		return support.Errorf(support.EFORBIDDEN, "rt.forbidden", map[string]string{"message": msg})
	case http.StatusNotFound:
		return support.Errorf(support.ENOTFOUND, "error.ticket_not_found", nil)
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		// A message to a ticket that does not exist, or that the caller
		// may not see, is 400 "Permission Denied": not found, as a 403.
		if ticket && strings.HasPrefix(strings.ToLower(msg), "permission denied") {
			return support.Errorf(support.ENOTFOUND, "error.ticket_not_found", nil)
		}
		return support.Errorf(support.EINVALID, "rt.refused", map[string]string{"message": msg})
	case http.StatusConflict:
		return support.Errorf(support.ECONFLICT, "rt.refused", map[string]string{"message": msg})
	case http.StatusRequestEntityTooLarge:
		return support.Errorf(support.ETOOLARGE, "error.too_large", nil)
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout,
		http.StatusRequestTimeout:
		e := helpdesk.Unreachable(c.base, c.h.RetryAfter(&helpdesk.Answer{Header: a.header})).(*support.Error)
		if a.status == http.StatusTooManyRequests {
			e.Code = support.ERATELIMITED
		}
		return e
	}
	return support.Errorf(support.EINTERNAL, "rt.server_error",
		map[string]string{"server": c.base, "status": strconv.Itoa(a.status), "message": msg})
}

// failure matches the texts RT returns with a 200 or 201 when part of
// the change was refused ("Invalid value for custom field", "Status
// 'bogus' isn't a valid status…", "Permission Denied"…).
var failure = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\b(invalid|isn't a valid|is not a valid|permission denied|no permission|could not|couldn't|not allowed|illegal|can't|cannot|failed|not found|unknown)\b`)
})

// sameStatusMsg is RT refusing a move to the status the ticket already
// has: an agent's reply opens a new ticket by itself (RT's lifecycle
// "Respond" action), so "reply and open it" finds it open already.
// Both are compiled on first use: every command links this package.
var sameStatusMsg = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`change status from '([^']+)' to '([^']+)'`)
})

func sameStatus(m string) bool {
	s := sameStatusMsg().FindStringSubmatch(m)
	return s != nil && s[1] == s[2]
}

// checkMessages reads the array of texts of a 200/201 answer: RT says
// there, and only there, that it refused part of a change.
func checkMessages(a *answer) error {
	var msgs []string
	if json.Unmarshal(a.body, &msgs) != nil {
		return nil
	}
	var bad []string
	for _, m := range msgs {
		if failure().MatchString(m) && !sameStatus(m) {
			bad = append(bad, m)
		}
	}
	if len(bad) > 0 {
		return support.Errorf(support.EINVALID, "rt.refused", map[string]string{"message": strings.Join(bad, " ; ")})
	}
	return nil
}

// decode reads a JSON answer into out.
func (c *Client) decode(a *answer, out any) error {
	if err := json.Unmarshal(a.body, out); err != nil {
		return support.Errorf(support.EINTERNAL, "error.bad_response",
			map[string]string{"server": c.base, "status": strconv.Itoa(a.status)})
	}
	return nil
}

// get reads path into out, retried after failures that got no answer.
func (c *Client) get(ctx context.Context, path string, query url.Values, ticket bool, out any) error {
	a, err := c.do(ctx, request{method: http.MethodGet, path: path, query: query, retry: true, ticket: ticket})
	if err != nil {
		return err
	}
	return c.decode(a, out)
}

// flexID reads RT's ids, strings in some answers and numbers in others.
type flexID int64

func (f *flexID) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return err
	}
	*f = flexID(n)
	return nil
}

// ref is a linked record: {"id": "corr.dupont", "type": "user"}.
type ref struct {
	ID string `json:"id"`
}

func (r *ref) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		// Some fields are a bare string.
		var s string
		if json.Unmarshal(b, &s) == nil {
			r.ID = s
			return nil
		}
		return err
	}
	r.ID = strings.Trim(string(raw.ID), `"`)
	return nil
}

// ticketPath is the REST path of ticket n, ENOTFOUND for another prefix.
func (c *Client) ticketPath(n support.Number) (string, int64, error) {
	id, err := c.nums.ID(n)
	if err != nil {
		return "", 0, err
	}
	return "/ticket/" + strconv.FormatInt(id, 10), id, nil
}
