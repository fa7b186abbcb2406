package support_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	shape := regexp.MustCompile(`^ents_[A-Za-z0-9_-]{43}$`)
	for range 1000 {
		tok, err := support.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok, support.TokenPrefix) || !shape.MatchString(tok) {
			t.Fatalf("token %q has not the expected shape", tok)
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, support.TokenPrefix))
		if err != nil || len(raw)*8 != 256 {
			t.Fatalf("token %q: %d bits, %v", tok, len(raw)*8, err)
		}
		if seen[tok] {
			t.Fatalf("token %q made twice", tok)
		}
		seen[tok] = true
	}
}

func TestHashToken(t *testing.T) {
	// Known SHA-256 values, so that a change of algorithm (which would lock
	// every user out) is caught.
	tests := []struct{ in, want string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := support.HashToken(tt.in); got != tt.want {
			t.Errorf("HashToken(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	tok, _ := support.NewToken()
	sum := sha256.Sum256([]byte(tok))
	if got := support.HashToken(tok); got != hex.EncodeToString(sum[:]) || strings.Contains(got, tok) {
		t.Errorf("HashToken(%q) = %s", tok, got)
	}
}
