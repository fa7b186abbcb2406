package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/ent-support/ent-support/internal/httpclient"
	"github.com/ent-support/ent-support/internal/support"
)

// ClientConfig says which server to talk to, and as whom.
type ClientConfig struct {
	BaseURL   string // e.g. http://127.0.0.1:8080 (no /api/v1)
	Token     string
	Lang      string // sent as Accept-Language
	UserAgent string
	// CAFile adds a PEM bundle to the system roots (a territory's own CA);
	// it never replaces them.
	CAFile  string
	Timeout time.Duration // for non-upload calls; default 30 s
}

// Client speaks to an ent-support server. JSON calls go through resty
// (with retries); uploads and downloads are streamed on the same
// transport, so memory stays flat whatever the file size.
type Client struct {
	server string // BaseURL as configured, for messages
	api    string // BaseURL + /api/v1
	rc     *resty.Client
	stream *http.Client // rc's transport, without rc's overall timeout
	token  string
	lang   string
	ua     string
	// timeout bounds one call; an upload gets more, by its size.
	timeout time.Duration
}

var (
	_ support.TicketService = (*Client)(nil)
	_ support.AdminService  = (*Client)(nil)
)

// Retry policy, shared by resty calls and streamed uploads: a few tries,
// capped jittered backoff, Retry-After honoured up to retryMaxWait.
const (
	retryCount   = 3
	retryWait    = 250 * time.Millisecond
	retryMaxWait = 10 * time.Second
	// maxAnswer bounds what the client reads of a JSON answer.
	maxAnswer = 32 << 20
)

// NewClient checks cfg and returns a client; nothing is sent yet.
func NewClient(cfg ClientConfig) (*Client, error) {
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, support.Errorf(support.EINVALID, "error.bad_server_url", map[string]string{"server": cfg.BaseURL})
	}
	tr, err := httpclient.Transport(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "ent-support"
	}
	rc := resty.NewWithClient(&http.Client{Transport: tr}).
		// The one redirect policy of every outgoing call: never to
		// another origin, never from https down to http (the token
		// would follow).
		SetRedirectPolicy(resty.RedirectPolicyFunc(httpclient.CheckRedirect)).
		SetBaseURL(base+"/api/v1").
		SetTimeout(cfg.Timeout).
		SetHeader("Accept", "application/json, application/problem+json").
		SetHeader("User-Agent", cfg.UserAgent).
		// resty's own logger writes English WARN lines on retries; the
		// caller reports errors itself. Debug stays off: it logs tokens.
		SetLogger(discardLogger{}).
		OnBeforeRequest(rewindBody).
		SetRetryCount(retryCount).
		SetRetryWaitTime(retryWait).
		SetRetryMaxWaitTime(retryMaxWait).
		SetRetryAfter(func(_ *resty.Client, r *resty.Response) (time.Duration, error) {
			if r == nil {
				return 0, nil
			}
			return retryAfter(r.Header()), nil
		}).
		// One condition, nil-safe: it replaces resty's default rule.
		AddRetryCondition(func(r *resty.Response, err error) bool {
			status := 0
			if r != nil && err == nil {
				status = r.StatusCode()
				// A server asking for more than we would wait (a create
				// limit, a locked-out address) is answered at once: the
				// ticket goes to the outbox rather than the person waiting.
				if retryAfterRaw(r.Header()) > retryMaxWait {
					return false
				}
			}
			return shouldRetry(status, err)
		})
	if cfg.Lang != "" {
		rc.SetHeader("Accept-Language", cfg.Lang)
	}
	if cfg.Token != "" {
		rc.SetAuthToken(cfg.Token)
	}
	stream := *rc.GetClient()
	stream.Timeout = 0 // uploads and downloads get deadlines scaled to their size
	return &Client{server: base, api: base + "/api/v1", rc: rc, stream: &stream,
		token: cfg.Token, lang: cfg.Lang, ua: cfg.UserAgent, timeout: cfg.Timeout}, nil
}

type discardLogger struct{}

func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Debugf(string, ...any) {}

