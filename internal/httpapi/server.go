package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// ServerConfig is what the handler serves with.
type ServerConfig struct {
	Tickets support.TicketService // the caller is support.UserFrom(ctx); the middleware puts it there
	Admin   support.AdminService
	// Workflow moves tickets along (status, priority, assign, reopen);
	// nil takes Tickets when it implements it too (the service does).
	Workflow support.WorkflowService
	// Events streams tickets' events; nil takes Tickets when it
	// implements it too (the service does).
	Events support.EventService
	// Heartbeat is how often an idle event stream gets a comment line;
	// 0 means DefaultHeartbeat.
	Heartbeat time.Duration
	Auth      support.Authenticator
	// Audit records authorization refusals seen here (a bad token, a
	// route above the caller's role); nil records nothing.
	Audit support.Auditor
	// TicketPage serves GET /t/{token}, the signed link of the e-mails
	// (notify.Page); nil answers 404, as for a bad link.
	TicketPage http.Handler
	// TicketLink signs the token of a ticket's page (GET /t/{token}),
	// for the "url" of a ticket read; nil gives no url.
	TicketLink func(ctx context.Context, n support.Number) string
	// PublicURL is the base of that url (https://support.example.fr);
	// "" takes the address the request came to.
	PublicURL string
	Logger    *slog.Logger // nil = discard
	// Limits are the attachment limits, enforced here while the upload
	// streams in (so an oversized body is refused before it is read whole)
	// and again by the service. Zero values take support.DefaultLimits.
	Limits  support.Limits
	TempDir string // where uploads are spooled; "" = os.TempDir()
	// Ready says whether the server can take requests now (the database
	// reachable and migrated): GET /readyz answers 503 with its error. nil
	// is always ready.
	Ready func(context.Context) error
	// Mail takes incoming e-mail (POST /api/v1/mail, mail gateways'
	// tokens only); nil answers 404. MailMaxSize bounds its body (413).
	Mail        support.MailHandler
	MailMaxSize int64
	// RateLimits are the abuse limits (limits.go); zero values are off.
	RateLimits RateLimits
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// Forwarded headers name the client (clientaddr.go); from any other
	// peer those headers are ignored.
	TrustedProxies []netip.Prefix
	// MaxStreamsPerUser is how many event streams one person may hold
	// open at once (429 beyond); 0 means DefaultMaxStreamsPerUser.
	MaxStreamsPerUser int
	// WriteTimeout bounds each write of an event stream or a download
	// (not the whole answer): a client that stops reading is dropped
	// after it. 0 means DefaultWriteTimeout.
	WriteTimeout time.Duration
}

// Request body caps. JSON bodies are small; the CSV export of the
// national directory is the largest text we take.
const (
	maxJSONBody  = 1 << 20
	maxJSONDepth = 32
	maxCSVBody   = 64 << 20
)

// access is the auth rule of a route. Its zero value is no rule at all, so
// that a route registered without one is caught (NewHandler panics, and a
// test walks the table).
type access int

const (
	accessUndeclared access = iota
	accessPublic            // no token needed
	accessUser              // any authenticated user
	accessAdmin             // an authenticated admin
	// accessMailgate: a mail gateway's token (role mailgate), or an
	// admin's. A mailgate token opens no other route.
	accessMailgate
	// accessLink is public, signed link: no token, the path carries an
	// HMAC-signed, expiring token that opens one ticket's read-only page
	// and nothing else. Such routes live outside /api/v1 and outside the
	// OpenAPI document: they are pages for people, not API operations.
	accessLink
)

func (a access) String() string {
	return [...]string{"undeclared", "public", "authenticated", "admin", "mail gateway", "public, signed link"}[a]
}

// Route describes one route of the API and its auth rule, for the
// documentation and for the tests that must cover every route.
type Route struct{ Method, Path, Access string }

// Routes lists the route table.
func Routes() []Route {
	var out []Route
	for _, rt := range (&server{}).routes() {
		out = append(out, Route{rt.Method, rt.Path, rt.Access.String()})
	}
	return out
}

