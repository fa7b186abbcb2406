// Package service holds the business rules of ent-support over the
// domain's interfaces: who may do what and see which ticket, the directory
// lookups that complete a ticket, the checks of attachments, idempotent
// creates. It implements support.TicketService, support.AdminService and
// support.Authenticator for the HTTP server and for the embedded mode.
package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/directory"
	"github.com/ent-support/ent-support/internal/filecheck"
	"github.com/ent-support/ent-support/internal/support"
)

// Config is how an operator sets up the service.
type Config struct {
	Prefix        string         // ticket number prefix; default support.DefaultPrefix
	Limits        support.Limits // attachment limits; zero fields take the defaults
	OpenDirectory bool           // accept establishments missing from the directory
	Now           func() time.Time
	Version       string
	// Contact are the support channels the server publishes; zero fields
	// take the procedure's defaults.
	Contact support.Channels
	// EventPoll, when not 0, makes Follow also read the store at this
	// interval: for another process writing to the same database.
	EventPoll time.Duration
	// Logger gets what cannot be returned (an audit write that failed);
	// nil discards.
	Logger *slog.Logger

	// Tickets by e-mail (mail.go). MailMaxSize bounds an incoming message
	// (0: the ticket size limit and a fifth more); MailFrom is our own
	// sender address (mail from it is never answered); MailHost is the
	// host of our Message-IDs (the public URL's), by which answers to our
	// mail are recognised; MailReplyLimit caps the automatic answers per
	// sender and hour (0: DefaultMailReplyLimit). With MailRequireAuth,
	// only mail that the MTA MailAuthHost found to pass DMARC or SPF
	// (its Authentication-Results) is taken.
	MailMaxSize     int64
	MailFrom        string
	MailHost        string
	MailReplyLimit  int
	MailRequireAuth bool
	MailAuthHost    string
}

// Service implements the domain's services over a Store.
type Service struct {
	store support.Store
	cfg   Config
	hub   hub // wakes followers after each change
	log   *slog.Logger
	dir   dirCache // recent directory lookups
	// probes are the refusals a flood repeats, counted before they are
	// written (probes.go).
	probes probes
}

var (
	_ support.TicketService = (*Service)(nil)
	_ support.AdminService  = (*Service)(nil)
	_ support.Authenticator = (*Service)(nil)
	_ support.Auditor       = (*Service)(nil)
)

// New returns a Service over store.
func New(store support.Store, cfg Config) *Service {
	if cfg.Prefix == "" {
		cfg.Prefix = support.DefaultPrefix
	}
	cfg.Limits = cfg.Limits.OrDefaults()
	cfg.Contact = cfg.Contact.OrDefaults()
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MailHost == "" {
		cfg.MailHost = "localhost"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, cfg: cfg, log: log}
}

// Prefix returns the number prefix of this server.
func (s *Service) Prefix() string { return s.cfg.Prefix }

// Info says what a client needs to know before sending a ticket.
func (s *Service) Info(ctx context.Context) (*support.ServerInfo, error) {
	c := s.cfg.Contact
	return &support.ServerInfo{Prefix: s.cfg.Prefix, Limits: s.cfg.Limits,
		OpenDirectory: s.cfg.OpenDirectory, Version: s.cfg.Version, Contact: &c}, nil
}

// caller returns the authenticated user of ctx.
func caller(ctx context.Context) (*support.User, error) {
	u := support.UserFrom(ctx)
	if u == nil {
		return nil, support.Errorf(support.EUNAUTHENTICATED, "error.no_token", nil)
	}
	return u, nil
}