// shouldRetry says whether an attempt may be tried again: transport
// failures other than timeouts and cancellations, and the statuses that
// mean "later" (408, 429, 502, 503, 504). Other answers are final: a 4xx
// will not change by asking again.
func shouldRetry(status int, err error) bool {
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
			(errors.As(err, &ne) && ne.Timeout()) {
			return false
		}
		var (
			ue *uploadError
			se *support.Error // a refused redirect: asking again changes nothing
		)
		if key, _ := httpclient.CertificateProblem(err); key != "" || errors.As(err, &se) {
			return false
		}
		return !errors.As(err, &ue)
	}
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryAfter reads Retry-After (seconds or an HTTP date), capped; 0 when
// absent, which means our own backoff.
func retryAfter(h http.Header) time.Duration {
	return min(retryAfterRaw(h), retryMaxWait)
}

// retryAfterRaw is Retry-After as the server said it, uncapped.
func retryAfterRaw(h http.Header) time.Duration {
	return httpclient.RetryAfter(h, time.Now())
}

// backoff is the wait before retry attempt+1 when the server named none:
// exponential, capped, with jitter so that clients do not come back
// together.
func backoff(attempt int) time.Duration {
	d := min(retryWait<<attempt, retryMaxWait)
	var b [8]byte
	rand.Read(b[:])
	n := int64(0)
	for _, x := range b[:7] {
		n = n<<8 | int64(x)
	}
	return d/2 + time.Duration(n%int64(d/2+1))
}

// call sends a JSON request through resty and decodes the answer into out.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, header map[string]string, body, out any) error {
	req := c.rc.R().SetContext(ctx).SetHeaders(header)
	if query != nil {
		req.SetQueryParamsFromValues(query)
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		req.SetHeader("Content-Type", "application/json").SetBody(b)
	}
	resp, err := req.Execute(method, path)
	if err != nil {
		return c.transportError(ctx, err)
	}
	return c.decode(resp.StatusCode(), resp.Header(), resp.Body(), out)
}

