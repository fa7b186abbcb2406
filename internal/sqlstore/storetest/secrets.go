package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// A secret rotated is replaced, its old value kept (retired now) unless
// revoked; values retired before dropBefore go; other secrets stay.
func testSecretRotation(t *testing.T, st support.Store) {
	s, ok := st.(support.MailQueue)
	if !ok {
		t.Fatal("the store keeps no secrets")
	}
	ctx := context.Background()
	first, err := s.Secret(ctx, "k", 32)
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.Secret(ctx, "k2", 32)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.RotateSecret(ctx, "k", 32, t0, time.Time{}, false); err != nil {
		t.Fatal(err)
	}
	vs, err := s.SecretVersions(ctx, "k")
	if err != nil || len(vs) != 2 || !vs[0].RetiredAt.IsZero() || !vs[1].RetiredAt.Equal(t0) || !bytes.Equal(vs[1].Value, first) ||
		bytes.Equal(vs[0].Value, first) || len(vs[0].Value) != 32 {
		t.Fatalf("after a rotation: %+v, %v", vs, err)
	}
	if cur, err := s.Secret(ctx, "k", 32); err != nil || !bytes.Equal(cur, vs[0].Value) {
		t.Errorf("Secret after a rotation = %x, %v; want the new value", cur, err)
	}
	t1 := t0.Add(time.Hour)
	if err := s.RotateSecret(ctx, "k", 32, t1, t0.Add(time.Second), false); err != nil {
		t.Fatal(err)
	}
	vs, err = s.SecretVersions(ctx, "k")
	if err != nil || len(vs) != 2 || !vs[1].RetiredAt.Equal(t1) {
		t.Fatalf("a value retired before dropBefore is kept: %+v, %v", vs, err)
	}
	if err := s.RotateSecret(ctx, "k", 32, t1.Add(time.Hour), time.Time{}, true); err != nil {
		t.Fatal(err)
	}
	vs, err = s.SecretVersions(ctx, "k")
	if err != nil || len(vs) != 1 || !vs[0].RetiredAt.IsZero() {
		t.Fatalf("after a revocation: %+v, %v", vs, err)
	}
	if vs, err := s.SecretVersions(ctx, "k2"); err != nil || len(vs) != 1 || !bytes.Equal(vs[0].Value, other) {
		t.Errorf("another secret changed: %+v, %v", vs, err)
	}
	if vs, err := s.SecretVersions(ctx, "never"); err != nil || len(vs) != 0 {
		t.Errorf("a secret never made: %+v, %v", vs, err)
	}
}