// CreateTicket checks every field, completes the establishment from the
// directory, checks the files by content and stores the ticket. With an
// idempotency key, a replay returns the first ticket; the same key with
// other content is refused.
func (s *Service) CreateTicket(ctx context.Context, in support.TicketInput, opts support.CreateOptions) (*support.Ticket, error) {
	u, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	who, errs, err := s.speaksFor(ctx, u, &in)
	if err != nil {
		return nil, err
	}
	in, nerrs := in.Normalize()
	for _, fe := range nerrs {
		// A reporter's function is their membership's: whatever the body
		// said was not used, and a refused establishment is said once.
		if who.Role == support.RoleReporter && fe.Field == "reporter.function" {
			continue
		}
		errs = append(errs, fe)
	}
	if !hasField(errs, "establishment.uai") {
		errs = append(errs, s.completeEstablishment(ctx, &in)...)
	}
	files, ferrs := s.checkFiles(opts.Attachments)
	errs = append(errs, ferrs...)
	if len(errs) > 0 {
		return nil, support.InvalidFields(errs)
	}
	hash := bodyHash(in, files)
	t := &support.Ticket{
		TicketSummary: support.TicketSummary{Number: support.Number{Prefix: s.cfg.Prefix}, TicketInput: in,
			CreatedBy: who.ID, FiledBy: u.Mailbox()},
		IdempotencyKey: opts.IdempotencyKey,
		BodyHash:       hash,
	}
	created, err := s.store.CreateTicket(ctx, t, files)
	if err != nil {
		return nil, err
	}
	if created {
		s.hub.notify(t.Number)
	}
	if !created && t.BodyHash != hash {
		return nil, &support.Error{Code: support.EINVALID, Key: "error.idempotency_mismatch",
			Fields: []support.FieldError{{Field: "idempotency_key", Rule: "idempotency_mismatch"}}}
	}
	// The store gave back the whole ticket (history, comments, files):
	// reading it again would cost a read transaction per create, which
	// on PostgreSQL is six round trips.
	t.Replayed = !created
	return t, nil
}

// speaksFor decides whose ticket in is, and makes it speak for that
// account only. A reporter files for themselves; an agent or admin files
// for the reporter whose account in.OnBehalfOf names (a phone call), or,
// naming none, for a caller who has no account (the identity typed is
// kept, and the notifications go to the agent's own address: never to an
// address taken from the request).
//
// For a reporter's account, the name and e-mail are the account's
// whatever the request says; the phone may differ (today's call-back
// number; the account keeps its own) and is the account's when not given;
// the establishment must be one of the account's, and the function is the
// one held there. A reporter filing for a neighbouring school is refused:
// its people have their own accounts, and a ticket that reached them from
// outside would carry words they never wrote.
func (s *Service) speaksFor(ctx context.Context, u *support.User, in *support.TicketInput) (*support.User, []support.FieldError, error) {
	who, raw := u, strings.TrimSpace(in.OnBehalfOf)
	in.OnBehalfOf = "" // never stored: the ticket records who filed it
	if raw != "" {
		if !u.Role.IsStaff() {
			s.deny(ctx, u, raw, "ticket.create: a reporter files only for themselves")
			return u, []support.FieldError{{Field: "on_behalf_of", Rule: support.RuleOnBehalfStaff}}, nil
		}
		email, fe := support.ParseEmail(raw)
		if fe != nil {
			fe.Field = "on_behalf_of"
			return u, []support.FieldError{*fe}, nil
		}
		p, err := s.store.UserByEmail(ctx, email)
		if code := support.ErrorCode(err); code == support.ENOTFOUND || (err == nil && (p.Disabled || p.Role != support.RoleReporter)) {
			return u, []support.FieldError{{Field: "on_behalf_of", Rule: support.RuleAccountUnknown,
				Params: map[string]string{"email": email}}}, nil
		} else if err != nil {
			return nil, nil, err
		}
		who = p
	}
	if who.Role != support.RoleReporter {
		return who, nil, nil
	}
	in.Reporter.Name, in.Reporter.Email = who.Name, who.Email
	if strings.TrimSpace(in.Reporter.Phone) == "" {
		in.Reporter.Phone = who.Phone
	}
	if strings.TrimSpace(in.Establishment.UAI) == "" && len(who.Establishments) == 1 {
		in.Establishment.UAI = who.Establishments[0].UAI
	}
	in.Reporter.Function = ""
	uai, fe := support.ParseUAI(in.Establishment.UAI)
	if fe != nil {
		return who, nil, nil // Normalize reports it
	}
	for _, m := range who.Establishments {
		if m.UAI == uai {
			in.Reporter.Function = m.Function
			return who, nil, nil
		}
	}
	s.deny(ctx, u, uai, "ticket.create: not one of the reporter's establishments")
	return who, []support.FieldError{{Field: "establishment.uai", Rule: support.RuleUAINotMember,
		Params: map[string]string{"uai": uai, "uais": strings.Join(who.UAIs(), ", ")}}}, nil
}

func hasField(errs []support.FieldError, field string) bool {
	for _, fe := range errs {
		if fe.Field == field {
			return true
		}
	}
	return false
}