// route is one entry of the route table.
type route struct {
	Method, Path string // Go 1.22 pattern parts: "GET", "/api/v1/tickets/{number}"
	Access       access
	Handler      http.HandlerFunc
}

type server struct {
	cfg     ServerConfig
	log     *slog.Logger
	abuse   *abuse
	streams *streamCounter
}

// routes is the route table: every route of the API, each with its auth
// rule, in one place.
func (s *server) routes() []route {
	return []route{
		{"GET", "/healthz", accessPublic, s.health},
		{"GET", "/readyz", accessPublic, s.ready},
		{"GET", "/api/v1/info", accessPublic, s.info},
		{"GET", "/api/v1/openapi.json", accessPublic, s.openAPI},

		{"GET", "/api/v1/me", accessUser, s.me},
		{"PATCH", "/api/v1/me", accessUser, s.updateMe},
		{"POST", "/api/v1/tickets", accessUser, s.limitCreates(s.createTicket)},
		{"GET", "/api/v1/tickets", accessUser, s.listTickets},
		{"GET", "/api/v1/tickets/{number}", accessUser, s.getTicket},
		{"POST", "/api/v1/tickets/{number}/comments", accessUser, s.limitComments(s.addComment)},
		// Agents' actions: the service refuses reporters, after the
		// visibility check, so that an unseen ticket stays a 404.
		{"POST", "/api/v1/tickets/{number}/status", accessUser, s.changeStatus()},
		{"POST", "/api/v1/tickets/{number}/priority", accessUser, s.changePriority()},
		{"POST", "/api/v1/tickets/{number}/assign", accessUser, s.assign()},
		{"POST", "/api/v1/tickets/{number}/reopen", accessUser, s.reopen()},
		{"GET", "/api/v1/tickets/{number}/events", accessUser, s.getEvents},
		{"GET", "/api/v1/tickets/{number}/attachments/{id}", accessUser, s.getAttachment},
		{"GET", "/api/v1/establishments", accessUser, s.searchEstablishments},

		{"POST", "/api/v1/establishments", accessAdmin, s.addEstablishment},
		{"POST", "/api/v1/establishments/import", accessAdmin, s.importEstablishments},
		// People: a chef_etablissement manages their establishments'
		// correspondents, so these take any user and the service decides.
		{"GET", "/api/v1/users", accessUser, s.listUsers},
		{"POST", "/api/v1/users", accessUser, s.createUser},
		{"PATCH", "/api/v1/users/{user}", accessUser, s.updateUser},
		{"POST", "/api/v1/users/{user}/disable", accessUser, s.setUserDisabled(true)},
		{"POST", "/api/v1/users/{user}/enable", accessUser, s.setUserDisabled(false)},
		{"POST", "/api/v1/users/{user}/token", accessUser, s.rotateToken},
		{"GET", "/api/v1/audit", accessAdmin, s.getAudit},

		// Incoming e-mail, from `ent-support mailgate` behind an MTA.
		{"POST", "/api/v1/mail", accessMailgate, s.postMail},

		// The page the e-mails link to: HTML, read-only, one ticket.
		{"GET", "/t/{token}", accessLink, s.ticketPage},
	}
}

// NewHandler returns the API handler: every route of routes(), wrapped in
// its auth rule, with problem+json answers for unknown routes and methods,
// panics turned into 500s, and one log line per request.
func NewHandler(cfg ServerConfig) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Limits = cfg.Limits.OrDefaults()
	if cfg.Workflow == nil {
		cfg.Workflow, _ = cfg.Tickets.(support.WorkflowService)
	}
	if cfg.Events == nil {
		cfg.Events, _ = cfg.Tickets.(support.EventService)
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	s := &server{cfg: cfg, log: cfg.Logger, abuse: newAbuse(cfg.RateLimits),
		streams: newStreamCounter(cfg.MaxStreamsPerUser)}
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		if rt.Access == accessUndeclared {
			panic("httpapi: route " + rt.Method + " " + rt.Path + " has no auth rule")
		}
		mux.Handle(rt.Method+" "+rt.Path, s.guard(rt.Access, rt.Handler))
	}
	return s.logRequests(s.recoverPanics(s.problemForUnrouted(mux)))
}

