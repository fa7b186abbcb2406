package service

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// People are managed by admins, and by each chef_etablissement for the ENT
// correspondents of their own establishments: the procedure says the
// management team appoints them.

// peopleManager returns the caller and the establishments they manage the
// correspondents of: nil for an admin (everyone). Anyone else is refused,
// and the refusal is audited.
func (s *Service) peopleManager(ctx context.Context, action, target string) (*support.User, []string, error) {
	u, err := caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	if u.Role == support.RoleAdmin {
		return u, nil, nil
	}
	if uais := chefOf(u); len(uais) > 0 {
		return u, uais, nil
	}
	s.deny(ctx, u, target, action+": not an admin nor a chef_etablissement")
	return nil, nil, support.Errorf(support.EFORBIDDEN, "error.people_forbidden", nil)
}

// chefOf returns the establishments u is chef_etablissement of.
func chefOf(u *support.User) []string {
	var out []string
	if u.Role != support.RoleReporter {
		return nil
	}
	for _, m := range u.Establishments {
		if m.Function == support.ChefEtablissement {
			out = append(out, m.UAI)
		}
	}
	return out
}

// manages reports whether a chef of uais may manage target: a reporter
// whose every membership is correspondant_ent in one of them.
func manages(uais []string, target *support.User) bool {
	if uais == nil {
		return true // an admin
	}
	if target.Role != support.RoleReporter || len(target.Establishments) == 0 {
		return false
	}
	for _, m := range target.Establishments {
		if m.Function != support.CorrespondantENT || !slices.Contains(uais, m.UAI) {
			return false
		}
	}
	return true
}

// checkAppointment refuses what a chef may not create: anything but
// correspondents of their own establishments.
func (s *Service) checkAppointment(ctx context.Context, u *support.User, uais []string, in *support.User) error {
	if manages(uais, in) {
		return nil
	}
	s.deny(ctx, u, in.Email, support.AuditUserCreate+": a chef_etablissement appoints only correspondant_ent of their establishments")
	return support.Errorf(support.EFORBIDDEN, "error.appoint_correspondents_only",
		map[string]string{"uais": strings.Join(uais, ", ")})
}

// checkExpiry checks a token's expiry: in the future, within MaxTokenLifetime.
func (s *Service) checkExpiry(t *time.Time) *support.FieldError {
	if t == nil {
		return nil
	}
	now := s.cfg.Now()
	if !t.After(now) || t.Sub(now) > support.MaxTokenLifetime {
		return &support.FieldError{Field: "token_expires_at", Rule: "token_expiry",
			Params: map[string]string{"max_days": strconv.Itoa(int(support.MaxTokenLifetime / (24 * time.Hour)))}}
	}
	return nil
}

// ListUsers lists people: everyone for an admin; a chef sees the people of
// their establishments.
func (s *Service) ListUsers(ctx context.Context, f support.UserFilter) ([]support.User, error) {
	_, uais, err := s.peopleManager(ctx, "user.list", "")
	if err != nil {
		return nil, err
	}
	if f.Role != "" {
		r, ok := support.ParseRole(string(f.Role))
		if !ok {
			return nil, support.InvalidFields([]support.FieldError{{Field: "role", Rule: support.RuleRole}})
		}
		f.Role = r
	}
	if f.UAI != "" {
		uai, fe := support.ParseUAI(f.UAI)
		if fe != nil {
			fe.Field = "uai"
			return nil, support.InvalidFields([]support.FieldError{*fe})
		}
		f.UAI = uai
	}
	q := support.UserQuery{UserFilter: f}
	if uais != nil {
		q.OnlyUAIs = uais
	}
	return s.store.ListUsers(ctx, q)
}

// userFor finds the user of ref (an ID or an e-mail) whom the caller may
// manage. A user out of a chef's reach is not found, as an unknown one.
func (s *Service) userFor(ctx context.Context, action, ref string) (*support.User, *support.User, error) {
	me, uais, err := s.peopleManager(ctx, action, ref)
	if err != nil {
		return nil, nil, err
	}
	ref = strings.TrimSpace(ref)
	var target *support.User
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil && id > 0 {
		target, err = s.store.UserByID(ctx, id)
	} else {
		target, err = s.store.UserByEmail(ctx, ref)
	}
	if err != nil {
		return nil, nil, err
	}
	if !manages(uais, target) {
		s.deny(ctx, me, ref, action+": out of the chef_etablissement's correspondents")
		return nil, nil, support.Errorf(support.ENOTFOUND, "error.user_not_found", nil)
	}
	return me, target, nil
}