// completeEstablishment fills name and city from the directory, or asks
// for them when the server accepts establishments it does not know.
func (s *Service) completeEstablishment(ctx context.Context, in *support.TicketInput) []support.FieldError {
	if in.Establishment.UAI == "" {
		return nil // already reported by Normalize
	}
	e, err := s.establishment(ctx, in.Establishment.UAI)
	if err == nil {
		in.Establishment = *e
		return nil
	}
	if support.ErrorCode(err) != support.ENOTFOUND {
		return nil // the create will meet the same storage error and report it
	}
	if !s.cfg.OpenDirectory {
		return []support.FieldError{{Field: "establishment.uai", Rule: support.RuleUAIUnknown}}
	}
	var errs []support.FieldError
	if in.Establishment.Name == "" {
		errs = append(errs, support.FieldError{Field: "establishment.name", Rule: support.RuleRequired})
	}
	if in.Establishment.City == "" {
		errs = append(errs, support.FieldError{Field: "establishment.city", Rule: support.RuleRequired})
	}
	return errs
}

// checkFiles reads each file once to tell its type by content, its size
// and hash, against the limits; the store reads it again to keep it.
func (s *Service) checkFiles(ups []support.Upload) ([]support.FileData, []support.FieldError) {
	if len(ups) > s.cfg.Limits.MaxFiles {
		return nil, []support.FieldError{*filecheck.TooMany(s.cfg.Limits.MaxFiles)}
	}
	var (
		files []support.FileData
		errs  []support.FieldError
		total int64
	)
	for _, up := range ups {
		rc, err := up.Open()
		if err != nil {
			errs = append(errs, support.FieldError{Field: "attachments", Rule: support.RuleFileUnreadable,
				Params: map[string]string{"name": filecheck.SanitizeName(up.Name), "reason": err.Error()}})
			continue
		}
		res, fe := filecheck.Inspect(up.Name, rc, s.cfg.Limits.MaxFileSize)
		rc.Close()
		if fe != nil {
			errs = append(errs, *fe)
			continue
		}
		total += res.Size
		files = append(files, support.FileData{
			Attachment: support.Attachment{Name: res.Name, ContentType: res.ContentType, Size: res.Size, SHA256: res.SHA256},
			Open:       up.Open,
		})
	}
	if total > s.cfg.Limits.MaxTicketSize {
		errs = append(errs, *filecheck.TicketTooBig(total, s.cfg.Limits.MaxTicketSize))
	}
	return files, errs
}

// bodyHash identifies what a create asked for, to tell a replay from a
// different ticket sent with the same idempotency key.
func bodyHash(in support.TicketInput, files []support.FileData) string {
	h := sha256.New()
	json.NewEncoder(h).Encode(in)
	for _, f := range files {
		io.WriteString(h, f.Name+"\x00"+f.SHA256+"\n")
	}
	return hex.EncodeToString(h.Sum(nil))
}

// canSee is the visibility rule: staff see every ticket; a reporter sees
// the tickets of their establishments and those they filed.
func canSee(u *support.User, t *support.TicketSummary) bool {
	if u.Role.IsStaff() || t.CreatedBy == u.ID {
		return true
	}
	for _, m := range u.Establishments {
		if m.UAI == t.Establishment.UAI {
			return true
		}
	}
	return false
}

// ListTickets lists what the caller may see, filtered.
func (s *Service) ListTickets(ctx context.Context, f support.TicketFilter) (*support.TicketPage, error) {
	u, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var errs []support.FieldError
	if f.Limit == 0 {
		f.Limit = support.DefaultListLimit
	} else if f.Limit < 1 || f.Limit > support.MaxListLimit {
		errs = append(errs, support.FieldError{Field: "limit", Rule: support.RuleLimit,
			Params: map[string]string{"min": "1", "max": strconv.Itoa(support.MaxListLimit)}})
	}
	if f.UAI != "" {
		uai, fe := support.ParseUAI(f.UAI)
		if fe != nil {
			fe.Field = "uai"
			errs = append(errs, *fe)
		}
		f.UAI = uai
	}
	if f.Sort != "" && f.Sort != "priority" && f.Sort != support.SortUpdated {
		errs = append(errs, support.FieldError{Field: "sort", Rule: support.RuleSyntax,
			Params: map[string]string{"reason": "sort: \"\" | priority | updated"}})
	}
	if f.Assignee != "" {
		a, fe := support.ParseAssigneeFilter(f.Assignee)
		if fe != nil {
			errs = append(errs, *fe)
		}
		f.Assignee = a
	}
	if len(errs) > 0 {
		return nil, support.InvalidFields(errs)
	}
	q := support.TicketQuery{TicketFilter: f}
	// The assignee filter narrows what the caller may see anyway; "@me" is
	// the caller's own e-mail (a reporter, whom nobody assigns, gets none).
	switch f.Assignee {
	case "":
	case support.AssigneeMe:
		if u.Email == "" {
			return &support.TicketPage{Tickets: []support.TicketSummary{}}, nil
		}
		q.AssignedTo = u.Email
	case support.AssigneeNone:
		q.Unassigned = true
	default:
		q.AssignedTo = f.Assignee
	}
	if f.Mine {
		q.CreatedBy = u.ID
	}
	if !u.Role.IsStaff() {
		// The same rule as canSee: a reporter sees their establishments'
		// tickets and those they filed, wherever.
		q.OnlyUAIs = u.UAIs()
		q.AlsoCreatedBy = u.ID
	}
	return s.store.ListTickets(ctx, q)
}

