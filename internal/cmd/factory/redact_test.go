package factory

import (
	"strings"
	"testing"
)

// A DSN's password never reaches the server's log, whether it is in the
// user-info or in the query string.
func TestRedactDSN(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://ent:secret@db/ent", "postgres://ent:xxxxx@db/ent"},
		{"postgres://db/ent?password=secret", "postgres://db/ent?password=xxxxx"},
		{"postgres://db/ent?sslmode=require&Password=secret&application_name=x", "postgres://db/ent?sslmode=require&Password=xxxxx&application_name=x"},
		{"postgres://db/ent?sslpassword=secret", "postgres://db/ent?sslpassword=xxxxx"},
		{"postgres://db/ent?pass%77ord=secret", "postgres://db/ent?password=xxxxx"},
		{"postgres://u:p@db/ent?password=secret", "postgres://u:xxxxx@db/ent?password=xxxxx"},
		{"smtp://mail:secret@relay:587", "smtp://mail:xxxxx@relay:587"},
		{"sqlite:/var/lib/ent/server.db", "sqlite:/var/lib/ent/server.db"},
		{"postgres://db/ent?sslmode=disable", "postgres://db/ent?sslmode=disable"},
	} {
		got := redact(tc.in)
		if got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(got, "secret") {
			t.Errorf("redact(%q) = %q keeps the password", tc.in, got)
		}
	}
}
