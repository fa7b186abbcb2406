package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ent-support/ent-support/internal/support"
)

// People routes: the service decides who may (admins; a chef_etablissement
// for the correspondents of their establishments), so these routes ask
// only for a valid token.

func (s *server) listUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := support.UserFilter{UAI: q.Get("uai"), Role: support.Role(q.Get("role"))}
	if v := q.Get("disabled"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.fail(w, r, support.InvalidFields([]support.FieldError{{Field: "disabled", Rule: "boolean"}}))
			return
		}
		f.Disabled = b
	}
	users, err := s.cfg.Admin.ListUsers(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, http.StatusOK, userList{Users: users})
}

// userList is the answer of GET /users.
type userList struct {
	Users []support.User `json:"users"`
}

func (s *server) setUserDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := s.cfg.Admin.SetUserDisabled(r.Context(), r.PathValue("user"), disabled)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.ok(w, http.StatusOK, u)
	}
}

// updateUser is PATCH /users/{user}: a user's e-mail and phone. As with
// PATCH /me, any other key is refused as an unknown field.
func (s *server) updateUser(w http.ResponseWriter, r *http.Request) {
	var in support.ContactUpdate
	if err := decodeJSONBody(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.cfg.Admin.UpdateUser(r.Context(), r.PathValue("user"), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, http.StatusOK, u)
}

func (s *server) rotateToken(w http.ResponseWriter, r *http.Request) {
	var opts support.TokenOptions
	if r.ContentLength != 0 {
		if err := decodeJSONBody(w, r, &opts); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	u, token, err := s.cfg.Admin.RotateToken(r.Context(), r.PathValue("user"), opts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, http.StatusOK, createdUser{User: u, Token: token})
}

func (s *server) getAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := support.AuditFilter{Action: q.Get("action")}
	var errs []support.FieldError
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, support.FieldError{Field: "after", Rule: "after"})
		}
		f.After = n
	}
	if v := q.Get("limit"); v != "" {
		n, fe := parseLimit(v, support.MaxListLimit)
		if fe != nil {
			errs = append(errs, *fe)
		}
		f.Limit = n
	}
	if len(errs) > 0 {
		s.fail(w, r, support.InvalidFields(errs))
		return
	}
	entries, err := s.cfg.Admin.Audit(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, http.StatusOK, auditList{Entries: entries})
}

// auditList is the answer of GET /audit.
type auditList struct {
	Entries []support.AuditEntry `json:"entries"`
}

// ListUsers lists people (admins: everyone; a chef: their establishments').
func (c *Client) ListUsers(ctx context.Context, f support.UserFilter) ([]support.User, error) {
	q := url.Values{}
	if f.UAI != "" {
		q.Set("uai", f.UAI)
	}
	if f.Role != "" {
		q.Set("role", string(f.Role))
	}
	if f.Disabled {
		q.Set("disabled", "true")
	}
	var out userList
	if err := c.call(ctx, http.MethodGet, "/users", q, nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Users, nil
}

// SetUserDisabled disables or enables the user of ref (an ID or an e-mail).
func (c *Client) SetUserDisabled(ctx context.Context, ref string, disabled bool) (*support.User, error) {
	verb := "/enable"
	if disabled {
		verb = "/disable"
	}
	var out support.User
	if err := c.call(ctx, http.MethodPost, "/users/"+url.PathEscape(ref)+verb, nil, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RotateToken gives the user of ref a new token, returned once.
func (c *Client) RotateToken(ctx context.Context, ref string, opts support.TokenOptions) (*support.User, string, error) {
	var out createdUser
	if err := c.call(ctx, http.MethodPost, "/users/"+url.PathEscape(ref)+"/token", nil, nil, opts, &out); err != nil {
		return nil, "", err
	}
	if out.User == nil || out.Token == "" {
		return nil, "", c.badResponse(http.StatusOK)
	}
	return out.User, out.Token, nil
}

// UpdateUser changes the e-mail and phone of the user of ref (an ID or an
// e-mail). The same update twice gives the same user, so the client's
// usual retries apply.
func (c *Client) UpdateUser(ctx context.Context, ref string, in support.ContactUpdate) (*support.User, error) {
	var out support.User
	if err := c.call(ctx, http.MethodPatch, "/users/"+url.PathEscape(ref), nil, nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Audit reads the audit log (admins).
func (c *Client) Audit(ctx context.Context, f support.AuditFilter) ([]support.AuditEntry, error) {
	q := url.Values{}
	if f.After != 0 {
		q.Set("after", strconv.FormatInt(f.After, 10))
	}
	if f.Action != "" {
		q.Set("action", f.Action)
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	var out auditList
	if err := c.call(ctx, http.MethodGet, "/audit", q, nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Entries, nil
}
