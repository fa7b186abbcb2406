package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// testTokenExpiry: an expired token is refused like an unknown one; an
// expiring token works until then; a new token replaces the old at once.
func testTokenExpiry(t *testing.T, s support.Store) {
	ctx := context.Background()
	past := time.Now().Add(-time.Minute).UTC().Truncate(time.Microsecond)
	future := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	old := &support.User{Name: "Expired", Email: "exp@example.fr", Role: support.RoleAgent, TokenExpiresAt: &past}
	if err := s.CreateUser(ctx, old, "hash-expired"); err != nil {
		t.Fatal(err)
	}
	_, err := s.UserByTokenHash(ctx, "hash-expired")
	wantError(t, err, support.EUNAUTHENTICATED, "error.bad_token")

	u := &support.User{Name: "Soon", Email: "soon@example.fr", Role: support.RoleAgent, TokenExpiresAt: &future}
	if err := s.CreateUser(ctx, u, "hash-soon"); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserByTokenHash(ctx, "hash-soon")
	if err != nil {
		t.Fatal(err)
	}
	if got.TokenExpiresAt == nil || !got.TokenExpiresAt.Equal(future) {
		t.Errorf("TokenExpiresAt = %v, want %v", got.TokenExpiresAt, future)
	}

	// Rotation: the new hash works, the old one no longer does, and the
	// expiry is replaced (nil: never).
	if err := s.SetUserToken(ctx, u.ID, "hash-soon-2", nil); err != nil {
		t.Fatal(err)
	}
	_, err = s.UserByTokenHash(ctx, "hash-soon")
	wantError(t, err, support.EUNAUTHENTICATED, "error.bad_token")
	if got, err := s.UserByTokenHash(ctx, "hash-soon-2"); err != nil || got.TokenExpiresAt != nil {
		t.Errorf("after rotation: %+v, %v; want the user with no expiry", got, err)
	}
	// The expired user gets a working token back by rotation.
	if err := s.SetUserToken(ctx, old.ID, "hash-expired-2", &future); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByTokenHash(ctx, "hash-expired-2"); err != nil {
		t.Errorf("rotated expired user: %v", err)
	}
	wantError(t, s.SetUserToken(ctx, 999999, "h", nil), support.ENOTFOUND, "error.user_not_found")
}

func testListAndDisableUsers(t *testing.T, s support.Store) {
	ctx := context.Background()
	mk := func(name, email string, role support.Role, ms ...support.Membership) *support.User {
		u := &support.User{Name: name, Email: email, Role: role, Establishments: ms}
		if err := s.CreateUser(ctx, u, "hash-"+email); err != nil {
			t.Fatal(err)
		}
		return u
	}
	mk("Claire Chef", "chef@example.fr", support.RoleReporter, support.Membership{UAI: "0420001N", Function: support.ChefEtablissement})
	corr := mk("bruno Corr", "corr@example.fr", support.RoleReporter,
		support.Membership{UAI: "0420001N", Function: support.CorrespondantENT}, support.Membership{UAI: "0420002P", Function: support.CorrespondantENT})
	mk("Alice Autre", "autre@example.fr", support.RoleReporter, support.Membership{UAI: "0420002P", Function: support.Adjoint})
	mk("Zoé Agent", "agent@example.fr", support.RoleAgent)

	names := func(q support.UserQuery) []string {
		t.Helper()
		us, err := s.ListUsers(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range us {
			out = append(out, u.Name)
		}
		return out
	}
	eq := func(what string, got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s = %q, want %q", what, got, want)
			return
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s = %q, want %q", what, got, want)
				return
			}
		}
	}
	eq("all", names(support.UserQuery{}), "Alice Autre", "bruno Corr", "Claire Chef", "Zoé Agent")
	eq("agents", names(support.UserQuery{UserFilter: support.UserFilter{Role: support.RoleAgent}}), "Zoé Agent")
	eq("uai 0420001N", names(support.UserQuery{UserFilter: support.UserFilter{UAI: "0420001N"}}), "bruno Corr", "Claire Chef")
	eq("only 0420002P", names(support.UserQuery{OnlyUAIs: []string{"0420002P"}}), "Alice Autre", "bruno Corr")
	eq("only none", names(support.UserQuery{OnlyUAIs: []string{}}))

	us, err := s.ListUsers(ctx, support.UserQuery{UserFilter: support.UserFilter{UAI: "0420001N"}})
	if err != nil || len(us) != 2 || len(us[0].Establishments) != 2 || us[0].Establishments[1].UAI != "0420002P" {
		t.Errorf("memberships of listed users = %+v, %v; want both of bruno's", us, err)
	}

	if err := s.SetUserDisabled(ctx, corr.ID, true, 1); err != nil {
		t.Fatal(err)
	}
	_, err = s.UserByTokenHash(ctx, "hash-corr@example.fr")
	wantError(t, err, support.EUNAUTHENTICATED, "error.bad_token")
	eq("enabled only", names(support.UserQuery{}), "Alice Autre", "Claire Chef", "Zoé Agent")
	eq("with disabled", names(support.UserQuery{UserFilter: support.UserFilter{Disabled: true}}), "Alice Autre", "bruno Corr", "Claire Chef", "Zoé Agent")
	if got, err := s.UserByID(ctx, corr.ID); err != nil || !got.Disabled || got.DisabledBy != 1 || len(got.Establishments) != 2 {
		t.Errorf("UserByID(disabled) = %+v, %v", got, err)
	}
	if err := s.SetUserDisabled(ctx, corr.ID, false, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByTokenHash(ctx, "hash-corr@example.fr"); err != nil {
		t.Errorf("enabled again: %v", err)
	}
	if got, err := s.UserByID(ctx, corr.ID); err != nil || got.Disabled || got.DisabledBy != 0 {
		t.Errorf("UserByID(enabled again) = %+v, %v; want who disabled them forgotten", got, err)
	}
	wantError(t, s.SetUserDisabled(ctx, 999999, true, 1), support.ENOTFOUND, "error.user_not_found")
	_, err = s.UserByID(ctx, 999999)
	wantError(t, err, support.ENOTFOUND, "error.user_not_found")
}

