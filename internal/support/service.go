package support

import (
	"context"
	"io"
	"strings"
	"time"
)

// TicketFilter selects tickets for a list. Zero values mean "any".
type TicketFilter struct {
	Status   []Status   `json:"status,omitempty"`
	Priority []Priority `json:"priority,omitempty"`
	UAI      string     `json:"uai,omitempty"`
	Mine     bool       `json:"mine,omitempty"`  // only the tickets the caller filed
	Since    time.Time  `json:"since,omitempty"` // created at or after
	Limit    int        `json:"limit,omitempty"` // 1..MaxListLimit; 0 means DefaultListLimit
	Cursor   string     `json:"cursor,omitempty"`
	// Sort is "" (newest first), "priority" (most urgent first, then
	// oldest) or "updated" (most recently changed first).
	Sort string `json:"sort,omitempty"`
	// Assignee keeps the tickets taken by one agent: an e-mail, AssigneeMe
	// (the caller) or AssigneeNone (the tickets nobody took); "" keeps all.
	Assignee string `json:"assignee,omitempty"`
}

// The values of TicketFilter.Sort besides "" and "priority".
const SortUpdated = "updated"

// The values of TicketFilter.Assignee that are not an e-mail.
const (
	AssigneeMe   = "@me"
	AssigneeNone = "none"
)

// ParseAssigneeFilter checks an assignee filter: "@me", "none" (in any
// case) or an e-mail address, returned as the filter holds it.
func ParseAssigneeFilter(s string) (string, *FieldError) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case AssigneeMe, AssigneeNone:
		return strings.ToLower(t), nil
	}
	e, fe := ParseEmail(t)
	if fe != nil {
		return "", &FieldError{Field: "assignee", Rule: RuleSyntax,
			Params: map[string]string{"reason": "@me | none | e-mail"}}
	}
	return e, nil
}

// List page sizes.
const (
	DefaultListLimit = 50
	MaxListLimit     = 500
)

