package notify

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

func TestLinkSignVerify(t *testing.T) {
	s := Signer{Key: []byte("0123456789abcdef0123456789abcdef")}
	n := support.Number{Prefix: "CG42N1", Seq: 1042}
	now := time.Unix(1_800_000_000, 0)
	tok := s.Sign(n, now.Add(LinkValidity))
	if got, err := s.Verify(tok, now); err != nil || got != n {
		t.Fatalf("Verify = %v, %v", got, err)
	}
	if _, err := s.Verify(tok, now.Add(LinkValidity)); !errors.Is(err, ErrExpiredLink) {
		t.Errorf("at expiry: %v, want expired", err)
	}
	other := Signer{Key: []byte("another key, another server......")}
	for _, bad := range []string{"", "x", tok + "x", strings.Replace(tok, "1042", "1043", 1), other.Sign(n, now.Add(time.Hour))} {
		if _, err := s.Verify(bad, now); !errors.Is(err, ErrBadLink) {
			t.Errorf("Verify(%q) = %v, want bad link", bad, err)
		}
	}
	// An expired token from another key is bad, not expired: "expired" is
	// only said of a genuine link.
	if _, err := s.Verify(other.Sign(n, now.Add(-time.Hour)), now); !errors.Is(err, ErrBadLink) {
		t.Errorf("foreign expired token: %v", err)
	}
}

func TestParseSMTP(t *testing.T) {
	for _, ok := range []string{"smtp://mail.example.org", "smtp://u:p@mail.example.org:587", "smtps://mail.example.org",
		"smtp://127.0.0.1:1025?tls=none", "smtp+plain://127.0.0.1:1025"} {
		if _, err := ParseSMTP(ok, "support@example.org"); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://x", "smtp://", "smtp://x?tls=maybe", "smtp://x:99999",
		// Credentials are never sent over a connection without TLS.
		"smtp://u:secret@x:1025?tls=none", "smtp+plain://u:secret@x:1025"} {
		if _, err := ParseSMTP(bad, "support@example.org"); err == nil {
			t.Errorf("%s: accepted", bad)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error shows the password: %v", bad, err)
		}
	}
	if _, err := ParseSMTP("smtp://u:secret@x?tls=maybe", "a@b.c"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("password in error: %v", err)
	}
}

// Every event kind maps to its template, and the reporter's own comments
// and priority or assignee changes mail nobody.
func TestTemplateChoice(t *testing.T) {
	for _, c := range []struct {
		e    support.Event
		want string
	}{
		{support.Event{Kind: support.EventCreated}, TmplCreated},
		{support.Event{Kind: support.EventComment, Role: support.RoleAgent}, TmplComment},
		{support.Event{Kind: support.EventComment, Role: support.RoleAdmin}, TmplComment},
		{support.Event{Kind: support.EventComment, Role: support.RoleReporter}, ""},
		{support.Event{Kind: support.EventStatus, To: "en_cours"}, TmplStatus},
		{support.Event{Kind: support.EventStatus, To: "resolu"}, TmplResolved},
		{support.Event{Kind: support.EventPriority}, ""},
		{support.Event{Kind: support.EventAssignee}, ""},
	} {
		if got := Template(c.e); got != c.want {
			t.Errorf("%+v: %q, want %q", c.e, got, c.want)
		}
	}
}
