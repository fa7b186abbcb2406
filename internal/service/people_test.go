package service_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/support"
)

// person creates a reporter with one function in the given establishments,
// as the admin, and returns the user and its token.
func (f *fixture) person(name string, fn support.Function, uais ...string) (*support.User, string) {
	f.tb.Helper()
	u, token, err := f.svc.CreateUser(f.as(f.admin), support.UserInput{Name: name,
		Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.fr", Role: support.RoleReporter, Function: fn, UAIs: uais})
	if err != nil {
		f.tb.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u, token
}

func correspondent(name string, uais ...string) support.UserInput {
	return support.UserInput{Name: name, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.fr",
		Role: support.RoleReporter, Function: support.CorrespondantENT, UAIs: uais}
}

func TestChefAppointsCorrespondentsOfTheirEstablishmentsOnly(t *testing.T) {
	f := newFixture(t, service.Config{})
	ctx := context.Background()
	chef, _ := f.person("Claire Chef", support.ChefEtablissement, uaiA)
	adjoint, _ := f.person("Adam Adjoint", support.Adjoint, uaiA)
	agent := f.user(support.RoleAgent)
	cs := f.svc.As(chef)

	u, token, err := cs.CreateUser(ctx, correspondent("Carla Corr", uaiA))
	if err != nil {
		t.Fatalf("chef appointing a correspondent of their school: %v", err)
	}
	if me, err := f.svc.Authenticate(ctx, token); err != nil || me.ID != u.ID || !me.Member(uaiA, support.CorrespondantENT) {
		t.Errorf("appointed correspondent = %+v, %v", me, err)
	}

	refused := []struct {
		name string
		as   *support.User
		in   support.UserInput
		key  string
	}{
		{"another school", chef, correspondent("Bob Ailleurs", uaiB), "error.appoint_correspondents_only"},
		{"both schools", chef, correspondent("Bea Deux", uaiA, uaiB), "error.appoint_correspondents_only"},
		{"an adjoint", chef, support.UserInput{Name: "Ada Adj", Email: "ada@example.fr", Role: support.RoleReporter,
			Function: support.Adjoint, UAIs: []string{uaiA}}, "error.appoint_correspondents_only"},
		{"an agent", chef, support.UserInput{Name: "Al Agent", Email: "al@example.fr", Role: support.RoleAgent}, "error.appoint_correspondents_only"},
		{"no school", chef, correspondent("Nina Nulle"), "error.appoint_correspondents_only"},
		{"adjoint appointing", adjoint, correspondent("Carl Corr", uaiA), "error.people_forbidden"},
		{"correspondent appointing", u, correspondent("Cora Corr", uaiA), "error.people_forbidden"},
		{"agent appointing", agent, correspondent("Cyd Corr", uaiA), "error.people_forbidden"},
	}
	for _, r := range refused {
		t.Run(r.name, func(t *testing.T) {
			_, _, err := f.svc.As(r.as).CreateUser(ctx, r.in)
			wantError(t, err, support.EFORBIDDEN, r.key)
			if _, err := f.db.UserByEmail(ctx, r.in.Email); support.ErrorCode(err) != support.ENOTFOUND {
				t.Errorf("refused user %s was stored: %v", r.in.Email, err)
			}
		})
	}

	// The audit log holds the creation by the chef and each refusal.
	entries, err := f.svc.As(f.admin).Audit(ctx, support.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var created, denied int
	for _, e := range entries {
		if strings.Contains(e.Detail, "ents_") || strings.Contains(e.Target, "ents_") {
			t.Errorf("a token in the audit log: %+v", e)
		}
		switch {
		case e.Action == support.AuditUserCreate && e.Target == "carla.corr@example.fr" && e.ActorID == chef.ID:
			created++
		case e.Action == support.AuditDenied && strings.HasPrefix(e.Detail, support.AuditUserCreate):
			denied++
		}
	}
	if created != 1 || denied != len(refused) {
		t.Errorf("audit: %d creations by the chef, %d refusals; want 1 and %d:\n%+v", created, denied, len(refused), entries)
	}
}

func TestChefManagesOnlyTheirCorrespondents(t *testing.T) {
	f := newFixture(t, service.Config{})
	ctx := context.Background()
	chef, _ := f.person("Claire Chef", support.ChefEtablissement, uaiA)
	adjoint, _ := f.person("Adam Adjoint", support.Adjoint, uaiA)
	corrA, tokenA := f.person("Carla Corr", support.CorrespondantENT, uaiA)
	corrB, _ := f.person("Bob Corr", support.CorrespondantENT, uaiB)
	cs := f.svc.As(chef)

	// The chef sees the people of their school, nobody else.
	users, err := cs.ListUsers(ctx, support.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	if strings.Join(names, ",") != "Adam Adjoint,Carla Corr,Claire Chef" {
		t.Errorf("chef's list = %v", names)
	}
	if all, err := f.svc.As(f.admin).ListUsers(ctx, support.UserFilter{}); err != nil || len(all) != 5 {
		t.Errorf("admin's list = %d users, %v; want 5 (admin, chef, adjoint, two correspondents)", len(all), err)
	}

	// Disable their correspondent: the token stops working at once.
	if _, err := cs.SetUserDisabled(ctx, corrA.Email, true); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Authenticate(ctx, tokenA)
	wantError(t, err, support.EUNAUTHENTICATED, "")
	if _, err := cs.SetUserDisabled(ctx, "  "+strings.ToUpper(corrA.Email), false); err != nil {
		t.Fatalf("enable again by e-mail in another case: %v", err)
	}
	if _, err := f.svc.Authenticate(ctx, tokenA); err != nil {
		t.Errorf("enabled correspondent: %v", err)
	}

	// Out of reach: not found, whether by e-mail or ID, and nothing changes.
	for _, ref := range []string{adjoint.Email, corrB.Email, itoa64(corrB.ID), itoa64(f.admin.ID), "nobody@example.fr"} {
		_, err := cs.SetUserDisabled(ctx, ref, true)
		wantError(t, err, support.ENOTFOUND, "error.user_not_found")
		_, _, err = cs.RotateToken(ctx, ref, support.TokenOptions{})
		wantError(t, err, support.ENOTFOUND, "error.user_not_found")
	}
	if u, _ := f.db.UserByID(ctx, corrB.ID); u.Disabled {
		t.Error("a correspondent of another school was disabled by this chef")
	}
	// Others may not manage people at all.
	_, err = f.svc.As(adjoint).ListUsers(ctx, support.UserFilter{})
	wantError(t, err, support.EFORBIDDEN, "error.people_forbidden")
	_, err = f.svc.As(corrA).SetUserDisabled(ctx, corrA.Email, true)
	wantError(t, err, support.EFORBIDDEN, "error.people_forbidden")
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// A chef_etablissement may not enable again a correspondent an admin
// disabled; one they disabled themselves they may.
func TestChefCannotUndoAnAdminsDisabling(t *testing.T) {
	f := newFixture(t, service.Config{})
	ctx := context.Background()
	chef, _ := f.person("Claire Chef", support.ChefEtablissement, uaiA)
	corr, token := f.person("Carla Corr", support.CorrespondantENT, uaiA)
	cs, as := f.svc.As(chef), f.svc.As(f.admin)

	if _, err := as.SetUserDisabled(ctx, corr.Email, true); err != nil {
		t.Fatal(err)
	}
	_, err := cs.SetUserDisabled(ctx, corr.Email, false)
	wantError(t, err, support.EFORBIDDEN, "error.enable_admin_disabled")
	if _, err := f.svc.Authenticate(ctx, token); support.ErrorCode(err) != support.EUNAUTHENTICATED {
		t.Fatalf("correspondent an admin disabled works again after the chef's try: %v", err)
	}
	// The admin may; then the chef's own disabling is theirs to undo.
	if _, err := as.SetUserDisabled(ctx, corr.Email, false); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.SetUserDisabled(ctx, corr.Email, true); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.SetUserDisabled(ctx, corr.Email, false); err != nil {
		t.Fatalf("chef enables whom they disabled: %v", err)
	}
	if _, err := f.svc.Authenticate(ctx, token); err != nil {
		t.Errorf("enabled by the chef: %v", err)
	}
}

func TestRotateToken(t *testing.T) {
	f := newFixture(t, service.Config{})
	ctx := context.Background()
	corr, old := f.person("Carla Corr", support.CorrespondantENT, uaiA)
	as := f.svc.As(f.admin)

	exp := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	u, token, err := as.RotateToken(ctx, itoa64(corr.ID), support.TokenOptions{ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	if token == old || !strings.HasPrefix(token, support.TokenPrefix) || u.TokenExpiresAt == nil || !u.TokenExpiresAt.Equal(exp) {
		t.Errorf("rotation = %+v, token %q…", u, token[:8])
	}
	_, err = f.svc.Authenticate(ctx, old)
	wantError(t, err, support.EUNAUTHENTICATED, "")
	if me, err := f.svc.Authenticate(ctx, token); err != nil || me.ID != corr.ID {
		t.Errorf("new token: %+v, %v", me, err)
	}

	for _, bad := range []time.Time{time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Now().Add(support.MaxTokenLifetime + 48*time.Hour)} {
		_, _, err := as.RotateToken(ctx, corr.Email, support.TokenOptions{ExpiresAt: &bad})
		wantError(t, err, support.EINVALID, "")
		var e *support.Error
		errors.As(err, &e)
		if fe := e.Fields; len(fe) != 1 || fe[0].Field != "token_expires_at" || fe[0].Rule != "token_expiry" {
			t.Errorf("expiry %v: %+v", bad, fe)
		}
	}
	if _, err := f.svc.Authenticate(ctx, token); err != nil {
		t.Errorf("a refused rotation changed the token: %v", err)
	}
	// Nobody disables themselves (the last admin would lock everyone out).
	_, err = as.SetUserDisabled(ctx, f.admin.Email, true)
	wantError(t, err, support.ECONFLICT, "error.disable_self")
}

func TestAuditRecordsTicketsOfOthersAndIsForAdmins(t *testing.T) {
	f := newFixture(t, service.Config{})
	ctx := context.Background()
	a, _ := f.person("Anne A", support.ChefEtablissement, uaiA)
	b, _ := f.person("Bruno B", support.ChefEtablissement, uaiB)
	tk, err := f.svc.As(a).CreateTicket(ctx, validInput(uaiA), support.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.As(b).GetTicket(ctx, tk.Number)
	wantError(t, err, support.ENOTFOUND, "error.ticket_not_found")

	_, err = f.svc.As(b).Audit(ctx, support.AuditFilter{})
	wantError(t, err, support.EFORBIDDEN, "error.admin_only")
	entries, err := f.svc.As(f.admin).Audit(ctx, support.AuditFilter{Action: support.AuditDenied})
	if err != nil {
		t.Fatal(err)
	}
	var seen, auditRead bool
	for _, e := range entries {
		seen = seen || (e.ActorID == b.ID && e.Target == tk.Number.String())
		auditRead = auditRead || (e.ActorID == b.ID && strings.HasPrefix(e.Detail, "audit.read"))
	}
	if !seen || !auditRead {
		t.Errorf("denied entries = %+v; want B's look at %s and B's audit read", entries, tk.Number)
	}
}

// TestUpdateUserContact: an admin changes a reporter's e-mail (which the
// reporter may not change themselves), a chef their correspondent's; the
// new address is the account's from then on, the audit log says who
// changed what kind of contact of whom, never the addresses.
func TestUpdateUserContact(t *testing.T) {
	f := newFixture(t, service.Config{})
	ctx := context.Background()
	chef, _ := f.person("Claire Chef", support.ChefEtablissement, uaiA)
	adjoint, _ := f.person("Adam Adjoint", support.Adjoint, uaiA)
	corrA, tokenA := f.person("Carla Corr", support.CorrespondantENT, uaiA)
	corrB, _ := f.person("Bob Corr", support.CorrespondantENT, uaiB)
	as, cs := f.svc.As(f.admin), f.svc.As(chef)

	// The admin moves a reporter (the chef) to a new address, given in
	// another case and with spaces: it is stored as normalised.
	u, err := as.UpdateUser(ctx, itoa64(chef.ID), support.ContactUpdate{Email: "  Claire.Chef@Ac-Lyon.fr "})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != chef.ID || u.Email != "Claire.Chef@Ac-Lyon.fr" || u.Role != support.RoleReporter {
		t.Errorf("admin's update = %+v", u)
	}
	if got, err := f.db.UserByEmail(ctx, "claire.chef@ac-lyon.fr"); err != nil || got.ID != chef.ID {
		t.Errorf("chef under the new address = %+v, %v", got, err)
	}
	if _, err := f.db.UserByEmail(ctx, chef.Email); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("the old address still names an account: %v", err)
	}

	// The chef changes their correspondent's e-mail and phone (found by
	// the old address); the correspondent's token still works, as them.
	u, err = cs.UpdateUser(ctx, corrA.Email, support.ContactUpdate{Email: "carla@ac-lyon.fr", Phone: "06 39 98 12 34"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "carla@ac-lyon.fr" || u.Phone != "+33639981234" {
		t.Errorf("chef's update = %+v", u)
	}
	if me, err := f.svc.Authenticate(ctx, tokenA); err != nil || me.Email != "carla@ac-lyon.fr" {
		t.Errorf("correspondent after the change = %+v, %v", me, err)
	}

	// Out of the chef's reach: not found, and nothing changes.
	for _, ref := range []string{corrB.Email, itoa64(corrB.ID), adjoint.Email, itoa64(f.admin.ID), "nobody@example.fr"} {
		_, err := cs.UpdateUser(ctx, ref, support.ContactUpdate{Email: "hijack@example.fr"})
		wantError(t, err, support.ENOTFOUND, "error.user_not_found")
	}
	if got, _ := f.db.UserByID(ctx, corrB.ID); got.Email != corrB.Email {
		t.Errorf("a correspondent of another school was changed by this chef: %s", got.Email)
	}
	// A reporter who manages nobody is refused, even for their own account.
	for _, ref := range []string{corrA.Email, "carla@ac-lyon.fr", corrB.Email} {
		_, err = f.svc.As(corrB).UpdateUser(ctx, ref, support.ContactUpdate{Email: "hijack@example.fr"})
		wantError(t, err, support.EFORBIDDEN, "error.people_forbidden")
	}
	// An address another account holds, in whatever case: a conflict, and
	// nothing is written (the phone given with it neither).
	_, err = as.UpdateUser(ctx, corrB.Email, support.ContactUpdate{Email: "CARLA@ac-lyon.fr", Phone: "0612345678"})
	wantError(t, err, support.ECONFLICT, "error.email_taken")
	if got, _ := f.db.UserByID(ctx, corrB.ID); got.Email != corrB.Email || got.Phone != corrB.Phone {
		t.Errorf("after a refused change, corrB = %+v", got)
	}
	// The ticket's rules, field by field; an empty change names what is missing.
	_, err = as.UpdateUser(ctx, corrB.Email, support.ContactUpdate{Email: "not-an-address", Phone: "12"})
	wantFields(t, err, fieldRule{"phone", support.RulePhone}, fieldRule{"email", support.RuleEmail})
	_, err = as.UpdateUser(ctx, corrB.Email, support.ContactUpdate{Email: "  "})
	wantFields(t, err, fieldRule{"email", "email_or_phone"})

	// Audited: who changed which contact of whom; the addresses themselves
	// are not written (the account is named as it was known).
	entries, err := as.Audit(ctx, support.AuditFilter{Action: support.AuditUserUpdate})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Actor+" | "+e.Target+" | "+e.Detail)
		if strings.Contains(e.Detail, "@") || strings.Contains(e.Detail, "+33") {
			t.Errorf("audit detail holds contact data: %q", e.Detail)
		}
	}
	want := []string{
		f.admin.Mailbox() + " | " + chef.Email + " | changed: email of user " + itoa64(chef.ID),
		chef.Mailbox() + " | " + corrA.Email + " | changed: email, phone of user " + itoa64(corrA.ID),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
