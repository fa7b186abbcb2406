package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/notify"
	"github.com/ent-support/ent-support/internal/support"
)

// linkFixture is a server with one ticket of reporterA's and a signed
// link to it, made with the key in force.
func linkFixture(t *testing.T) (*secFixture, support.Number, func() string) {
	t.Helper()
	f := newSecFixture(t, Options{})
	resp, body := f.upload(t, "reporterA", benchTicket(1), `filename="capture.png"`)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	var tk support.Ticket
	if err := json.Unmarshal(body, &tk); err != nil {
		t.Fatal(err)
	}
	sign := func() string {
		t.Helper()
		key, err := f.s.store.Secret(context.Background(), notify.SecretName, 32)
		if err != nil {
			t.Fatal(err)
		}
		return f.url + "/t/" + notify.Signer{Key: key}.Sign(tk.Number, time.Now().Add(notify.LinkValidity))
	}
	return f, tk.Number, sign
}

// pageStatus polls link until it answers want (the servers read the keys
// again within notify.KeyringTTL), and returns the last status.
func pageStatus(t *testing.T, link string, want int) int {
	t.Helper()
	deadline := time.Now().Add(3 * notify.KeyringTTL)
	for {
		resp, _ := httpGet(t, link)
		if resp.StatusCode == want || time.Now().After(deadline) {
			return resp.StatusCode
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A rotated link key: links already sent keep opening their page, new
// ones are signed with the new key; a revocation stops the old links at
// once (within the keyring's second) and keeps the newest working.
func TestLinkKeyRotation(t *testing.T) {
	f, _, sign := linkFixture(t)
	ctx := context.Background()
	old := sign()
	if code := pageStatus(t, old, 200); code != 200 {
		t.Fatalf("a fresh link: %d", code)
	}
	if err := RotateLinkKey(ctx, "sqlite:"+f.db, time.Now(), false); err != nil {
		t.Fatal(err)
	}
	fresh := sign()
	if fresh == old {
		t.Fatal("the key did not change")
	}
	if code := pageStatus(t, fresh, 200); code != 200 {
		t.Errorf("a link with the new key: %d", code)
	}
	if resp, _ := httpGet(t, old); resp.StatusCode != 200 {
		t.Errorf("a link sent before the rotation: %d, want 200 until it expires", resp.StatusCode)
	}
	if err := RotateLinkKey(ctx, "sqlite:"+f.db, time.Now(), true); err != nil {
		t.Fatal(err)
	}
	newest := sign()
	for _, l := range []string{old, fresh} {
		if code := pageStatus(t, l, 404); code != 404 {
			t.Errorf("a link of a revoked key: %d, want 404", code)
		}
	}
	if code := pageStatus(t, newest, 200); code != 200 {
		t.Errorf("a link with the key after the revocation: %d", code)
	}
}

// A link stops working when the ticket's reporter's account is disabled,
// and works again when it is enabled again.
func TestLinkRefusedWhenReporterDisabled(t *testing.T) {
	f, _, sign := linkFixture(t)
	ctx := context.Background()
	link := sign()
	if resp, _ := httpGet(t, link); resp.StatusCode != 200 {
		t.Fatalf("the link: %d", resp.StatusCode)
	}
	if _, err := f.client(t, "admin").SetUserDisabled(ctx, "marie.curie@example.org", true); err != nil {
		t.Fatal(err)
	}
	resp, page := httpGet(t, link)
	if resp.StatusCode != 404 || strings.Contains(page, "Cahier de textes") {
		t.Errorf("the link of a disabled reporter: %d\n%s", resp.StatusCode, page)
	}
	if _, err := f.client(t, "admin").SetUserDisabled(ctx, "marie.curie@example.org", false); err != nil {
		t.Fatal(err)
	}
	if resp, _ := httpGet(t, link); resp.StatusCode != 200 {
		t.Errorf("the link once the reporter is enabled again: %d", resp.StatusCode)
	}
}

// The request log never holds a signed link's token: the path is logged
// as /t/(redacted).
func TestLinkTokenNotLogged(t *testing.T) {
	f, _, sign := linkFixture(t)
	link := sign()
	token := link[strings.LastIndex(link, "/")+1:]
	for _, l := range []string{link, f.url + "/t/forged.0.AAAA"} {
		httpGet(t, l)
	}
	log := string(f.log.Bytes())
	if strings.Contains(log, token) || strings.Contains(log, "forged") {
		t.Errorf("the log holds a link's token:\n%s", log)
	}
	if strings.Count(log, `"path":"/t/(redacted)"`) != 2 {
		t.Errorf("the page requests are not logged, redacted:\n%s", log)
	}
}
