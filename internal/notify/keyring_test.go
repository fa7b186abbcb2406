package notify

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

type fakeKeys struct{ vs []support.SecretVersion }

func (f *fakeKeys) Secret(context.Context, string, int) ([]byte, error) { return f.vs[0].Value, nil }
func (f *fakeKeys) SecretVersions(context.Context, string) ([]support.SecretVersion, error) {
	return f.vs, nil
}

// The keyring verifies links of the key in force and of retired keys; a
// retired key's link must expire within LinkValidity of the retirement
// (one expiring later was not made before it: the key leaked); new links
// are signed with the key in force; the keys are read again after
// KeyringTTL only.
func TestKeyring(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	retired := now.Add(-24 * time.Hour)
	cur, old := []byte("current key current key current k"), []byte("retired key retired key retired k")
	st := &fakeKeys{vs: []support.SecretVersion{{Value: cur}, {Value: old, RetiredAt: retired}}}
	clock := now
	k, err := NewKeyring(context.Background(), st, func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(KeyringTTL) // the versions are read
	ctx := context.Background()
	n := support.Number{Prefix: "CG42N1", Seq: 7}
	for _, tc := range []struct {
		name  string
		token string
		want  error
	}{
		{"key in force", Signer{Key: cur}.Sign(n, now.Add(LinkValidity)), nil},
		{"retired key, sent before", Signer{Key: old}.Sign(n, retired.Add(LinkValidity-time.Hour)), nil},
		{"retired key, expiring after any link it made", Signer{Key: old}.Sign(n, retired.Add(LinkValidity+time.Hour)), ErrBadLink},
		{"retired key, expired", Signer{Key: old}.Sign(n, now.Add(-time.Hour)), ErrExpiredLink},
		{"unknown key", Signer{Key: []byte("another")}.Sign(n, now.Add(time.Hour)), ErrBadLink},
	} {
		got, err := k.Verify(ctx, tc.token, clock)
		if !errors.Is(err, tc.want) || (err == nil && got != n) {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if s := k.Signer(ctx); string(s.Key) != string(cur) {
		t.Errorf("new links are signed with %q", s.Key)
	}
	// A revocation in the database: the old key is refused once the
	// keyring reads it again, not before.
	st.vs = []support.SecretVersion{{Value: cur}}
	tok := Signer{Key: old}.Sign(n, now.Add(48*time.Hour))
	if _, err := k.Verify(ctx, tok, clock); err != nil {
		t.Errorf("within the TTL the keys read are used: %v", err)
	}
	clock = clock.Add(KeyringTTL)
	if _, err := k.Verify(ctx, tok, clock); !errors.Is(err, ErrBadLink) {
		t.Errorf("after the TTL a revoked key still verifies: %v", err)
	}
}
