package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/support"
)

// A reporter changes their own phone, checked with the ticket's rules
// (errors name the API's fields) and normalised, but not their e-mail
// (email_locked: it is where support writes to them); staff change their
// own e-mail, refused when it is someone else's; the token then finds the
// new profile, and nothing else of it moved.
func TestUpdateMe(t *testing.T) {
	f := newFixture(t, service.Config{})
	rep := f.user(support.RoleReporter, uaiA)
	agent := f.user(support.RoleAgent)
	ctx := f.as(rep)

	_, err := f.svc.UpdateMe(ctx, support.ContactUpdate{Phone: "06 39 98 12 34", Email: " marie.neuve@example.fr "})
	wantError(t, err, support.EINVALID, "")
	if diff := cmp.Diff([]fieldRule{{"email", "email_locked"}}, fieldsOf(err)); diff != "" {
		t.Errorf("a reporter's new e-mail (-want +got):\n%s", diff)
	}
	got, err := f.svc.UpdateMe(ctx, support.ContactUpdate{Phone: "06 39 98 12 34", Email: " " + strings.ToUpper(rep.Email) + " "})
	if err != nil {
		t.Fatalf("the same e-mail, another case: %v", err)
	}
	want := *rep
	want.Phone = "+33639981234"
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("UpdateMe (-want +got):\n%s", diff)
	}

	_, err = f.svc.UpdateMe(ctx, support.ContactUpdate{Phone: "12 34", Email: "pas-une-adresse"})
	wantError(t, err, support.EINVALID, "")
	if diff := cmp.Diff([]fieldRule{{"phone", support.RulePhone}, {"email", support.RuleEmail}}, fieldsOf(err)); diff != "" {
		t.Errorf("bad phone and e-mail (-want +got):\n%s", diff)
	}

	if _, err := f.svc.UpdateMe(f.as(agent), support.ContactUpdate{Email: rep.Email}); err == nil {
		t.Error("an agent took a reporter's e-mail")
	} else {
		wantError(t, err, support.ECONFLICT, "error.email_taken")
	}
	if a, err := f.svc.UpdateMe(f.as(agent), support.ContactUpdate{Email: "agent.neuf@example.fr"}); err != nil || a.Email != "agent.neuf@example.fr" {
		t.Errorf("an agent's own new e-mail: %+v, %v", a, err)
	}

	// Nothing given: nothing changes.
	same, err := f.svc.UpdateMe(f.as(got), support.ContactUpdate{})
	if err != nil || same.Phone != want.Phone {
		t.Errorf("empty update: %+v, %v", same, err)
	}

	// The token finds the profile as changed, role and establishments intact.
	now, err := f.db.UserByEmail(context.Background(), rep.Email)
	if err != nil {
		t.Fatal(err)
	}
	if now.Role != support.RoleReporter || !cmp.Equal(now.Establishments, rep.Establishments) || now.Phone != "+33639981234" {
		t.Errorf("stored after the refusals: %+v", now)
	}

	_, err = f.svc.UpdateMe(context.Background(), support.ContactUpdate{Phone: "06 39 98 12 34"})
	wantError(t, err, support.EUNAUTHENTICATED, "")
}

// The embedded mode's session acts as the changed user afterwards: its
// next Me answers the new phone.
func TestSessionUpdateMe(t *testing.T) {
	f := newFixture(t, service.Config{})
	s := f.svc.As(f.admin)
	if _, err := s.UpdateMe(context.Background(), support.ContactUpdate{Phone: "0612345678"}); err != nil {
		t.Fatal(err)
	}
	me, err := s.Me(context.Background())
	if err != nil || me.Phone != "+33612345678" {
		t.Errorf("Me after UpdateMe = %+v, %v; want phone +33612345678", me, err)
	}
}