// GetTicket returns a ticket the caller may see; any other is not found,
// so that numbers cannot be probed.
func (s *Service) GetTicket(ctx context.Context, n support.Number) (*support.Ticket, error) {
	u, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if n.Prefix == "" {
		n.Prefix = s.cfg.Prefix
	}
	t, err := s.store.GetTicket(ctx, n)
	if err != nil {
		return nil, err
	}
	if !canSee(u, &t.TicketSummary) {
		// Someone may try numbers one after the other: counted per
		// minute, not written one by one.
		s.Probe(ctx, support.AuditEntry{ActorID: u.ID, Actor: u.Mailbox(), Action: support.AuditDenied,
			Target: n.String(), Detail: "ticket of another establishment"})
		return nil, notFound(n)
	}
	return t, nil
}

func notFound(n support.Number) error {
	return support.Errorf(support.ENOTFOUND, "error.ticket_not_found", map[string]string{"number": n.String()})
}

// AddComment adds information (a reporter) or a reply (staff) to a ticket
// the caller may see; any other is not found. The files are checked like
// a create's, and the ticket's files with them must stay within
// MaxTicketSize. A closed ticket takes no more comments (ECONFLICT): its
// reporter files a new one.
func (s *Service) AddComment(ctx context.Context, n support.Number, body string, ups []support.Upload) (*support.Comment, error) {
	u, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.GetTicket(ctx, n)
	if err != nil {
		return nil, err
	}
	if t.Status == support.StatusClosed {
		return nil, support.Errorf(support.ECONFLICT, "error.ticket_closed", map[string]string{"number": t.Number.String()})
	}
	var errs []support.FieldError
	body, fe := support.ParseCommentBody(body, len(ups) > 0)
	if fe != nil {
		errs = append(errs, *fe)
	}
	files, ferrs := s.checkFiles(ups)
	errs = append(errs, ferrs...)
	if len(errs) > 0 {
		return nil, support.InvalidFields(errs)
	}
	// The limit is the ticket's, whatever the comment that brings the
	// files. This early check spares the store files it would refuse; the
	// store checks again under the ticket's lock, so that comments racing
	// each other cannot pass it together.
	if len(files) > 0 {
		var total int64
		for _, a := range t.Attachments {
			total += a.Size
		}
		for _, f := range files {
			total += f.Size
		}
		if total > s.cfg.Limits.MaxTicketSize {
			return nil, &support.Error{Code: support.ETOOLARGE, Key: "error.too_large",
				Fields: []support.FieldError{*filecheck.TicketTooBig(total, s.cfg.Limits.MaxTicketSize)}}
		}
	}
	c := &support.Comment{Author: u.Mailbox(), Role: u.Role, Body: body}
	if err := s.store.AddComment(ctx, t.Number, c, files, s.cfg.Limits.MaxTicketSize); err != nil {
		return nil, err
	}
	s.hub.notify(t.Number)
	return c, nil
}

// OpenAttachment returns a file of a ticket the caller may see.
func (s *Service) OpenAttachment(ctx context.Context, n support.Number, id int64) (*support.Attachment, io.ReadCloser, error) {
	t, err := s.GetTicket(ctx, n)
	if err != nil {
		return nil, nil, err
	}
	return s.store.OpenAttachment(ctx, t.Number, id)
}

// Me returns the caller.
func (s *Service) Me(ctx context.Context) (*support.User, error) {
	return caller(ctx)
}