// NewHTTPServer returns an http.Server with the timeouts t (see Timeouts;
// zero values take the defaults). There is no write timeout on the whole
// answer, since downloads and event streams last as long as they need:
// those handlers put a deadline on each of their writes instead
// (ServerConfig.WriteTimeout).
//
// Shutdown closes at once the connections on which no request has come
// yet: net/http counts them as busy for their first 5 seconds, so a
// client's spare connection (HTTP clients open one ahead, and keep it
// when the request it was for went on another) held a stop for 5 seconds
// and made it fail when the grace was 5 seconds.
func NewHTTPServer(addr string, h http.Handler, t Timeouts) *http.Server {
	t = t.OrDefaults()
	fresh := &freshConns{m: map[net.Conn]struct{}{}}
	srv := &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    t.MaxHeaderBytes,
		ConnState:         fresh.track,
	}
	srv.RegisterOnShutdown(fresh.closeAll)
	return srv
}

// freshConns are the connections in http.StateNew: accepted, no request
// read yet.
type freshConns struct {
	mu sync.Mutex
	m  map[net.Conn]struct{}
}

func (f *freshConns) track(c net.Conn, st http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st == http.StateNew {
		f.m[c] = struct{}{}
	} else {
		delete(f.m, c)
	}
}

func (f *freshConns) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.m {
		c.Close()
		delete(f.m, c)
	}
}

// guard applies a route's auth rule. The token is only ever passed to the
// Authenticator: never logged, never echoed.
func (s *server) guard(a access, h http.HandlerFunc) http.Handler {
	if a == accessPublic || a == accessLink {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ent-support"`)
			s.fail(w, r, support.Errorf(support.EUNAUTHENTICATED, "error.no_token", nil))
			return
		}
		if s.authWait(w, r, token) {
			return
		}
		u, err := s.cfg.Auth.Authenticate(r.Context(), token)
		if err == nil && u == nil {
			err = support.Errorf(support.EUNAUTHENTICATED, "error.bad_token", nil)
		}
		if err != nil {
			if support.ErrorCode(err) == support.EUNAUTHENTICATED {
				s.authFailed(r, token)
				w.Header().Set("WWW-Authenticate", `Bearer realm="ent-support", error="invalid_token"`)
				// Whatever the Authenticator said, the answer names no
				// detail of the token.
				err = support.Errorf(support.EUNAUTHENTICATED, "error.bad_token", nil)
				// Counted per minute and address, not written one by
				// one: a flood of bad tokens is not a flood of writes.
				if s.cfg.Audit != nil {
					s.cfg.Audit.Probe(r.Context(), support.AuditEntry{Action: support.AuditDenied, Target: r.Pattern, Detail: "bad token"})
				}
			}
			s.fail(w, r, err)
			return
		}
		if (u.Role == support.RoleMailgate) != (a == accessMailgate) && !(a == accessMailgate && u.Role == support.RoleAdmin) {
			// A mail gateway's token, stolen from an MTA's host, opens
			// nothing but the mail route; that route takes gateways (and
			// admins, to try it).
			s.audit(r, support.AuditEntry{ActorID: u.ID, Actor: u.Mailbox(),
				Action: support.AuditDenied, Target: r.Pattern, Detail: "mail gateways only post mail"})
			s.fail(w, r, support.Errorf(support.EFORBIDDEN, "error.mailgate_only", nil))
			return
		}
		if a == accessAdmin && u.Role != support.RoleAdmin {
			s.audit(r, support.AuditEntry{ActorID: u.ID, Actor: u.Mailbox(),
				Action: support.AuditDenied, Target: r.Pattern, Detail: "admins only"})
			s.fail(w, r, support.Errorf(support.EFORBIDDEN, "error.admin_only", nil))
			return
		}
		if rec, ok := w.(*statusRecorder); ok {
			rec.user = u.ID
		}
		h(w, r.WithContext(support.WithUser(r.Context(), u)))
	})
}