// TicketPage is one page of a list; NextCursor is empty on the last page.
type TicketPage struct {
	Tickets    []TicketSummary `json:"tickets"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

// CreateOptions carry what travels with a create besides the fields.
type CreateOptions struct {
	// IdempotencyKey makes the create safe to replay: the same key from the
	// same user returns the ticket first created with it.
	IdempotencyKey string
	Attachments    []Upload
}

// ServerInfo is what a server says of itself, without authentication: the
// client uses it to check files before sending them.
type ServerInfo struct {
	Prefix string `json:"prefix"`
	Limits Limits `json:"limits"`
	// OpenDirectory: establishments not in the directory are accepted (then
	// their name and city are asked).
	OpenDirectory bool   `json:"open_directory"`
	Version       string `json:"version"`
	// Contact are the territory's support channels; nil from a server that
	// publishes none (then the procedure's defaults apply).
	Contact *Channels `json:"contact,omitempty"`
}

// The services are split by what they hold, so that a back end implements
// what it supports and nothing more: RT and Redmine have no directory of
// establishments and no way to change the caller's contact details, so
// they implement neither Directory nor ContactEditor. Commands ask the
// factory for each capability they need, and a back end that lacks it
// gives a "not supported by this back end" error instead of a stub.
//
// Errors, for every service: EINVALID (with Fields) for bad input,
// EUNAUTHENTICATED, EFORBIDDEN, ENOTFOUND (also for tickets the caller may
// not see), ETOOLARGE, EUNAVAILABLE.

// InfoService describes the server: its version, limits and channels.
type InfoService interface {
	Info(ctx context.Context) (*ServerInfo, error)
}

// Tickets files and reads tickets. The caller is the user of ctx.
type Tickets interface {
	CreateTicket(ctx context.Context, in TicketInput, opts CreateOptions) (*Ticket, error)
	ListTickets(ctx context.Context, f TicketFilter) (*TicketPage, error)
	GetTicket(ctx context.Context, n Number) (*Ticket, error)
	// AddComment adds information (a reporter) or a reply (an agent) to a
	// ticket the caller may see, with optional files; body may be empty
	// only when files are given. Errors: also ECONFLICT on a closed ticket,
	// ETOOLARGE when the ticket's files would pass MaxTicketSize.
	AddComment(ctx context.Context, n Number, body string, files []Upload) (*Comment, error)
	// OpenAttachment returns a file's description and content; the caller closes it.
	OpenAttachment(ctx context.Context, n Number, id int64) (*Attachment, io.ReadCloser, error)
}

// Identity says who the caller is.
type Identity interface {
	Me(ctx context.Context) (*User, error)
}

// ContactEditor lets the caller change their own contact details.
type ContactEditor interface {
	// UpdateMe changes the caller's own phone number and e-mail (the
	// fields given), each checked with the ticket's rules, and returns the
	// caller as now stored. Errors: EINVALID naming "phone" or "email",
	// ECONFLICT when the e-mail is another user's.
	UpdateMe(ctx context.Context, c ContactUpdate) (*User, error)
}

// Directory searches the establishments a ticket can be filed for.
type Directory interface {
	SearchEstablishments(ctx context.Context, q string, limit int) ([]Establishment, error)
}

// TicketService is everything our own server offers a reporter: the
// remote client (httpapi.Client) and the embedded reference server
// (service.Service bound to the local user) both implement it.
type TicketService interface {
	InfoService
	Tickets
	Identity
	ContactEditor
	Directory
}

// ImportLine is the outcome of one line of an establishment import.
type ImportLine struct {
	Line   int    `json:"line"`
	UAI    string `json:"uai,omitempty"`
	Result string `json:"result"` // added, updated, unchanged, refused
	// Error says why a line was refused, as a field error to show in the
	// reader's language.
	Error *FieldError `json:"error,omitempty"`
}

// ImportReport sums up an establishment import.
type ImportReport struct {
	Added     int          `json:"added"`
	Updated   int          `json:"updated"`
	Unchanged int          `json:"unchanged"`
	Refused   int          `json:"refused"`
	Lines     []ImportLine `json:"lines"`
}

// AdminService is what admins use to manage people and the directory. A
// chef_etablissement may also appoint, list, disable, give a new token to
// and change the e-mail of the ENT correspondents of their own establishments.
// Errors: EFORBIDDEN for anyone else, EINVALID, ECONFLICT (e-mail taken),
// ENOTFOUND (a user the caller may not manage is not found either).
type AdminService interface {
	// CreateUser returns the new user and its token, shown once.
	CreateUser(ctx context.Context, in UserInput) (*User, string, error)
	ListUsers(ctx context.Context, f UserFilter) ([]User, error)
	// SetUserDisabled disables (or enables again) the user of ref, an ID or
	// an e-mail; a disabled user's token stops working at once.
	SetUserDisabled(ctx context.Context, ref string, disabled bool) (*User, error)
	// RotateToken gives the user of ref a new token, shown once; the old
	// one stops working at once.
	RotateToken(ctx context.Context, ref string, opts TokenOptions) (*User, string, error)
	// UpdateUser changes the e-mail and phone of the user of ref, each
	// checked as ContactUpdate.Normalize does; a field left empty keeps its
	// value. It is how a reporter's e-mail changes, since UpdateMe refuses
	// that. ECONFLICT when another account holds the e-mail.
	UpdateUser(ctx context.Context, ref string, c ContactUpdate) (*User, error)
	// Audit returns audit entries, oldest first (admins only).
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	AddEstablishment(ctx context.Context, e Establishment) (*Establishment, error)
	// ImportEstablishments reads the national directory's CSV export.
	ImportEstablishments(ctx context.Context, csv io.Reader) (*ImportReport, error)
}

// Authenticator turns a bearer token into a user.
// Errors: EUNAUTHENTICATED for an unknown, disabled or expired token.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*User, error)
}

// TicketQuery is a list as the store sees it: the filter, plus the
// visibility the service computed for the caller.
type TicketQuery struct {
	TicketFilter
	// OnlyUAIs, when not nil, restricts to these establishments (reporters).
	OnlyUAIs []string
	// AlsoCreatedBy, when not 0, widens OnlyUAIs: the tickets this user
	// filed are visible too, whatever their establishment.
	AlsoCreatedBy int64
	// CreatedBy, when not 0, restricts to tickets filed by this user (Mine).
	CreatedBy int64
	// AssignedTo, when not "", restricts to the tickets taken by this
	// e-mail (any case); Unassigned to those nobody took. The service
	// sets them from Assignee.
	AssignedTo string
	Unassigned bool
}

// FileData is an attachment checked by the service, ready to be stored:
// its description (ID and CreatedAt are set by the store) and its content.
type FileData struct {
	Attachment
	Open func() (io.ReadCloser, error)
}

// The store is split by what it keeps, so that code which needs one part
// (a test helper, the audit writer) can say so; Store is their union, what
// sqlstore implements.
//
// Errors, for every store: ENOTFOUND, ECONFLICT (unique e-mail),
// EUNAVAILABLE (database unreachable, read-only or full), EINTERNAL.

// TicketStore keeps tickets with their comments, files, history and events.
type TicketStore interface {
	// CreateTicket numbers and stores t with its files, all or nothing, and
	// fills t.Number.Seq, timestamps and attachment IDs. t.Number.Prefix is
	// set by the caller. If t.IdempotencyKey is not empty and a ticket of
	// the same CreatedBy already has it, nothing is written, t is replaced
	// by that ticket (with its BodyHash) and created is false.
	CreateTicket(ctx context.Context, t *Ticket, files []FileData) (created bool, err error)
	// GetTicket returns a ticket with history, comments and attachments.
	GetTicket(ctx context.Context, n Number) (*Ticket, error)
	ListTickets(ctx context.Context, q TicketQuery) (*TicketPage, error)
	// AddComment stores c on ticket n with its files, all or nothing, sets
	// the ticket's updated_at, and fills c.ID, c.CreatedAt and the files'
	// IDs (c.Attachments). Author, Role and Body are set by the caller.
	// With files, the ticket's files and these must stay within
	// maxTicketSize (0: no limit), checked in the same transaction:
	// ETOOLARGE, and nothing is written.
	AddComment(ctx context.Context, n Number, c *Comment, files []FileData, maxTicketSize int64) error
	OpenAttachment(ctx context.Context, n Number, id int64) (*Attachment, io.ReadCloser, error)
	// ChangeTicket applies changes to ticket n in one transaction, each
	// only if its field still holds its From (else ECONFLICT and nothing
	// is written), writes one history entry per change with actor and
	// message, and moves the ticket's updated_at.
	ChangeTicket(ctx context.Context, n Number, actor, message string, changes []TicketChange) error
	// Events returns up to limit events of ticket n after afterID, oldest
	// first. CreateTicket, AddComment and ChangeTicket each write theirs in
	// the transaction of the change: one for a creation, one per comment,
	// one per history entry.
	Events(ctx context.Context, n Number, afterID int64, limit int) ([]Event, error)
}

// UserStore keeps people and the hashes of their tokens.
type UserStore interface {
	// CreateUser stores u (setting ID and CreatedAt) with the hash of its token.
	CreateUser(ctx context.Context, u *User, tokenHash string) error
	// UserByTokenHash returns the user holding a token: EUNAUTHENTICATED
	// when none does, or when it is disabled or its token expired.
	UserByTokenHash(ctx context.Context, tokenHash string) (*User, error)
	UserByID(ctx context.Context, id int64) (*User, error)
	ListUsers(ctx context.Context, q UserQuery) ([]User, error)
	// SetUserDisabled disables (by is who did it) or enables (by is
	// ignored) user id; the user's DisabledBy says who disabled them.
	SetUserDisabled(ctx context.Context, id int64, disabled bool, by int64) error
	// SetUserToken replaces a user's token hash and its expiry (nil: never).
	SetUserToken(ctx context.Context, id int64, tokenHash string, expiresAt *time.Time) error
	// UserByEmail finds a user by e-mail, whatever its case (ENOTFOUND).
	UserByEmail(ctx context.Context, email string) (*User, error)
	// UpdateUserContact sets the non-empty fields of c on user id and
	// returns the user as stored (ENOTFOUND; ECONFLICT when the e-mail,
	// whatever its case, is another user's).
	UpdateUserContact(ctx context.Context, id int64, c ContactUpdate) (*User, error)
	CountUsers(ctx context.Context, role Role) (int, error)
}

// AuditStore keeps the audit log.
type AuditStore interface {
	// AddAudit appends e (setting ID, and At when zero).
	AddAudit(ctx context.Context, e *AuditEntry) error
	// AddAuditCount adds n to the Count of entry id (an aggregated
	// refusal seen again).
	AddAuditCount(ctx context.Context, id, n int64) error
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// DirectoryStore keeps the establishments.
type DirectoryStore interface {
	// UpsertEstablishment adds or updates e; result is added, updated or unchanged.
	UpsertEstablishment(ctx context.Context, e Establishment) (result string, err error)
	// UpsertEstablishments upserts es in order in one transaction, with
	// one result per row, as many UpsertEstablishment calls would give.
	UpsertEstablishments(ctx context.Context, es []Establishment) (results []string, err error)
	GetEstablishment(ctx context.Context, uai string) (*Establishment, error)
	// SearchEstablishments finds by UAI prefix, name or city (case and accent insensitive).
	SearchEstablishments(ctx context.Context, q string, limit int) ([]Establishment, error)
}

// Store keeps tickets, people, the audit log and the directory: what the
// service runs on. It holds no business rule: visibility and roles are
// decided by the service. The mail tables are apart (MailQueue,
// MailInbox): the notifier and the mail handler ask for them.
type Store interface {
	TicketStore
	UserStore
	AuditStore
	DirectoryStore
	Close() error
}
