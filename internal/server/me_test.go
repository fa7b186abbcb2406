package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/support"
)

// PATCH /api/v1/me on a real server and a real SQLite file: a reporter
// changes their phone and GET /me then shows it; a bad phone is a 400
// naming the field "phone"; any e-mail change, even to another user's
// address, is a 400 naming "email" and the rule email_locked; a
// body that tries to set the role or the establishments is refused, and
// the profile keeps both.
func TestPatchMe(t *testing.T) {
	f := newEventsFixture(t)
	ctx := context.Background()
	before, err := f.reporter.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	patch := func(token, body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest("PATCH", f.s.URL()+"/api/v1/me", bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", "fr")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	problem := func(b []byte) problemBody {
		t.Helper()
		var p problemBody
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return p
	}

	// A reporter's e-mail is where support writes: not theirs to move.
	status, body := patch(f.reporterToken, `{"phone":"06 12 34 56 78","email":"m.curie@ac-lyon.fr"}`)
	if p := problem(body); status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "email" || p.Errors[0].Rule != "email_locked" {
		t.Fatalf("a reporter's new e-mail: %d %s", status, body)
	}
	status, body = patch(f.reporterToken, `{"phone":"06 12 34 56 78"}`)
	if status != http.StatusOK {
		t.Fatalf("PATCH /me: %d %s", status, body)
	}
	me, err := f.reporter.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := *before
	want.Phone = "+33612345678"
	if diff := cmp.Diff(&want, me); diff != "" {
		t.Errorf("GET /me after PATCH (-want +got):\n%s", diff)
	}

	status, body = patch(f.reporterToken, `{"phone":"12 34"}`)
	if p := problem(body); status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "phone" ||
		p.Errors[0].Rule != support.RulePhone || p.Errors[0].Message == "" {
		t.Errorf("bad phone: %d %s", status, body)
	}

	status, body = patch(f.reporterToken, `{"email":"PAUL.AUTRE@example.org"}`)
	if p := problem(body); status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Rule != "email_locked" {
		t.Errorf("another user's e-mail: %d %s", status, body)
	}

	for _, b := range []string{
		`{"role":"admin"}`,
		`{"phone":"0639981234","establishments":[{"uai":"0750001U","function":"chef_etablissement"}]}`,
		`{"name":"Quelqu'un d'autre"}`,
	} {
		if status, body = patch(f.reporterToken, b); status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", b, status, body)
		}
	}
	after, err := f.reporter.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&want, after); diff != "" {
		t.Errorf("after the refused changes (-want +got):\n%s", diff)
	}

	if status, body = patch("", `{"phone":"0639981234"}`); status != http.StatusUnauthorized {
		t.Errorf("no token: %d %s", status, body)
	}
}