// decode turns an answer into out, or into the *support.Error it carries.
func (c *Client) decode(status int, h http.Header, body []byte, out any) error {
	if status >= 400 {
		return c.problemError(status, h, body)
	}
	if out == nil {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if mt != "application/json" || json.Unmarshal(body, out) != nil {
		return c.badResponse(status)
	}
	if t, ok := out.(*createdTicket); ok {
		t.Replayed = status == http.StatusOK
	}
	return nil
}

// createdTicket is a create's answer: 200 instead of 201 says the server
// found the ticket already filed with the idempotency key, and created
// nothing (Ticket.Replayed, as the embedded service says it).
type createdTicket struct{ support.Ticket }

func (c *Client) badResponse(status int) error {
	code := support.EINTERNAL
	if status >= 400 {
		code = codeOf(status)
	}
	return support.Errorf(code, "error.bad_response", map[string]string{"server": c.server, "status": strconv.Itoa(status)})
}

// problemError rebuilds the error a server answered, with the same table
// the server used to pick the status. The detail and field messages are
// already in the language we asked for, so they are kept as they are.
func (c *Client) problemError(status int, h http.Header, body []byte) error {
	var p problem
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if (mt != problemContentType && mt != "application/json") || json.Unmarshal(body, &p) != nil || (p.Code == "" && p.Detail == "") {
		if rest, ok := strings.CutPrefix(c.server, "http://"); ok && status == http.StatusBadRequest &&
			strings.HasPrefix(string(body), "Client sent an HTTP request to an HTTPS server") {
			// net/http's own answer on a TLS port: the address is wrong.
			return support.Errorf(support.EINVALID, "error.server_speaks_https", map[string]string{"server": c.server, "https": "https://" + rest})
		}
		e := c.badResponse(status).(*support.Error)
		e.RetryAfter = int(retryAfter(h) / time.Second)
		return e
	}
	e := &support.Error{Code: codeOf(status), Message: p.Detail, Fields: p.Errors}
	if knownCode(p.Code) {
		e.Code = p.Code
	}
	if e.Code == support.EUNAVAILABLE || e.Code == support.ERATELIMITED {
		e.RetryAfter = httpclient.Seconds(retryAfterRaw(h))
	}
	return e
}

// transportError is what a request that got no answer becomes: the
// caller's own cancellation as it is, anything else "unreachable".
func (c *Client) transportError(ctx context.Context, err error) error {
	var ue *uploadError
	if errors.As(err, &ue) {
		return ue.err
	}
	if ctx.Err() == context.Canceled {
		return ctx.Err()
	}
	var se *support.Error // a refused redirect
	if errors.As(err, &se) {
		return se
	}
	if key, detail := httpclient.CertificateProblem(err); key != "" {
		return support.Errorf(support.EUNAVAILABLE, key, map[string]string{"server": c.server, "detail": detail})
	}
	return support.Errorf(support.EUNAVAILABLE, "error.unreachable", map[string]string{"server": c.server})
}

// Info returns what the server says of itself.
func (c *Client) Info(ctx context.Context) (*support.ServerInfo, error) {
	var out support.ServerInfo
	if err := c.call(ctx, http.MethodGet, "/info", nil, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Me returns the user the token belongs to.
func (c *Client) Me(ctx context.Context) (*support.User, error) {
	var out support.User
	if err := c.call(ctx, http.MethodGet, "/me", nil, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// newIdempotencyKey makes a key for one CreateTicket call, so that its
// retries cannot create a second ticket.
func newIdempotencyKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CreateTicket files a ticket, as JSON without attachments and as a
// streamed multipart body with them. Both are retried on transport errors
// and 429/502/503/504, which is safe because every call carries an
// Idempotency-Key (opts.IdempotencyKey, or one made for this call).
func (c *Client) CreateTicket(ctx context.Context, in support.TicketInput, opts support.CreateOptions) (*support.Ticket, error) {
	key := opts.IdempotencyKey
	if key == "" {
		key = newIdempotencyKey()
	}
	if len(opts.Attachments) == 0 {
		var out createdTicket
		err := c.call(ctx, http.MethodPost, "/tickets", nil, map[string]string{"Idempotency-Key": key}, in, &out)
		if err != nil {
			return nil, err
		}
		return &out.Ticket, nil
	}
	return c.createMultipart(ctx, in, opts.Attachments, key)
}

// uploadDeadline scales with the size sent: the client's timeout plus 1 s
// per 256 KiB, about the slowest school uplink we still want to serve.
func (c *Client) uploadDeadline(size int64) time.Duration {
	return c.timeout + time.Duration(size/(256<<10))*time.Second
}

func (c *Client) createMultipart(ctx context.Context, in support.TicketInput, files []support.Upload, key string) (*support.Ticket, error) {
	var out createdTicket
	if err := c.postMultipart(ctx, "/tickets", "ticket", in, files, map[string]string{"Idempotency-Key": key}, true, &out); err != nil {
		return nil, err
	}
	return &out.Ticket, nil
}

// AddComment adds a comment, as JSON without files and as a streamed
// multipart body with them. It is sent once, never retried: a comment
// carries no idempotency key, and a retry after a lost answer would add
// it twice.
func (c *Client) AddComment(ctx context.Context, n support.Number, body string, files []support.Upload) (*support.Comment, error) {
	in := support.CommentInput{Body: body}
	var out support.Comment
	if len(files) == 0 {
		if err := c.postJSONOnce(ctx, ticketPath(n)+"/comments", in, &out); err != nil {
			return nil, err
		}
		return &out, nil
	}
	if err := c.postMultipart(ctx, ticketPath(n)+"/comments", "comment", in, files, nil, false, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// postMultipart streams a multipart body to path: main (JSON) as the part
// named mainPart, then one "attachments" part per file, read only while
// its part is written. The call's deadline scales with the size sent.
func (c *Client) postMultipart(ctx context.Context, path, mainPart string, main any, files []support.Upload, header map[string]string, retry bool, out any) error {
	mainJSON, err := json.Marshal(main)
	if err != nil {
		return err
	}
	var total int64
	for _, f := range files {
		total += f.Size
	}
	ctx, cancel := context.WithTimeout(ctx, c.uploadDeadline(total))
	defer cancel()
	return c.stream1(ctx, retry, func() (*http.Request, func() error, error) {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		done := make(chan error, 1)
		go func() {
			err := writeParts(mw, mainPart, mainJSON, files)
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err)
			done <- err
		}()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.api+path, pr)
		if err != nil {
			pr.Close()
			<-done
			return nil, nil, err
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
		for k, v := range header {
			req.Header.Set(k, v)
		}
		// wait unblocks the writer (the server may answer before reading
		// everything) and returns its error, so that no file stays open.
		wait := func() error {
			pr.CloseWithError(errAnswered)
			if err := <-done; err != nil && !errors.Is(err, errAnswered) {
				return err
			}
			return nil
		}
		return req, wait, nil
	}, out)
}

var errAnswered = errors.New("httpapi: the server answered")

// uploadError is a failure to read a local file while sending it: the
// caller's problem, not the network's, so it is never retried.
type uploadError struct{ err error }

func (e *uploadError) Error() string { return e.err.Error() }

// writeParts writes the JSON part named name and one part per file,
// opening each file only when its part is written (and again on a retry).
func writeParts(mw *multipart.Writer, name string, main []byte, files []support.Upload) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": name}))
	h.Set("Content-Type", "application/json")
	w, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := w.Write(main); err != nil {
		return err
	}
	for _, f := range files {
		if err := writeFilePart(mw, f); err != nil {
			return err
		}
	}
	return nil
}

func writeFilePart(mw *multipart.Writer, f support.Upload) error {
	unreadable := func(err error) error {
		return &uploadError{support.InvalidFields([]support.FieldError{{Field: "attachments", Rule: support.RuleFileUnreadable,
			Params: map[string]string{"name": f.Name, "reason": err.Error()}}})}
	}
	if f.Open == nil {
		return unreadable(errors.New("no content"))
	}
	rc, err := f.Open()
	if err != nil {
		return unreadable(err)
	}
	defer rc.Close()
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "attachments", "filename": f.Name}))
	h.Set("Content-Type", "application/octet-stream")
	w, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	// Tell a read failure (the caller's file) from a write failure (the
	// connection), which is retried.
	buf := make([]byte, 32<<10)
	for {
		n, rerr := rc.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return unreadable(rerr)
		}
	}
}

// stream1 sends a request built by build on the streaming client, with the
// retry policy when retry is set, and decodes a JSON answer into out (or
// leaves the answer open for keep).
func (c *Client) stream1(ctx context.Context, retry bool, build func() (*http.Request, func() error, error), out any) error {
	resp, err := c.streamDo(ctx, retry, build)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return c.transportError(ctx, err)
	}
	return c.decode(resp.StatusCode, resp.Header, body, out)
}