// SearchEstablishments searches the directory.
func (s *Service) SearchEstablishments(ctx context.Context, q string, limit int) ([]support.Establishment, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	// The API documents 1..MaxListLimit: more is capped, not reset to the
	// default (asking for 200 gave 20).
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, support.MaxListLimit)
	return s.store.SearchEstablishments(ctx, strings.TrimSpace(q), limit)
}

// Authenticate finds the user of a bearer token.
func (s *Service) Authenticate(ctx context.Context, token string) (*support.User, error) {
	if token == "" {
		return nil, support.Errorf(support.EUNAUTHENTICATED, "error.no_token", nil)
	}
	u, err := s.store.UserByTokenHash(ctx, support.HashToken(token))
	if code := support.ErrorCode(err); code == support.ENOTFOUND || (err == nil && u.Disabled) {
		return nil, support.Errorf(support.EUNAUTHENTICATED, "error.bad_token", nil)
	} else if err != nil {
		return nil, err
	}
	return u, nil
}

// MinBootstrapTokenLen keeps a guessable bootstrap token out.
const MinBootstrapTokenLen = 20

// Bootstrap makes the first admin, whose token is token, on a database
// with no admin yet. It does nothing when an admin exists.
func (s *Service) Bootstrap(ctx context.Context, token string) (created bool, err error) {
	n, err := s.store.CountUsers(ctx, support.RoleAdmin)
	if err != nil || n > 0 || token == "" {
		return false, err
	}
	if len(token) < MinBootstrapTokenLen {
		return false, support.Errorf(support.EINVALID, "error.bootstrap_token_short",
			map[string]string{"min": strconv.Itoa(MinBootstrapTokenLen)})
	}
	u := &support.User{Name: "Administrateur", Email: "admin@localhost", Role: support.RoleAdmin}
	if err := s.store.CreateUser(ctx, u, support.HashToken(token)); err != nil {
		return false, err
	}
	return true, nil
}

// CreateUser adds a person (admins only) and returns their token, once.
func (s *Service) CreateUser(ctx context.Context, in support.UserInput) (*support.User, string, error) {
	me, chefUAIs, err := s.peopleManager(ctx, support.AuditUserCreate, in.Email)
	if err != nil {
		return nil, "", err
	}
	var errs []support.FieldError
	add := func(fe *support.FieldError, field string) {
		if fe != nil {
			fe.Field = field
			errs = append(errs, *fe)
		}
	}
	u := &support.User{}
	var fe *support.FieldError
	u.Name, fe = support.ParseName("name", in.Name)
	add(fe, "name")
	u.Email, fe = support.ParseEmail(in.Email)
	add(fe, "email")
	if in.Phone != "" {
		u.Phone, fe = support.ParsePhone(in.Phone)
		add(fe, "phone")
	}
	role, ok := support.ParseRole(string(in.Role))
	if !ok {
		errs = append(errs, support.FieldError{Field: "role", Rule: support.RuleRole})
	}
	u.Role = role
	switch u.Lang = strings.ToLower(strings.TrimSpace(in.Lang)); u.Lang {
	case "":
		u.Lang = "fr"
	case "fr", "en":
	default:
		errs = append(errs, support.FieldError{Field: "lang", Rule: "lang"})
	}
	if role == support.RoleReporter {
		fn, ok := support.ParseFunction(string(in.Function))
		if !ok {
			rule := support.RuleFunction
			if in.Function == "" {
				rule = support.RuleRequired
			}
			errs = append(errs, support.FieldError{Field: "function", Rule: rule})
		}
		for _, raw := range in.UAIs {
			uai, fe := support.ParseUAI(raw)
			if fe != nil {
				add(fe, "uai")
				continue
			}
			if _, err := s.establishment(ctx, uai); support.ErrorCode(err) == support.ENOTFOUND {
				if !s.cfg.OpenDirectory {
					errs = append(errs, support.FieldError{Field: "uai", Rule: support.RuleUAIUnknown})
					continue
				}
			} else if err != nil {
				// The storage failed: not the admin's input to blame.
				return nil, "", err
			}
			u.Establishments = append(u.Establishments, support.Membership{UAI: uai, Function: fn})
		}
	}
	if fe := s.checkExpiry(in.TokenExpiresAt); fe != nil {
		errs = append(errs, *fe)
	}
	u.TokenExpiresAt = in.TokenExpiresAt
	if len(errs) > 0 {
		return nil, "", support.InvalidFields(errs)
	}
	if err := s.checkAppointment(ctx, me, chefUAIs, u); err != nil {
		return nil, "", err
	}
	token, err := support.NewToken()
	if err != nil {
		return nil, "", err
	}
	if err := s.store.CreateUser(ctx, u, support.HashToken(token)); err != nil {
		return nil, "", err
	}
	detail := string(u.Role)
	for _, m := range u.Establishments {
		detail += " " + string(m.Function) + "@" + m.UAI
	}
	s.audit(ctx, me, support.AuditUserCreate, u.Email, detail)
	return u, token, nil
}

