package entcmd

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/notify"
	"github.com/ent-support/ent-support/internal/sqlstore"
	"github.com/ent-support/ent-support/internal/support"
)

// `ent-support server rotate-link-key`, run while a server process runs on
// the same SQLite file: links sent before keep working; with --revoke
// (the database named by ENT_SUPPORT_SERVER_DATABASE this time) they
// stop within the servers' keyring second, and a link signed with the
// key in force works.
func TestRotateLinkKeyCommand(t *testing.T) {
	s := newServerProc(t)
	c := newClient(t, s.url())
	num := c.file("Lien signé")
	if num == "" {
		t.Fatal("the ticket was kept in the outbox")
	}
	n, ferr := support.ParseNumber(num)
	if ferr != nil {
		t.Fatal(ferr)
	}
	ctx := context.Background()
	sign := func() string {
		t.Helper()
		st, err := sqlstore.Open(ctx, s.db, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		key, err := st.Secret(ctx, notify.SecretName, 32)
		if err != nil {
			t.Fatal(err)
		}
		return s.url() + "/t/" + notify.Signer{Key: key}.Sign(n, time.Now().Add(time.Hour))
	}
	status := func(link string, want int) int {
		t.Helper()
		deadline := time.Now().Add(3 * notify.KeyringTTL)
		for {
			code, err := statusOf(link)
			if err != nil {
				t.Fatal(err)
			}
			if code == want || time.Now().After(deadline) {
				return code
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	old := sign()
	if code := status(old, 200); code != 200 {
		t.Fatalf("the link: %d", code)
	}
	code, _, errs := c.run("server", "rotate-link-key", "--database", s.db)
	if code != 0 || !strings.Contains(errs, "Clé des liens remplacée") {
		t.Fatalf("rotate-link-key: exit %d\n%s", code, errs)
	}
	if code := status(sign(), 200); code != 200 {
		t.Errorf("a link with the new key: %d", code)
	}
	if code, _ := statusOf(old); code != 200 {
		t.Errorf("a link sent before the rotation: %d, want 200", code)
	}
	c.env = append(c.env, "ENT_SUPPORT_SERVER_DATABASE="+s.db, "LANG=en_GB.UTF-8")
	code, _, errs = c.run("server", "rotate-link-key", "--revoke")
	if code != 0 || !strings.Contains(errs, "old ones revoked") {
		t.Fatalf("rotate-link-key --revoke: exit %d\n%s", code, errs)
	}
	if code := status(old, 404); code != 404 {
		t.Errorf("a link of a revoked key: %d, want 404", code)
	}
	if code := status(sign(), 200); code != 200 {
		t.Errorf("a link with the key after the revocation: %d", code)
	}
}
