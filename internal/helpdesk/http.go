package helpdesk

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/ent-support/ent-support/internal/httpclient"
	"github.com/ent-support/ent-support/internal/support"
)

// HTTPConfig is what a back end tells its HTTP layer.
type HTTPConfig struct {
	Server string // the back end's address, for messages
	// CAFile adds a territory's own CA to the system roots (--ca-file,
	// ENT_SUPPORT_CA_FILE); TLS is 1.2 at least whatever the file.
	CAFile string
	// Transport, when set, replaces the one built from CAFile (tests).
	Transport http.RoundTripper
	Timeout   time.Duration // one call; default 30 s
	MaxAnswer int64         // bytes read of an answer; default 32 MiB
	UserAgent string
	Lang      string // Accept-Language, when set
	// Credentials adds the back end's credential header to a request.
	Credentials func(*http.Request)
}

// HTTP is the one HTTP layer of the helpdesk back ends: it builds each
// request, bounds it in time, retries what may be retried, honours
// Retry-After, caps what it reads, refuses redirects to another origin
// (the credential header would follow) and speaks TLS 1.2 at least with
// the profile's CA file. Answers of any status come back to the back end,
// which alone knows what its server means by them.
type HTTP struct {
	cfg HTTPConfig
	hc  *http.Client
	now func() time.Time
}

// Request is one call.
type Request struct {
	Method, URL string
	// Body, when set, returns a fresh body for each try, its content type
	// and its size (-1 unknown).
	Body func() (io.ReadCloser, string, int64, error)
	// Retry: a read, or a write the back end makes idempotent, may be
	// tried again after a failure that got no answer or an answer that
	// means "later" (408, 429, 502, 503, 504). A create never is.
	Retry bool
	// Timeout, when set, replaces the call's (uploads: by their size).
	Timeout time.Duration
	// Anonymous requests go without the credential header.
	Anonymous bool
}

// Answer is what the server said, its body read up to the cap.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Retry policy: a few tries, exponential waits with jitter, a server's
// Retry-After honoured up to retryMaxWait; a server asking for more is
// answered at once (the ticket goes to the outbox rather than the person
// waiting).
const (
	retryCount   = 3
	retryWait    = 250 * time.Millisecond
	retryMaxWait = 10 * time.Second
)

// NewHTTP builds the layer; the CA file is read now.
func NewHTTP(cfg HTTPConfig) (*HTTP, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxAnswer <= 0 {
		cfg.MaxAnswer = 32 << 20
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "ent-support"
	}
	tr := cfg.Transport
	if tr == nil {
		t, err := httpclient.Transport(cfg.CAFile)
		if err != nil {
			return nil, err
		}
		tr = t
	}
	return &HTTP{cfg: cfg, hc: httpclient.Client(tr), now: time.Now}, nil
}

// Do sends r, tried again as r allows, and returns the last answer
// whatever its status; the error is for a call that got no usable answer:
// the caller's own cancellation, a local file that could not be read (the
// field error it carries), a refused redirect, a certificate problem, or
// "unreachable".
func (h *HTTP) Do(ctx context.Context, r Request) (*Answer, error) {
	for attempt := 0; ; attempt++ {
		a, err := h.once(ctx, r)
		if !r.Retry || attempt == retryCount || !h.retryable(ctx, a, err) {
			if err != nil {
				return nil, h.transportError(ctx, err)
			}
			return a, nil
		}
		wait := backoff(attempt)
		if a != nil {
			if ra := httpclient.RetryAfter(a.Header, h.now()); ra > 0 {
				wait = ra
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, h.transportError(ctx, ctx.Err())
		case <-t.C:
		}
	}
}

func (h *HTTP) once(ctx context.Context, r Request) (*Answer, error) {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(r.Timeout, h.cfg.Timeout))
	defer cancel()
	resp, err := h.send(ctx, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, h.cfg.MaxAnswer))
	if err != nil {
		return nil, err
	}
	return &Answer{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// Open sends r once and returns the answer unread, whatever its status:
// for downloads, bounded by ctx (and r.Timeout when set) rather than the
// call's timeout. The caller closes the body.
func (h *HTTP) Open(ctx context.Context, r Request) (*http.Response, error) {
	cancel := context.CancelFunc(func() {})
	if r.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
	}
	resp, err := h.send(ctx, r)
	if err != nil {
		cancel()
		return nil, h.transportError(ctx, err)
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// send builds r with its headers and sends it.
func (h *HTTP) send(ctx context.Context, r Request) (*http.Response, error) {
	var (
		body  io.Reader
		ctype string
		size  int64 = -1
	)
	if r.Body != nil {
		rc, ct, n, err := r.Body()
		if err != nil {
			return nil, err
		}
		// The transport closes the body once it is sent.
		body, ctype, size = rc, ct, n
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, body)
	if err != nil {
		if c, ok := body.(io.Closer); ok {
			c.Close()
		}
		return nil, err
	}
	if r.Body != nil {
		req.Header.Set("Content-Type", ctype)
		if size >= 0 {
			req.ContentLength = size
		}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", h.cfg.UserAgent)
	if h.cfg.Lang != "" {
		req.Header.Set("Accept-Language", h.cfg.Lang)
	}
	if h.cfg.Credentials != nil && !r.Anonymous {
		h.cfg.Credentials(req)
	}
	return h.hc.Do(req)
}

// UploadTimeout is the deadline of a call sending size bytes: the
// ordinary call's, plus the time a slow school line needs (1 s per
// 256 KiB).
func UploadTimeout(call time.Duration, size int64) time.Duration {
	return call + time.Duration(size/(256<<10))*time.Second
}

// retryable says whether asking again may give another outcome.
func (h *HTTP) retryable(ctx context.Context, a *Answer, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		var (
			ne net.Error
			se *support.Error
		)
		if errors.As(err, &se) || (errors.As(err, &ne) && ne.Timeout()) ||
			errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return false
		}
		key, _ := httpclient.CertificateProblem(err)
		return key == ""
	}
	switch a.Status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return httpclient.RetryAfter(a.Header, h.now()) <= retryMaxWait
	}
	return false
}

// transportError: the caller's own cancellation as it is; a field error
// or a refused redirect as it is; a certificate problem by name; anything
// else means the server could not be reached (or did not answer in time).
func (h *HTTP) transportError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	var se *support.Error
	if errors.As(err, &se) {
		return se
	}
	if key, detail := httpclient.CertificateProblem(err); key != "" {
		return support.Errorf(support.EUNAVAILABLE, key, map[string]string{"server": h.cfg.Server, "detail": detail})
	}
	return Unreachable(h.cfg.Server, 0)
}

// RetryAfter is an answer's Retry-After in whole seconds (0 when none),
// for the error that tells the person when to try again.
func (h *HTTP) RetryAfter(a *Answer) int {
	return httpclient.Seconds(httpclient.RetryAfter(a.Header, h.now()))
}

// backoff is the wait before try attempt+2 when the server named none:
// exponential, capped, with jitter so that clients do not come back
// together.
func backoff(attempt int) time.Duration {
	d := min(retryWait<<attempt, retryMaxWait)
	var b [8]byte
	_, _ = rand.Read(b[:])
	return d/2 + time.Duration(binary.LittleEndian.Uint64(b[:])%uint64(d/2+1))
}
