package httpapi

import (
	"bytes"
	"context"
	_ "embed"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// The handlers are thin: decode, call the service, encode. Rules belong to
// the service; only what is about the wire (media types, sizes while
// streaming, query syntax) is checked here.

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the OpenAPI 3.1 document the server serves at
// /api/v1/openapi.json, for the tests that check the server against it.
func OpenAPIDocument() []byte { return bytes.Clone(openAPIDocument) }

func (s *server) health(w http.ResponseWriter, r *http.Request) {
	s.ok(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyTimeout bounds the readiness check: a load balancer polls often,
// and a database that takes longer than this is not ready.
const readyTimeout = 2 * time.Second

// ready answers 200 when cfg.Ready does, 503 problem+json otherwise.
func (s *server) ready(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			if support.ErrorCode(err) != support.EUNAVAILABLE {
				s.log.Warn("not ready", "error", err)
				err = support.Errorf(support.EUNAVAILABLE, "error.storage_unavailable", nil)
			}
			s.fail(w, r, err)
			return
		}
	}
	s.ok(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDocument)
}

func (s *server) info(w http.ResponseWriter, r *http.Request) {
	info, err := s.cfg.Tickets.Info(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, http.StatusOK, info)
}

func (s *server) me(w http.ResponseWriter, r *http.Request) {
	u, err := s.cfg.Tickets.Me(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, http.StatusOK, u)
}

// Idempotency keys: 1 to 200 printable ASCII characters.
const maxIdempotencyKey = 200

func idempotencyKey(r *http.Request) (string, error) {
	vs, ok := r.Header["Idempotency-Key"]
	if !ok {
		return "", nil
	}
	bad := support.InvalidFields([]support.FieldError{{Field: "idempotency_key", Rule: "idempotency_key",
		Params: map[string]string{"max": strconv.Itoa(maxIdempotencyKey)}}})
	if len(vs) != 1 || len(vs[0]) < 1 || len(vs[0]) > maxIdempotencyKey {
		return "", bad
	}
	for i := 0; i < len(vs[0]); i++ {
		if c := vs[0][i]; c < 0x20 || c > 0x7e {
			return "", bad
		}
	}
	return vs[0], nil
}

// readBody decodes a JSON body into v, or a multipart body whose part
// named main is JSON for v and whose "attachments" files are spooled in sp.
func (s *server) readBody(w http.ResponseWriter, r *http.Request, sp *spool, main string, v any) ([]support.Upload, error) {
	switch mediaType(r) {
	case "application/json":
		return nil, decodeJSONBody(w, r, v)
	case "multipart/form-data":
		return s.readMultipart(w, r, sp, main, v)
	}
	return nil, unsupportedMediaType()
}

// createTicket answers 201 with the new ticket, or 200 with the ticket
// first created with the same Idempotency-Key (a replay creates nothing).
func (s *server) createTicket(w http.ResponseWriter, r *http.Request) {
	key, err := idempotencyKey(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var (
		in      support.TicketInput
		uploads []support.Upload
		sp      = &spool{dir: s.cfg.TempDir}
	)
	defer sp.remove()
	uploads, err = s.readBody(w, r, sp, "ticket", &in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.cfg.Tickets.CreateTicket(r.Context(), in, support.CreateOptions{IdempotencyKey: key, Attachments: uploads})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/tickets/"+url.PathEscape(t.Number.String()))
	status := http.StatusCreated
	if t.Replayed {
		status = http.StatusOK // a replay created nothing
	}
	s.ok(w, status, t)
}

func (s *server) listTickets(w http.ResponseWriter, r *http.Request) {
	f, err := parseTicketFilter(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.cfg.Tickets.ListTickets(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if page.Tickets == nil {
		page.Tickets = []support.TicketSummary{}
	}
	s.ok(w, http.StatusOK, page)
}

// parisTime is where a bare date starts: the users are in France. The
// zone is loaded on the first list filtered by date, not when the program
// starts (every command and completion would pay for it).
var parisTime = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Paris"); err == nil {
		return loc
	}
	return time.UTC
})

// parseTicketFilter reads the list's query parameters, reporting every
// bad one at once.
func parseTicketFilter(q url.Values) (support.TicketFilter, error) {
	var (
		f    support.TicketFilter
		errs []support.FieldError
	)
	for _, v := range support.SplitList(q["status"]) {
		if st, ok := support.ParseStatus(v); ok {
			f.Status = append(f.Status, st)
		} else {
			errs = append(errs, support.FieldError{Field: "status", Rule: support.RuleStatus, Params: map[string]string{"value": v}})
		}
	}
	for _, v := range support.SplitList(q["priority"]) {
		if p, ok := support.ParsePriority(v); ok {
			f.Priority = append(f.Priority, p)
		} else {
			errs = append(errs, support.FieldError{Field: "priority", Rule: support.RulePriority, Params: map[string]string{"value": v}})
		}
	}
	if v := q.Get("uai"); v != "" {
		uai, fe := support.ParseUAI(v)
		if fe != nil {
			fe.Field = "uai"
			errs = append(errs, *fe)
		}
		f.UAI = uai
	}
	if v := q.Get("mine"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, support.FieldError{Field: "mine", Rule: support.RuleSyntax, Params: map[string]string{"reason": "true/false"}})
		}
		f.Mine = b
	}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t, err = time.ParseInLocation(time.DateOnly, v, parisTime())
		}
		if err != nil {
			errs = append(errs, support.FieldError{Field: "since", Rule: support.RuleDate})
		}
		f.Since = t
	}
	if v := q.Get("limit"); v != "" {
		n, fe := parseLimit(v, support.MaxListLimit)
		if fe != nil {
			errs = append(errs, *fe)
		}
		f.Limit = n
	}
	f.Cursor = q.Get("cursor")
	switch v := q.Get("sort"); v {
	case "", "priority", support.SortUpdated:
		f.Sort = v
	default:
		errs = append(errs, support.FieldError{Field: "sort", Rule: support.RuleSyntax, Params: map[string]string{"reason": `"" / "priority" / "updated"`}})
	}
	if v := q.Get("assignee"); v != "" {
		a, fe := support.ParseAssigneeFilter(v)
		if fe != nil {
			errs = append(errs, *fe)
		}
		f.Assignee = a
	}
	if len(errs) > 0 {
		return f, support.InvalidFields(errs)
	}
	return f, nil
}

