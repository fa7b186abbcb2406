package httpapi

import (
	"context"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

// PATCH /api/v1/me through the client: the new profile comes back; a
// field error comes back as the same field error; a conflict as
// ECONFLICT; and a body that tries to set the role is refused before the
// service is called.
func TestClientUpdateMe(t *testing.T) {
	ts := newTestServer(t, nil)
	c := newClient(t, ts.URL, reporterToken, "fr")
	ctx := context.Background()

	u, err := c.UpdateMe(ctx, support.ContactUpdate{Phone: "06 12 34 56 78"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Phone != "+33612345678" || u.Email != reporterUser.Email || u.Role != support.RoleReporter {
		t.Errorf("UpdateMe = %+v", u)
	}

	_, err = c.UpdateMe(ctx, support.ContactUpdate{Phone: "12"})
	if e := asSupportError(t, err); e.Code != support.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "phone" {
		t.Errorf("bad phone: %+v", e)
	}

	ts.fake.Fail["UpdateMe"] = support.Errorf(support.ECONFLICT, "error.email_taken", nil)
	_, err = c.UpdateMe(ctx, support.ContactUpdate{Email: "admin@example.fr"})
	if e := asSupportError(t, err); e.Code != support.ECONFLICT {
		t.Errorf("taken e-mail: %+v", e)
	}
	delete(ts.fake.Fail, "UpdateMe")

	before := ts.fake.Count("UpdateMe")
	resp, body := ts.do(t, req{method: "PATCH", path: "/api/v1/me", token: reporterToken, header: jsonCT,
		body: strings.NewReader(`{"phone":"0612345678","role":"admin","establishments":[{"uai":"0420002Z","function":"chef_etablissement"}]}`)})
	if p := decodeProblem(t, resp, body); p.Status != 400 || ts.fake.Count("UpdateMe") != before {
		t.Errorf("role in the body: %d %s (service called %d times)", resp.StatusCode, body, ts.fake.Count("UpdateMe")-before)
	}
	resp, body = ts.do(t, req{method: "PATCH", path: "/api/v1/me", header: jsonCT, body: strings.NewReader(`{"phone":"0612345678"}`)})
	if resp.StatusCode != 401 {
		t.Errorf("no token: %d %s", resp.StatusCode, body)
	}
}
