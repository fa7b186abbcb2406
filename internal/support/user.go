package support

import (
	"context"
	"time"
)

// Role is what a user may do. Reporters file and follow the tickets of
// their establishments; agents handle every ticket; admins manage people and
// the directory (and may do what agents do).
type Role string

const (
	RoleReporter Role = "reporter"
	RoleAgent    Role = "agent"
	RoleAdmin    Role = "admin"
	// RoleMailgate is the token of a mail gateway (`ent-support mailgate`
	// behind an MTA): it may post incoming mail and nothing else. The
	// sender's own account is what the mail is then handled as.
	RoleMailgate Role = "mailgate"
)

// ParseRole accepts a role in any case.
func ParseRole(s string) (Role, bool) {
	r := Role(fold(s))
	return r, r == RoleReporter || r == RoleAgent || r == RoleAdmin || r == RoleMailgate
}

// IsStaff reports whether the role handles tickets (agent or admin).
func (r Role) IsStaff() bool { return r == RoleAgent || r == RoleAdmin }

// Membership binds a reporter to an establishment with a function.
type Membership struct {
	UAI      string   `json:"uai"`
	Function Function `json:"function"`
}

// User is a person known to the server.
type User struct {
	ID             int64        `json:"id"`
	Name           string       `json:"name"`
	Email          string       `json:"email"`
	Phone          string       `json:"phone,omitempty"`
	Role           Role         `json:"role"`
	Establishments []Membership `json:"establishments"`
	Disabled       bool         `json:"disabled,omitempty"`
	// DisabledBy is the ID of who disabled the user (0: not recorded).
	DisabledBy int64     `json:"disabled_by,omitempty"`
	Lang       string    `json:"lang,omitempty"` // of the user's e-mails: fr or en
	CreatedAt  time.Time `json:"created_at"`
	// TokenExpiresAt is when the user's token stops working; nil: never.
	TokenExpiresAt *time.Time `json:"token_expires_at,omitempty"`
}

// Mailbox is how a person is named in histories, comments and the audit
// log: "Name <e-mail>".
func Mailbox(name, email string) string { return name + " <" + email + ">" }

// Mailbox names u as Mailbox does.
func (u *User) Mailbox() string { return Mailbox(u.Name, u.Email) }

// UAIs returns the codes of the user's establishments.
func (u *User) UAIs() []string {
	out := make([]string, 0, len(u.Establishments))
	for _, m := range u.Establishments {
		out = append(out, m.UAI)
	}
	return out
}

// UserInput is what an admin gives to create a user.
type UserInput struct {
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Phone    string   `json:"phone,omitempty"`
	Role     Role     `json:"role"`
	Function Function `json:"function,omitempty"` // reporters only
	UAIs     []string `json:"uais,omitempty"`     // reporters only
	// Lang is the language of the user's e-mails: fr (the default) or en.
	Lang string `json:"lang,omitempty"`
	// TokenExpiresAt, when set, is when the token stops working (in the
	// future, at most MaxTokenLifetime away).
	TokenExpiresAt *time.Time `json:"token_expires_at,omitempty"`
}

// MaxTokenLifetime bounds an expiring token: about three school years.
const MaxTokenLifetime = 3 * 366 * 24 * time.Hour

// Member reports whether u holds function fn in establishment uai.
func (u *User) Member(uai string, fn Function) bool {
	for _, m := range u.Establishments {
		if m.UAI == uai && m.Function == fn {
			return true
		}
	}
	return false
}

// UserFilter selects people for `admin user list`. Zero values mean "any".
type UserFilter struct {
	UAI  string `json:"uai,omitempty"`
	Role Role   `json:"role,omitempty"`
	// Disabled includes disabled users (they are left out by default).
	Disabled bool `json:"disabled,omitempty"`
}

// UserQuery is a user list as the store sees it: the filter, plus the
// establishments the caller may see people of (nil: all of them).
type UserQuery struct {
	UserFilter
	OnlyUAIs []string
}

// TokenOptions are the options of a new token (rotation).
type TokenOptions struct {
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Audit actions.
const (
	AuditUserCreate          = "user.create"
	AuditUserDisable         = "user.disable"
	AuditUserEnable          = "user.enable"
	AuditUserRotateToken     = "user.rotate_token"
	AuditUserUpdate          = "user.update"
	AuditEstablishmentAdd    = "establishment.add"
	AuditEstablishmentImport = "establishment.import"
	// AuditDenied is an authorization refusal: no or a bad token (Actor
	// empty), a route above the caller's role, a ticket the caller may not
	// see, an act the caller's role may not do.
	AuditDenied = "denied"
)

// AuditEntry is one line of the audit log. It never holds a token.
type AuditEntry struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	ActorID int64     `json:"actor_id,omitempty"`
	Actor   string    `json:"actor,omitempty"` // "Name <e-mail>"; empty when no valid token was given
	Action  string    `json:"action"`
	Target  string    `json:"target,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	Remote  string    `json:"remote,omitempty"` // the client's address
	// Count is how many times this happened: 1, or, for a refusal that
	// a flood repeats (Auditor.Probe), how many times within the minute
	// of the clock that holds At.
	Count int64 `json:"count"`
}

// AuditFilter selects audit entries: after an ID (oldest first), at most
// Limit (1..MaxListLimit; 0 means DefaultListLimit).
type AuditFilter struct {
	After  int64  `json:"after,omitempty"`
	Action string `json:"action,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// Auditor records audit entries. Recording must not fail the action it
// records: implementations log their own failures.
type Auditor interface {
	Record(ctx context.Context, e AuditEntry)
	// Probe records a refusal that a flood repeats (a bad token, a look
	// at a ticket one may not see): counted in memory and written later,
	// one entry per minute for each same actor, action, target, detail
	// and address, so that a flood of them is not a flood of writes.
	Probe(ctx context.Context, e AuditEntry)
}

type remoteKey struct{}

// WithRemote returns a context carrying the client's address, for the audit log.
func WithRemote(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, remoteKey{}, addr)
}

// RemoteFrom returns the client's address of ctx, or "".
func RemoteFrom(ctx context.Context) string {
	s, _ := ctx.Value(remoteKey{}).(string)
	return s
}

type userKey struct{}

// WithUser returns a context carrying the authenticated user.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the authenticated user of ctx, or nil.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}