func parseLimit(v string, max int) (int, *support.FieldError) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, &support.FieldError{Field: "limit", Rule: support.RuleLimit,
			Params: map[string]string{"min": "1", "max": strconv.Itoa(max)}}
	}
	return n, nil
}

func pathNumber(r *http.Request) (support.Number, error) {
	n, fe := support.ParseNumber(r.PathValue("number"))
	if fe != nil {
		return n, support.InvalidFields([]support.FieldError{*fe})
	}
	return n, nil
}

func (s *server) getTicket(w http.ResponseWriter, r *http.Request) {
	n, err := pathNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.cfg.Tickets.GetTicket(r.Context(), n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.cfg.TicketLink != nil {
		c := *t
		c.URL = s.publicBase(r) + "/t/" + s.cfg.TicketLink(r.Context(), t.Number)
		t = &c
	}
	s.ok(w, http.StatusOK, t)
}

// publicBase is where people reach this server: the configured public
// address, else the scheme and host the request came to (what the
// client reached, so what its user's browser can reach too).
func (s *server) publicBase(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// addComment takes a comment as JSON, or as multipart with a "comment"
// JSON part and "attachments" files, streamed under the same limits as a
// create's.
func (s *server) addComment(w http.ResponseWriter, r *http.Request) {
	n, err := pathNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var (
		in      support.CommentInput
		uploads []support.Upload
		sp      = &spool{dir: s.cfg.TempDir}
	)
	defer sp.remove()
	uploads, err = s.readBody(w, r, sp, "comment", &in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.cfg.Tickets.AddComment(r.Context(), n, in.Body, uploads)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, http.StatusCreated, c)
}

// getAttachment sends a stored file so that no browser renders it in our
// origin: a download, never sniffed, sandboxed, and not cached.
func (s *server) getAttachment(w http.ResponseWriter, r *http.Request) {
	n, err := pathNumber(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, support.Errorf(support.ENOTFOUND, "error.attachment_not_found", nil))
		return
	}
	a, body, err := s.cfg.Tickets.OpenAttachment(r.Context(), n, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer body.Close()
	h := w.Header()
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", contentDisposition(a.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	if a.Size > 0 {
		h.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	}
	if a.SHA256 != "" {
		h.Set("X-Content-SHA256", a.SHA256)
	}
	h.Set("X-Attachment-ID", strconv.FormatInt(a.ID, 10))
	w.WriteHeader(http.StatusOK)
	if err := s.copyOut(w, body); err != nil {
		// Headers are gone: all we can do is log and cut the answer short.
		s.log.Warn("attachment copy failed", "path", r.URL.Path, "error", err.Error())
	}
}

// downloadChunk is how much of a file is in hand at once while it goes out.
const downloadChunk = 64 << 10

// copyOut sends body chunk by chunk, each write with its deadline: a file
// is never held whole, and a client that stops reading is dropped after
// the write timeout rather than holding the handler forever.
func (s *server) copyOut(w http.ResponseWriter, body io.Reader) error {
	rc := http.NewResponseController(w)
	buf := make([]byte, downloadChunk)
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(s.writeTimeout()))
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			return nil
		} else if rerr != nil {
			return rerr
		}
	}
}

