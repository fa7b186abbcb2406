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
)

// ParseRole accepts a role in any case.
func ParseRole(s string) (Role, bool) {
	r := Role(fold(s))
	return r, r == RoleReporter || r == RoleAgent || r == RoleAdmin
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
	Lang           string       `json:"lang,omitempty"` // of the user's e-mails: fr or en
	CreatedAt      time.Time    `json:"created_at"`
}

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
