package server

import (
	"context"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/servertest"
	"github.com/ent-support/ent-support/internal/sqlstore/pgtest"
	"github.com/ent-support/ent-support/internal/support"
)

// Two server processes on one PostgreSQL database, both mailing through
// the same SMTP server: each e-mail is sent once, by one of them (the
// claim of PendingMail), whichever process the change went through.
func TestMailTwoProcessesPostgres(t *testing.T) {
	mp := servertest.StartMailpit(t, 0)
	dsn := pgtest.NewDatabase(t)
	c := &clock{}
	s1, _ := serve(t, mailOptions(dsn, mp.SMTPPort, c))
	s2, _ := serve(t, mailOptions(dsn, mp.SMTPPort, c))
	ctx := context.Background()
	connect := func(s *Server, token string) *httpapi.Client {
		cl, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: s.URL(), Token: token})
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	_, token, err := connect(s1, benchAdmin).CreateUser(ctx, support.UserInput{Name: "Marie Curie", Email: "marie.curie@example.org",
		Role: support.RoleReporter, Function: support.ChefEtablissement, UAIs: []string{"0421234N"}})
	if err != nil {
		t.Fatal(err)
	}
	reporters := []*httpapi.Client{connect(s1, token), connect(s2, token)}
	const n = 30
	subjects := map[string]bool{}
	for i := range n {
		tk, err := reporters[i%2].CreateTicket(ctx, benchTicket(i), support.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		subjects[tk.Number.String()] = true
	}
	// waitFor fails on more than n messages or a Message-ID twice.
	msgs := mp.WaitFor(t, n)
	for _, m := range msgs {
		found := false
		for num := range subjects {
			if strings.Contains(m.Subject, num) {
				delete(subjects, num)
				found = true
				break
			}
		}
		if !found {
			t.Errorf("mail %q: not one receipt per ticket", m.Subject)
		}
	}
	if len(subjects) != 0 {
		t.Errorf("no receipt for %v", subjects)
	}
}