func testAudit(t *testing.T, s support.Store) {
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	entries := []support.AuditEntry{
		{At: at, ActorID: 1, Actor: "Root <root@example.fr>", Action: support.AuditUserCreate, Target: "a@example.fr", Remote: "127.0.0.1"},
		{Action: support.AuditDenied, Target: "GET /api/v1/users", Detail: "401", Remote: "192.0.2.1"},
		{ActorID: 2, Actor: "Ann <a@example.fr>", Action: support.AuditDenied, Target: "CG42N1-7", Detail: "not visible"},
	}
	for i := range entries {
		if err := s.AddAudit(ctx, &entries[i]); err != nil {
			t.Fatal(err)
		}
		if entries[i].ID == 0 || entries[i].At.IsZero() {
			t.Errorf("entry %d: ID/At not set: %+v", i, entries[i])
		}
	}
	all, err := s.ListAudit(ctx, support.AuditFilter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("ListAudit = %d entries, %v; want 3", len(all), err)
	}
	if all[0] != entries[0] || all[2].Target != "CG42N1-7" {
		t.Errorf("ListAudit[0] = %+v, want %+v", all[0], entries[0])
	}
	denied, err := s.ListAudit(ctx, support.AuditFilter{Action: support.AuditDenied, After: all[1].ID})
	if err != nil || len(denied) != 1 || denied[0].ID != all[2].ID {
		t.Errorf("ListAudit(denied, after 2nd) = %+v, %v", denied, err)
	}
	page, err := s.ListAudit(ctx, support.AuditFilter{Limit: 2})
	if err != nil || len(page) != 2 {
		t.Errorf("ListAudit(limit 2) = %d, %v", len(page), err)
	}
	// An aggregated refusal: written with its count, then counted again.
	probe := support.AuditEntry{Action: support.AuditDenied, Target: "GET /api/v1/me", Detail: "bad token", Remote: "192.0.2.9", Count: 40}
	if err := s.AddAudit(ctx, &probe); err != nil {
		t.Fatal(err)
	}
	if err := s.AddAuditCount(ctx, probe.ID, 2); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAudit(ctx, support.AuditFilter{After: all[2].ID})
	if err != nil || len(got) != 1 || got[0].Count != 42 || all[0].Count != 1 {
		t.Errorf("counts: %+v (first entry %d), %v; want 42 (and 1)", got, all[0].Count, err)
	}
}