// audit records e if the server has an audit log.
func (s *server) audit(r *http.Request, e support.AuditEntry) {
	if s.cfg.Audit != nil {
		s.cfg.Audit.Record(r.Context(), e)
	}
}

// remoteHost is the client's address without its port.
func remoteHost(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// bearerToken extracts the token of an "Authorization: Bearer TOKEN"
// header; the scheme is case-insensitive (RFC 9110).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// problemForUnrouted answers requests no route matches (404) or whose
// method no route takes (405) with problem+json rather than the mux's
// plain text, keeping the mux's Allow header.
func (s *server) problemForUnrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// The mux's own handler says which case this is; run it on a
		// recorder (it has no side effect) to learn its status.
		rec := &headerRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		switch rec.status {
		case http.StatusNotFound:
			s.fail(w, r, support.Errorf(support.ENOTFOUND, "error.route_not_found", nil))
		case http.StatusMethodNotAllowed:
			if allow := rec.header.Get("Allow"); allow != "" {
				w.Header().Set("Allow", allow)
			}
			s.fail(w, r, support.Errorf(support.EINVALID, "error.method_not_allowed", nil))
		default: // a redirect to the clean path
			h.ServeHTTP(w, r)
		}
	})
}

type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header { return h.header }
func (h *headerRecorder) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return len(b), nil
}
func (h *headerRecorder) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}

func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.fail(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers what a handler answered, for the log line.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	user   int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flush,
// deadlines) through the recorder.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request: no header, query or body, so no
// token and no personal data lands in the log. It also works out the
// client's address once, for the limits and the audit log.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		client := clientAddr(r, s.cfg.TrustedProxies)
		r = r.WithContext(support.WithRemote(r.Context(), client))
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("client", client),
			slog.String("method", r.Method), slog.String("path", logPath(r.URL.Path)),
			slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
			slog.Int64("user", rec.user), slog.Duration("duration", time.Since(start)))
	})
}

// logPath is a request's path as logged: a signed link's token opens a
// ticket's page to whoever holds it, so it stays out of the log.
func logPath(p string) string {
	if strings.HasPrefix(p, "/t/") {
		return "/t/(redacted)"
	}
	return p
}

// lang is the language of the request's answer.
func lang(r *http.Request) string { return locale.FromAcceptLanguage(r.Header.Get("Accept-Language")) }

// fail answers err as problem+json in the request's language. Internal
// errors are logged with their text and answered without it.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	l := lang(r)
	e := support.AsError(err)
	var cancelled bool
	if e.Code == support.EINTERNAL {
		cancelled = errors.Is(err, context.Canceled)
		if !cancelled {
			s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
				slog.String("method", r.Method), slog.String("path", logPath(r.URL.Path)), slog.String("error", err.Error()))
		}
		e = support.Errorf(support.EINTERNAL, "error.internal", nil)
	}
	status := statusOf(e)
	p := problem{
		Type:   problemType(e.Code),
		Title:  locale.T(l, "code."+e.Code, nil),
		Status: status,
		Detail: locale.Message(l, e),
		Code:   e.Code,
	}
	for _, fe := range e.Fields {
		fe.Message = locale.Field(l, fe)
		p.Errors = append(p.Errors, fe)
	}
	h := w.Header()
	if e.RetryAfter > 0 && (e.Code == support.EUNAVAILABLE || e.Code == support.ERATELIMITED) {
		h.Set("Retry-After", retryAfterHeader(e.RetryAfter))
	}
	if status == http.StatusRequestEntityTooLarge {
		// The rest of the body is not wanted: close rather than drain it.
		h.Set("Connection", "close")
	}
	writeJSON(w, status, problemContentType, p)
}

// writeJSON writes v as the whole answer.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil { // our own types always marshal; say so loudly if not
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func (s *server) ok(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, "application/json", v)
}

// ticketPage hands the signed link to the page handler, which checks the
// token itself.
func (s *server) ticketPage(w http.ResponseWriter, r *http.Request) {
	if s.cfg.TicketPage == nil {
		http.NotFound(w, r)
		return
	}
	s.cfg.TicketPage.ServeHTTP(w, r)
}