// SetUserDisabled disables or enables a user. Nobody disables themselves:
// the last admin would lock everyone out.
func (s *Service) SetUserDisabled(ctx context.Context, ref string, disabled bool) (*support.User, error) {
	action := support.AuditUserEnable
	if disabled {
		action = support.AuditUserDisable
	}
	me, u, err := s.userFor(ctx, action, ref)
	if err != nil {
		return nil, err
	}
	if u.ID == me.ID && disabled {
		return nil, support.Errorf(support.ECONFLICT, "error.disable_self", nil)
	}
	if !disabled && u.Disabled && me.Role != support.RoleAdmin && !s.disabledByPeer(ctx, u) {
		s.deny(ctx, me, u.Email, action+": disabled by an admin")
		return nil, support.Errorf(support.EFORBIDDEN, "error.enable_admin_disabled", nil)
	}
	if err := s.store.SetUserDisabled(ctx, u.ID, disabled, me.ID); err != nil {
		return nil, err
	}
	u.Disabled = disabled
	s.audit(ctx, me, action, u.Email, "")
	return u, nil
}

// UpdateUser changes the e-mail and phone of a user the caller manages,
// each checked with the ticket's rules as UpdateMe does. It is how a
// reporter's e-mail changes (they may not change it themselves). The audit
// entry names the account as it was known and what kind of contact
// changed, never the addresses or numbers themselves.
func (s *Service) UpdateUser(ctx context.Context, ref string, c support.ContactUpdate) (*support.User, error) {
	me, u, err := s.userFor(ctx, support.AuditUserUpdate, ref)
	if err != nil {
		return nil, err
	}
	c, errs := c.NormalizeChange()
	if len(errs) > 0 {
		return nil, support.InvalidFields(errs)
	}
	var changed []string
	if c.Email != "" && c.Email != u.Email {
		changed = append(changed, "email")
	}
	if c.Phone != "" && c.Phone != u.Phone {
		changed = append(changed, "phone")
	}
	out, err := s.store.UpdateUserContact(ctx, u.ID, c)
	if err != nil {
		return nil, err
	}
	if len(changed) > 0 {
		s.audit(ctx, me, support.AuditUserUpdate, u.Email,
			"changed: "+strings.Join(changed, ", ")+" of user "+strconv.FormatInt(u.ID, 10))
	}
	return out, nil
}

// disabledByPeer reports whether u was disabled by someone who is not an
// admin (a chef_etablissement): only then may a chef enable them again. An
// admin's decision, or one not recorded, stays an admin's to undo.
func (s *Service) disabledByPeer(ctx context.Context, u *support.User) bool {
	if u.DisabledBy == 0 {
		return false
	}
	by, err := s.store.UserByID(ctx, u.DisabledBy)
	return err == nil && by.Role != support.RoleAdmin
}

// RotateToken gives a user a new token, shown once; the old one stops
// working at once.
func (s *Service) RotateToken(ctx context.Context, ref string, opts support.TokenOptions) (*support.User, string, error) {
	me, u, err := s.userFor(ctx, support.AuditUserRotateToken, ref)
	if err != nil {
		return nil, "", err
	}
	if fe := s.checkExpiry(opts.ExpiresAt); fe != nil {
		return nil, "", support.InvalidFields([]support.FieldError{*fe})
	}
	token, err := support.NewToken()
	if err != nil {
		return nil, "", err
	}
	if err := s.store.SetUserToken(ctx, u.ID, support.HashToken(token), opts.ExpiresAt); err != nil {
		return nil, "", err
	}
	u.TokenExpiresAt = opts.ExpiresAt
	detail := ""
	if opts.ExpiresAt != nil {
		detail = "expires " + opts.ExpiresAt.UTC().Format(time.RFC3339)
	}
	s.audit(ctx, me, support.AuditUserRotateToken, u.Email, detail)
	return u, token, nil
}

// Audit returns the audit log (admins only).
func (s *Service) Audit(ctx context.Context, f support.AuditFilter) ([]support.AuditEntry, error) {
	if _, err := s.requireAdmin(ctx, "audit.read", ""); err != nil {
		return nil, err
	}
	// What this process still holds in memory is shown too.
	s.flushProbes(ctx)
	return s.store.ListAudit(ctx, f)
}

// Record appends an entry to the audit log: the HTTP layer's refusals (no
// token, a bad one, a route above the caller's role). A failure to record
// is logged, never returned: the refusal stands either way.
func (s *Service) Record(ctx context.Context, e support.AuditEntry) {
	if e.Remote == "" {
		e.Remote = support.RemoteFrom(ctx)
	}
	if err := s.store.AddAudit(context.WithoutCancel(ctx), &e); err != nil {
		s.log.Error("audit log write failed", "action", e.Action, "target", e.Target, "err", err)
	}
}

// audit records an action of u.
func (s *Service) audit(ctx context.Context, u *support.User, action, target, detail string) {
	s.Record(ctx, support.AuditEntry{ActorID: u.ID, Actor: u.Mailbox(), Action: action, Target: target, Detail: detail})
}

// deny records an authorization refusal of u.
func (s *Service) deny(ctx context.Context, u *support.User, target, detail string) {
	s.audit(ctx, u, support.AuditDenied, target, detail)
}

// requireAdmin returns the caller if an admin; else it audits the refusal.
func (s *Service) requireAdmin(ctx context.Context, action, target string) (*support.User, error) {
	u, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if u.Role != support.RoleAdmin {
		s.deny(ctx, u, target, action+": admins only")
		return nil, support.Errorf(support.EFORBIDDEN, "error.admin_only", nil)
	}
	return u, nil
}
