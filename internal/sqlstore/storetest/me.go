package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/support"
)

// testUpdateUserContact: a user's phone and e-mail change, each alone or
// together; an e-mail another user holds (in any case) is refused and
// nothing is written; role and establishments never move.
func testUpdateUserContact(t *testing.T, s support.Store) {
	ctx := context.Background()
	anne := &support.User{Name: "Anne Dupré", Email: "anne.dupre@example.fr", Phone: "+33639981234",
		Role: support.RoleReporter, Establishments: []support.Membership{{UAI: "0421234N", Function: support.ChefEtablissement}}}
	if err := s.CreateUser(ctx, anne, "hash-anne"); err != nil {
		t.Fatal(err)
	}
	paul := &support.User{Name: "Paul Agent", Email: "Paul.Agent@example.fr", Role: support.RoleAgent}
	if err := s.CreateUser(ctx, paul, "hash-paul"); err != nil {
		t.Fatal(err)
	}

	got, err := s.UpdateUserContact(ctx, anne.ID, support.ContactUpdate{Phone: "+33612345678"})
	if err != nil {
		t.Fatal(err)
	}
	want := *anne
	want.Phone = "+33612345678"
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("phone only (-want +got):\n%s", diff)
	}

	got, err = s.UpdateUserContact(ctx, anne.ID, support.ContactUpdate{Email: "a.dupre@example.fr"})
	if err != nil {
		t.Fatal(err)
	}
	want.Email = "a.dupre@example.fr"
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("e-mail only (-want +got):\n%s", diff)
	}
	// What the token finds is the new profile: no cache keeps the old one.
	byToken, err := s.UserByTokenHash(ctx, "hash-anne")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&want, byToken); diff != "" {
		t.Errorf("by token after the change (-want +got):\n%s", diff)
	}

	// Her own e-mail in another case is hers, not a conflict.
	if _, err := s.UpdateUserContact(ctx, anne.ID, support.ContactUpdate{Email: "A.Dupre@example.fr"}); err != nil {
		t.Errorf("own e-mail, other case: %v", err)
	}
	want.Email = "A.Dupre@example.fr"

	_, err = s.UpdateUserContact(ctx, anne.ID, support.ContactUpdate{Phone: "+33700000000", Email: "paul.agent@EXAMPLE.fr"})
	wantError(t, err, support.ECONFLICT, "error.email_taken")
	after, err := s.UserByEmail(ctx, "a.dupre@example.fr")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&want, after); diff != "" {
		t.Errorf("after a refused change, nothing written (-want +got):\n%s", diff)
	}

	_, err = s.UpdateUserContact(ctx, 999999, support.ContactUpdate{Phone: "+33612345678"})
	wantError(t, err, support.ENOTFOUND, "error.user_not_found")
}
