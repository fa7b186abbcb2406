package supportfake

import (
	"context"
	"io"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// The workflow calls are recorded as Changes and applied to the ticket,
// with no rule: the rules are the service's, tested there.

// change records a call and applies it to the ticket.
func (f *Service) change(ctx context.Context, method string, n support.Number, c Change, apply func(*support.Ticket)) (*support.Ticket, error) {
	if err := f.enter(method); err != nil {
		return nil, err
	}
	if u := support.UserFrom(ctx); u != nil {
		c.By = u.ID
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.find(n)
	if err != nil {
		return nil, err
	}
	f.Changes = append(f.Changes, c)
	apply(t)
	t.UpdatedAt = Clock
	return t, nil
}

func (f *Service) ChangeStatus(ctx context.Context, n support.Number, to support.Status, m string) (*support.Ticket, error) {
	return f.change(ctx, "ChangeStatus", n, Change{Action: "status", Value: string(to), Message: m}, func(t *support.Ticket) { t.Status = to })
}

func (f *Service) ChangePriority(ctx context.Context, n support.Number, p support.Priority, m string) (*support.Ticket, error) {
	return f.change(ctx, "ChangePriority", n, Change{Action: "priority", Value: string(p), Message: m}, func(t *support.Ticket) { t.Priority = p })
}

func (f *Service) Assign(ctx context.Context, n support.Number, email string) (*support.Ticket, error) {
	return f.change(ctx, "Assign", n, Change{Action: "assign", Value: email}, func(t *support.Ticket) {
		if email == "" {
			email = "admin@localhost"
		}
		t.Assignee = email
	})
}

func (f *Service) Reopen(ctx context.Context, n support.Number, m string) (*support.Ticket, error) {
	return f.change(ctx, "Reopen", n, Change{Action: "reopen", Message: m}, func(t *support.Ticket) { t.Status = support.StatusOpen })
}

// record counts an account call, records it as a Change when c is given,
// and returns its failure.
func (f *Service) record(method string, c *Change) error {
	if err := f.enter(method); err != nil {
		return err
	}
	if c != nil {
		f.mu.Lock()
		f.Changes = append(f.Changes, *c)
		f.mu.Unlock()
	}
	return nil
}

// CreateUser checks the role, records the input in Users and answers the
// new user with the token "ents_faketoken".
func (f *Service) CreateUser(ctx context.Context, in support.UserInput) (*support.User, string, error) {
	if err := f.record("CreateUser", nil); err != nil {
		return nil, "", err
	}
	if _, ok := support.ParseRole(string(in.Role)); !ok {
		return nil, "", support.InvalidFields([]support.FieldError{{Field: "role", Rule: support.RuleRole}})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Users = append(f.Users, in)
	u := &support.User{ID: int64(len(f.Users) + 1), Name: in.Name, Email: in.Email, Phone: in.Phone, Role: in.Role,
		Establishments: []support.Membership{}, CreatedAt: Clock}
	for _, uai := range in.UAIs {
		u.Establishments = append(u.Establishments, support.Membership{UAI: uai, Function: in.Function})
	}
	return u, "ents_faketoken", nil
}

// ListUsers answers the users created through the fake.
func (f *Service) ListUsers(ctx context.Context, uf support.UserFilter) ([]support.User, error) {
	if err := f.record("ListUsers", nil); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []support.User{}
	for i, in := range f.Users {
		if uf.Role == "" || uf.Role == in.Role {
			u := support.User{ID: int64(i + 2), Name: in.Name, Email: in.Email, Role: in.Role, Establishments: []support.Membership{}}
			for _, uai := range in.UAIs {
				u.Establishments = append(u.Establishments, support.Membership{UAI: uai, Function: in.Function})
			}
			out = append(out, u)
		}
	}
	return out, nil
}

// SetUserDisabled records the call as a Change ("disable"/"enable").
func (f *Service) SetUserDisabled(ctx context.Context, ref string, disabled bool) (*support.User, error) {
	verb := "enable"
	if disabled {
		verb = "disable"
	}
	if err := f.record("SetUserDisabled", &Change{Action: verb, Value: ref}); err != nil {
		return nil, err
	}
	return &support.User{ID: 2, Email: ref, Role: support.RoleReporter, Disabled: disabled, Establishments: []support.Membership{}}, nil
}

// RotateToken records the call as a Change ("token") and answers the
// token "ents_rotatedtoken".
func (f *Service) RotateToken(ctx context.Context, ref string, opts support.TokenOptions) (*support.User, string, error) {
	if err := f.record("RotateToken", &Change{Action: "token", Value: ref}); err != nil {
		return nil, "", err
	}
	return &support.User{ID: 2, Email: ref, Role: support.RoleReporter, TokenExpiresAt: opts.ExpiresAt,
		Establishments: []support.Membership{}}, "ents_rotatedtoken", nil
}

// UpdateUser records the call as a Change ("update", the ref and the
// e-mail and phone given, space-separated).
func (f *Service) UpdateUser(ctx context.Context, ref string, c support.ContactUpdate) (*support.User, error) {
	if err := f.record("UpdateUser", &Change{Action: "update", Value: ref + " " + c.Email + " " + c.Phone}); err != nil {
		return nil, err
	}
	return &support.User{ID: 2, Name: "Carla Corr", Email: c.Email, Phone: c.Phone, Role: support.RoleReporter,
		Establishments: []support.Membership{}}, nil
}

// Audit answers one entry: a refused request.
func (f *Service) Audit(ctx context.Context, af support.AuditFilter) ([]support.AuditEntry, error) {
	if err := f.record("Audit", nil); err != nil {
		return nil, err
	}
	return []support.AuditEntry{{ID: 1, Action: support.AuditDenied, Target: "GET /api/v1/audit", At: Clock}}, nil
}

// AddEstablishment checks the UAI and adds the establishment.
func (f *Service) AddEstablishment(ctx context.Context, e support.Establishment) (*support.Establishment, error) {
	if err := f.record("AddEstablishment", nil); err != nil {
		return nil, err
	}
	if _, fe := support.ParseUAI(e.UAI); fe != nil {
		fe.Field = "uai"
		return nil, support.InvalidFields([]support.FieldError{*fe})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Establishments = append(f.Establishments, e)
	return &e, nil
}

// ImportEstablishments keeps the CSV and reads its first field as a UAI:
// a valid one is added, an invalid one refused.
func (f *Service) ImportEstablishments(ctx context.Context, csv io.Reader) (*support.ImportReport, error) {
	if err := f.record("ImportEstablishments", nil); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(csv)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.CSV = string(b)
	rep := &support.ImportReport{Lines: []support.ImportLine{}}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		uai := strings.SplitN(line, ";", 2)[0]
		if _, fe := support.ParseUAI(uai); fe != nil {
			rep.Refused++
			rep.Lines = append(rep.Lines, support.ImportLine{Line: i + 2, UAI: uai, Result: "refused", Error: fe})
			continue
		}
		rep.Added++
		rep.Lines = append(rep.Lines, support.ImportLine{Line: i + 2, UAI: uai, Result: "added"})
	}
	return rep, nil
}