// streamDo sends build's request, retrying like resty does for JSON calls.
// A retry calls build again, so bodies are produced afresh. The answer is
// returned unread on success (any status below 400 or a final error
// status).
func (c *Client) streamDo(ctx context.Context, retry bool, build func() (*http.Request, func() error, error)) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		req, wait, err := build()
		if err != nil {
			return nil, err
		}
		c.setHeaders(req)
		resp, err := c.stream.Do(req)
		if werr := wait(); werr != nil {
			var ue *uploadError
			if errors.As(werr, &ue) {
				if resp != nil {
					resp.Body.Close()
				}
				return nil, ue.err
			}
		}
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		if !retry || attempt == retryCount || !shouldRetry(status, err) {
			if err != nil {
				return nil, c.transportError(ctx, err)
			}
			return resp, nil
		}
		d := backoff(attempt)
		if resp != nil {
			if ra := retryAfter(resp.Header); ra > 0 {
				d = ra
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, c.transportError(ctx, ctx.Err())
		}
	}
}

func (c *Client) setHeaders(req *http.Request) {
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", c.ua)
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
}

// ListTickets returns one page of the tickets the caller may see.
func (c *Client) ListTickets(ctx context.Context, f support.TicketFilter) (*support.TicketPage, error) {
	q := url.Values{}
	for _, s := range f.Status {
		q.Add("status", string(s))
	}
	for _, p := range f.Priority {
		q.Add("priority", string(p))
	}
	if f.UAI != "" {
		q.Set("uai", f.UAI)
	}
	if f.Mine {
		q.Set("mine", "true")
	}
	if !f.Since.IsZero() {
		q.Set("since", f.Since.Format(time.RFC3339))
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if f.Cursor != "" {
		q.Set("cursor", f.Cursor)
	}
	if f.Sort != "" {
		q.Set("sort", f.Sort)
	}
	if f.Assignee != "" {
		q.Set("assignee", f.Assignee)
	}
	var out support.TicketPage
	if err := c.call(ctx, http.MethodGet, "/tickets", q, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func ticketPath(n support.Number) string { return "/tickets/" + url.PathEscape(n.String()) }

// GetTicket returns a ticket whole.
func (c *Client) GetTicket(ctx context.Context, n support.Number) (*support.Ticket, error) {
	var out support.Ticket
	if err := c.call(ctx, http.MethodGet, ticketPath(n), nil, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// OpenAttachment streams a file; the caller closes it. The description
// comes from the answer's headers. The caller's context bounds the
// download (there is no overall timeout: files may be large).
func (c *Client) OpenAttachment(ctx context.Context, n support.Number, id int64) (*support.Attachment, io.ReadCloser, error) {
	u := c.api + ticketPath(n) + "/attachments/" + strconv.FormatInt(id, 10)
	resp, err := c.streamDo(ctx, true, func() (*http.Request, func() error, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		return req, func() error { return nil }, err
	})
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
		if resp.StatusCode < 400 {
			return nil, nil, c.badResponse(resp.StatusCode)
		}
		return nil, nil, c.problemError(resp.StatusCode, resp.Header, body)
	}
	a := &support.Attachment{ID: id, ContentType: resp.Header.Get("Content-Type"), Size: resp.ContentLength,
		SHA256: resp.Header.Get("X-Content-SHA256")}
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
		a.Name = params["filename"]
	}
	return a, resp.Body, nil
}

// SearchEstablishments looks the directory up.
func (c *Client) SearchEstablishments(ctx context.Context, q string, limit int) ([]support.Establishment, error) {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var out establishmentList
	if err := c.call(ctx, http.MethodGet, "/establishments", v, nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Establishments, nil
}

// CreateUser creates a user and returns its token, shown once. A retry
// after a lost answer cannot make a second account: the e-mail is then
// taken (ECONFLICT).
func (c *Client) CreateUser(ctx context.Context, in support.UserInput) (*support.User, string, error) {
	var out createdUser
	if err := c.call(ctx, http.MethodPost, "/users", nil, nil, in, &out); err != nil {
		return nil, "", err
	}
	if out.User == nil {
		return nil, "", c.badResponse(http.StatusCreated)
	}
	return out.User, out.Token, nil
}

// AddEstablishment adds or updates one establishment of the directory.
func (c *Client) AddEstablishment(ctx context.Context, e support.Establishment) (*support.Establishment, error) {
	var out support.Establishment
	if err := c.call(ctx, http.MethodPost, "/establishments", nil, nil, e, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ImportEstablishments streams a CSV export to the server. It is sent
// once: the reader cannot be read again for a retry.
func (c *Client) ImportEstablishments(ctx context.Context, csv io.Reader) (*support.ImportReport, error) {
	var out support.ImportReport
	err := c.stream1(ctx, false, func() (*http.Request, func() error, error) {
		// NopCloser: the transport closes request bodies, and csv is the caller's.
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.api+"/establishments/import", io.NopCloser(csv))
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("Content-Type", "text/csv")
		return req, func() error { return nil }, nil
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// String names the client by its server, never its token.
func (c *Client) String() string { return fmt.Sprintf("httpapi.Client(%s)", c.server) }

// rewindBody starts a seekable body from its beginning before each
// attempt: resty sends an io.Reader body without copying it, so a retry
// would otherwise send what the first attempt left unread.
func rewindBody(_ *resty.Client, r *resty.Request) error {
	if s, ok := r.Body.(io.Seeker); ok {
		_, err := s.Seek(0, io.SeekStart)
		return err
	}
	return nil
}