func (s *server) searchEstablishments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var limit int
	if v := q.Get("limit"); v != "" {
		n, fe := parseLimit(v, support.MaxListLimit)
		if fe != nil {
			s.fail(w, r, support.InvalidFields([]support.FieldError{*fe}))
			return
		}
		limit = n
	}
	es, err := s.cfg.Tickets.SearchEstablishments(r.Context(), q.Get("q"), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if es == nil {
		es = []support.Establishment{}
	}
	s.ok(w, http.StatusOK, establishmentList{Establishments: es})
}

type establishmentList struct {
	Establishments []support.Establishment `json:"establishments"`
}

func (s *server) addEstablishment(w http.ResponseWriter, r *http.Request) {
	var e support.Establishment
	if err := decodeJSONBody(w, r, &e); err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.cfg.Admin.AddEstablishment(r.Context(), e)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, http.StatusCreated, out)
}

func (s *server) importEstablishments(w http.ResponseWriter, r *http.Request) {
	if mt := mediaType(r); mt != "text/csv" {
		s.fail(w, r, unsupportedMediaType())
		return
	}
	rep, err := s.cfg.Admin.ImportEstablishments(r.Context(), http.MaxBytesReader(w, r.Body, maxCSVBody))
	if err != nil {
		s.fail(w, r, multipartError(err))
		return
	}
	s.ok(w, http.StatusOK, rep)
}

// createdUser is the answer to a user creation: the token is shown this
// once and never again.
type createdUser struct {
	User  *support.User `json:"user"`
	Token string        `json:"token"`
}

func (s *server) createUser(w http.ResponseWriter, r *http.Request) {
	var in support.UserInput
	if err := decodeJSONBody(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	u, token, err := s.cfg.Admin.CreateUser(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, http.StatusCreated, createdUser{User: u, Token: token})
}

// contentDisposition makes an attachment header from a stored name, with
// an ASCII fallback and the exact name in RFC 8187 encoding; control
// characters, quotes and path separators never reach the header.
func contentDisposition(name string) string {
	var clean strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '/' || (r >= 0x80 && r < 0xa0):
			clean.WriteRune('_')
		default:
			clean.WriteRune(r)
		}
	}
	n := strings.TrimSpace(clean.String())
	if n == "" || n == "." || n == ".." {
		n = "file"
	}
	var ascii, enc strings.Builder
	for _, r := range n {
		if r < 0x80 {
			ascii.WriteRune(r)
		} else {
			ascii.WriteRune('_')
		}
	}
	for _, b := range []byte(n) {
		if isAttrChar(b) {
			enc.WriteByte(b)
		} else {
			enc.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(b)|0x100, 16)[1:]))
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + enc.String()
}

// isAttrChar is RFC 8187's attr-char: what needs no percent-encoding.
func isAttrChar(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
		strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}

// The agents' actions and the reporter's reopen: one JSON body each, the
// whole ticket back. Their auth rule is "any user": the service refuses a
// reporter (403) only after checking they may see the ticket (else 404).

type statusBody struct {
	Status  support.Status `json:"status"`
	Message string         `json:"message,omitempty"`
}

type priorityBody struct {
	Priority support.Priority `json:"priority"`
	Message  string           `json:"message,omitempty"`
}

type assignBody struct {
	To string `json:"to,omitempty"`
}

type reopenBody struct {
	Message string `json:"message"`
}

// workflow decodes the body into in, then runs do with the number.
func workflow[T any](s *server, do func(*http.Request, support.Number, T) (*support.Ticket, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n, err := pathNumber(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var in T
		if err := decodeJSONBody(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if s.cfg.Workflow == nil {
			s.fail(w, r, support.Errorf(support.EUNAVAILABLE, "error.storage_unavailable", nil))
			return
		}
		t, err := do(r, n, in)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.ok(w, http.StatusOK, t)
	}
}

func (s *server) changeStatus() http.HandlerFunc {
	return workflow(s, func(r *http.Request, n support.Number, in statusBody) (*support.Ticket, error) {
		return s.cfg.Workflow.ChangeStatus(r.Context(), n, in.Status, in.Message)
	})
}

func (s *server) changePriority() http.HandlerFunc {
	return workflow(s, func(r *http.Request, n support.Number, in priorityBody) (*support.Ticket, error) {
		return s.cfg.Workflow.ChangePriority(r.Context(), n, in.Priority, in.Message)
	})
}

func (s *server) assign() http.HandlerFunc {
	return workflow(s, func(r *http.Request, n support.Number, in assignBody) (*support.Ticket, error) {
		return s.cfg.Workflow.Assign(r.Context(), n, in.To)
	})
}

func (s *server) reopen() http.HandlerFunc {
	return workflow(s, func(r *http.Request, n support.Number, in reopenBody) (*support.Ticket, error) {
		return s.cfg.Workflow.Reopen(r.Context(), n, in.Message)
	})
}
