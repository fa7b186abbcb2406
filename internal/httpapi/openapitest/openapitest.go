// Package openapitest checks real HTTP exchanges with the server against
// its OpenAPI document (internal/httpapi/openapi.json), so that the
// document cannot drift from what the server does. Tests only: it brings
// an OpenAPI validator the program does not need.
//
// Three ways in, for three kinds of test: Check for one exchange,
// Transport for a test's own http.Client, and Proxy for processes the test
// does not control (the real binary run by the end-to-end scripts).
//
// What is checked, for every response: its status is documented for the
// operation; its Content-Type is one the response documents; its body
// matches the schema (JSON bodies, read whole; event streams are checked
// by their status and Content-Type only, since they never end), strictly:
// a property or header the document does not declare is a violation. A request
// the server accepted (2xx) must match the document too: a server that
// takes what the document refuses has drifted as much as one that answers
// what it does not promise. Refused requests are not checked: tests send
// invalid ones on purpose. Request bodies are checked when JSON; uploads
// (multipart, CSV) are passed through unread.
package openapitest

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/ent-support/ent-support/internal/httpapi"
)

// Validator checks exchanges against one OpenAPI document and keeps the
// violations it found. It is safe for concurrent use.
type Validator struct {
	mu         sync.Mutex // the validator's caches are not documented as safe for concurrent use
	v          validator.Validator
	paths      []string // the document's paths, to tell undocumented ones
	violations []string
}

// New returns a Validator for the server's own document.
func New() (*Validator, error) { return NewFromDocument(httpapi.OpenAPIDocument()) }

// NewFromDocument returns a Validator for the OpenAPI 3.1 document doc.
func NewFromDocument(doc []byte) (*Validator, error) {
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		return nil, fmt.Errorf("openapitest: %w", err)
	}
	m, err := d.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("openapitest: %w", err)
	}
	// Strict: a property or header the server sends and the document does
	// not declare is drift too (schemas do not close their objects).
	// Two headers are not the API's: nosniff on every answer, and the
	// hint to reverse proxies not to buffer event streams. A field
	// error's params is a map (additionalProperties: string), which strict
	// mode would report key by key.
	v, errs := validator.NewValidator(d, config.WithStrictMode(),
		config.WithStrictIgnoredHeadersExtra("X-Content-Type-Options", "X-Accel-Buffering"),
		config.WithStrictIgnorePaths("$.body.**.params.*"))
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapitest: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		return nil, fmt.Errorf("openapitest: the document is not valid OpenAPI: %s", describe(verrs))
	}
	var paths []string
	for p := range m.Model.Paths.PathItems.KeysFromOldest() {
		paths = append(paths, p)
	}
	return &Validator{v: v, paths: paths}, nil
}

// Violations returns what was found so far, one line each, and forgets it.
func (v *Validator) Violations() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := v.violations
	v.violations = nil
	return out
}

// Check validates one exchange: req with its body reqBody (nil when not
// read), and resp with its whole body respBody (ignored for an event
// stream). It returns the violations found, and keeps them for Violations.
func (v *Validator) Check(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) []string {
	found := v.check(req, reqBody, resp, respBody)
	v.record(found)
	return found
}

func (v *Validator) record(found []string) {
	if len(found) > 0 {
		v.mu.Lock()
		v.violations = append(v.violations, found...)
		v.mu.Unlock()
	}
}

func (v *Validator) check(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) []string {
	if !v.covers(req.URL.Path) {
		return nil
	}
	resp2 := *resp
	resp2.Body = io.NopCloser(bytes.NewReader(respBody))
	if isStream(resp.Header) {
		resp2.Body = http.NoBody
	}
	var errs []*verrors.ValidationError
	v.mu.Lock()
	if _, e := v.v.ValidateHttpResponse(req, &resp2); len(e) > 0 {
		errs = append(errs, e...)
	}
	if req.URL.Path == documentPath {
		// The document itself is a free-form object to its own schema.
		errs = slices.DeleteFunc(errs, func(e *verrors.ValidationError) bool { return e.ValidationType == verrors.StrictValidationType })
	}
	if resp.StatusCode < 300 && reqBody != nil {
		req2 := req.Clone(req.Context())
		req2.Body = io.NopCloser(bytes.NewReader(reqBody))
		if _, e := v.v.ValidateHttpRequestSync(req2); len(e) > 0 {
			errs = append(errs, e...)
		}
	}
	var found []string
	if len(errs) > 0 {
		body := respBody
		if len(body) > 600 {
			body = append(body[:600:600], "…"...)
		}
		found = append(found, fmt.Sprintf("%s %s → %d %s: %s\n\tbody: %s", req.Method, req.URL.RequestURI(), resp.StatusCode,
			resp.Header.Get("Content-Type"), describe(errs), body))
	}
	v.mu.Unlock()
	return found
}

// documentPath is where the server serves the document.
const documentPath = "/api/v1/openapi.json"

// covers says whether path is the document's business: every path under
// /api/, and the other paths it documents (/healthz, /readyz). Pages for
// people (a ticket's signed link) are not API operations.
func (v *Validator) covers(path string) bool {
	if strings.HasPrefix(path, "/api/") {
		return true
	}
	return slices.Contains(v.paths, path)
}

// Transport returns a RoundTripper that sends through next (nil means
// http.DefaultTransport) and checks every exchange; the response's body
// is read whole (event streams excepted) and given back unchanged.
func (v *Validator) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{v: v, next: next, record: v.record}
}

type transport struct {
	v      *Validator
	next   http.RoundTripper
	record func([]string) // where the violations go
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody && isJSON(req.Header.Get("Content-Type")) {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	} else if req.Body == nil || req.Body == http.NoBody {
		reqBody = []byte{}
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	var respBody []byte
	if !isStream(resp.Header) {
		respBody, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(respBody))
	}
	t.record(t.v.check(req, reqBody, resp, respBody))
	return resp, nil
}

func isStream(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "text/event-stream"
}

func isJSON(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// describe turns the validator's errors into one readable line each.
func describe(errs []*verrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n\t%s: %s", e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n\t\t%s: %s", f.FieldPath, f.Reason)
		}
	}
	return b.String()
}