// AddEstablishment adds or updates one establishment of the directory.
func (s *Service) AddEstablishment(ctx context.Context, e support.Establishment) (*support.Establishment, error) {
	me, err := s.requireAdmin(ctx, support.AuditEstablishmentAdd, e.UAI)
	if err != nil {
		return nil, err
	}
	row := directory.Check(e)
	if row.Err != nil {
		return nil, support.InvalidFields([]support.FieldError{*row.Err})
	}
	res, err := s.store.UpsertEstablishment(ctx, row.Establishment)
	s.forgetDirectory()
	if err != nil {
		return nil, err
	}
	s.audit(ctx, me, support.AuditEstablishmentAdd, row.Establishment.UAI, res)
	return &row.Establishment, nil
}

// importBatch is how many rows of an import share one transaction: large
// enough that the fsync is paid rarely, small enough that a ticket filed
// during an import waits a few milliseconds, not the whole import.
const importBatch = 1000

// ImportEstablishments reads the national directory's CSV export and
// upserts each line; a refused line does not stop the others, and running
// the same file twice changes nothing.
func (s *Service) ImportEstablishments(ctx context.Context, r io.Reader) (*support.ImportReport, error) {
	me, err := s.requireAdmin(ctx, support.AuditEstablishmentImport, "")
	if err != nil {
		return nil, err
	}
	rep := &support.ImportReport{Lines: []support.ImportLine{}}
	defer func() {
		s.forgetDirectory()
		if len(rep.Lines) > 0 {
			s.audit(ctx, me, support.AuditEstablishmentImport, "", fmt.Sprintf("added %d, updated %d, unchanged %d, refused %d",
				rep.Added, rep.Updated, rep.Unchanged, rep.Refused))
		}
	}()
	// Valid rows are written importBatch at a time, each batch one
	// transaction: one fsync per row made the national export (60,000
	// lines) take many minutes, and one transaction for the whole file
	// would hold the write lock, and keep tickets from being filed, for its
	// whole length.
	var batch []support.Establishment
	var at []int // the index in rep.Lines of each row of batch
	var storeErr error
	flush := func() error {
		if len(batch) == 0 || storeErr != nil {
			return nil
		}
		results, err := s.store.UpsertEstablishments(ctx, batch)
		if err != nil {
			storeErr = err
			return err
		}
		for i, res := range results {
			rep.Lines[at[i]].Result = res
			switch res {
			case "added":
				rep.Added++
			case "updated":
				rep.Updated++
			default:
				rep.Unchanged++
			}
		}
		batch, at = batch[:0], at[:0]
		return nil
	}
	err = directory.Read(r, func(row directory.Row) error {
		line := support.ImportLine{Line: row.Line, UAI: row.Establishment.UAI}
		if row.Err != nil {
			line.Result, line.Error = "refused", row.Err
			rep.Refused++
			rep.Lines = append(rep.Lines, line)
			return nil
		}
		batch = append(batch, row.Establishment)
		at = append(at, len(rep.Lines))
		rep.Lines = append(rep.Lines, line)
		if len(batch) == importBatch {
			return flush()
		}
		return nil
	})
	// The rows read before a failed read are written too, as they would
	// have been one by one: the report and the audit entry say what is in
	// the directory.
	if ferr := flush(); err == nil {
		err = ferr
	}
	if storeErr != nil {
		// The storage failed: not the file's fault, and its error text
		// (driver, path) is not for the client.
		return nil, storeErr
	}
	if err != nil {
		if support.ErrorCode(err) != support.EINTERNAL {
			return nil, err
		}
		return nil, support.InvalidFields([]support.FieldError{{Field: "csv", Rule: support.RuleSyntax,
			Params: map[string]string{"reason": err.Error()}}})
	}
	return rep, nil
}
