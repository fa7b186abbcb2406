package httpapi

import (
	"context"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

// PATCH /api/v1/users/{user} through the client: the ref reaches the
// service as given (an e-mail with a "+" included), the user comes back;
// a conflict comes back as ECONFLICT, an unknown user as ENOTFOUND; and a
// body that tries to set the role is refused before the service is called.
func TestClientUpdateUser(t *testing.T) {
	ts := newTestServer(t, nil)
	c := newClient(t, ts.URL, adminToken, "fr")
	ctx := context.Background()

	u, err := c.UpdateUser(ctx, "carla+corr@example.fr", support.ContactUpdate{Email: "carla@ac-lyon.fr", Phone: "+33639981234"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "carla@ac-lyon.fr" || u.Phone != "+33639981234" || u.ID != 2 {
		t.Errorf("UpdateUser = %+v", u)
	}
	// The server was given the ref as typed.
	if c := ts.fake.Changes; len(c) != 1 || c[0].Value != "carla+corr@example.fr carla@ac-lyon.fr +33639981234" {
		t.Errorf("the service received %+v", c)
	}

	for _, code := range []string{support.ECONFLICT, support.ENOTFOUND, support.EFORBIDDEN} {
		ts.fake.Fail["UpdateUser"] = support.Errorf(code, "error.email_taken", nil)
		_, err = c.UpdateUser(ctx, "12", support.ContactUpdate{Email: "admin@example.fr"})
		if e := asSupportError(t, err); e.Code != code {
			t.Errorf("service's %s: %+v", code, e)
		}
	}
	delete(ts.fake.Fail, "UpdateUser")

	before := ts.fake.Count("UpdateUser")
	resp, body := ts.do(t, req{method: "PATCH", path: "/api/v1/users/12", token: adminToken, header: jsonCT,
		body: strings.NewReader(`{"email":"carla@ac-lyon.fr","role":"admin"}`)})
	if p := decodeProblem(t, resp, body); p.Status != 400 || ts.fake.Count("UpdateUser") != before {
		t.Errorf("role in the body: %d %s (service called %d times)", resp.StatusCode, body, ts.fake.Count("UpdateUser")-before)
	}
	resp, body = ts.do(t, req{method: "PATCH", path: "/api/v1/users/12", header: jsonCT, body: strings.NewReader(`{"phone":"0612345678"}`)})
	if resp.StatusCode != 401 {
		t.Errorf("no token: %d %s", resp.StatusCode, body)
	}
}
