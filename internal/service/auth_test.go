package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/support"
)

func TestAuthenticate(t *testing.T) {
	f := newFixture(t, service.Config{})
	ctx := context.Background()

	// A disabled person is written by the store directly: the service has
	// no way to disable anyone yet.
	const disabledToken = "ents_disabled-person-token"
	if err := f.db.CreateUser(ctx, &support.User{Name: "Ancien Agent", Email: "ancien@example.fr",
		Role: support.RoleAgent, Disabled: true}, support.HashToken(disabledToken)); err != nil {
		t.Fatal(err)
	}

	t.Run("good token", func(t *testing.T) {
		u, err := f.svc.Authenticate(ctx, bootstrapToken)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != support.RoleAdmin || u.ID == 0 {
			t.Errorf("Authenticate = %+v, want the bootstrap admin", u)
		}
	})
	for _, c := range []struct {
		name, token, key string
	}{
		{"unknown token", "ents_no-such-token-anywhere", "error.bad_token"},
		{"empty token", "", "error.no_token"},
		{"disabled user", disabledToken, "error.bad_token"},
		{"hash of a token instead of the token", support.HashToken(bootstrapToken), "error.bad_token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, err := f.svc.Authenticate(ctx, c.token)
			if u != nil {
				t.Errorf("Authenticate returned a user: %+v", u)
			}
			wantError(t, err, support.EUNAUTHENTICATED, c.key)
		})
	}
}

func TestBootstrap(t *testing.T) {
	ctx := context.Background()

	t.Run("empty database gets its admin once", func(t *testing.T) {
		db := openStore(t)
		svc := service.New(db, service.Config{})
		ok, err := svc.Bootstrap(ctx, bootstrapToken)
		if err != nil || !ok {
			t.Fatalf("first Bootstrap = %v, %v; want true, nil", ok, err)
		}
		u, err := svc.Authenticate(ctx, bootstrapToken)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != support.RoleAdmin {
			t.Errorf("bootstrap user role = %q, want admin", u.Role)
		}
		ok, err = svc.Bootstrap(ctx, bootstrapToken)
		if err != nil || ok {
			t.Fatalf("second Bootstrap = %v, %v; want false, nil", ok, err)
		}
		if n, err := db.CountUsers(ctx, ""); err != nil || n != 1 {
			t.Errorf("users after two bootstraps = %d, %v; want 1", n, err)
		}
	})

	t.Run("short token refused", func(t *testing.T) {
		db := openStore(t)
		svc := service.New(db, service.Config{})
		short := strings.Repeat("x", service.MinBootstrapTokenLen-1)
		ok, err := svc.Bootstrap(ctx, short)
		if ok {
			t.Error("Bootstrap with a short token created an admin")
		}
		wantError(t, err, support.EINVALID, "error.bootstrap_token_short")
		if n, _ := db.CountUsers(ctx, ""); n != 0 {
			t.Errorf("users = %d after a refused bootstrap, want 0", n)
		}
		// Exactly the minimum is enough.
		if ok, err := svc.Bootstrap(ctx, strings.Repeat("x", service.MinBootstrapTokenLen)); err != nil || !ok {
			t.Errorf("Bootstrap with a %d-character token = %v, %v", service.MinBootstrapTokenLen, ok, err)
		}
	})

	t.Run("no token does nothing", func(t *testing.T) {
		db := openStore(t)
		svc := service.New(db, service.Config{})
		if ok, err := svc.Bootstrap(ctx, ""); err != nil || ok {
			t.Fatalf("Bootstrap(\"\") = %v, %v; want false, nil", ok, err)
		}
		if n, _ := db.CountUsers(ctx, ""); n != 0 {
			t.Errorf("users = %d, want 0", n)
		}
	})

	t.Run("database with an admin ignores the token", func(t *testing.T) {
		db := openStore(t)
		svc := service.New(db, service.Config{})
		if ok, err := svc.Bootstrap(ctx, bootstrapToken); err != nil || !ok {
			t.Fatal(ok, err)
		}
		other := "another-bootstrap-token-0123456789"
		for _, tok := range []string{other, "short"} {
			ok, err := svc.Bootstrap(ctx, tok)
			if err != nil || ok {
				t.Errorf("Bootstrap(%q) on a set-up database = %v, %v; want false, nil", tok, ok, err)
			}
		}
		_, err := svc.Authenticate(ctx, other)
		wantError(t, err, support.EUNAUTHENTICATED, "error.bad_token")
	})
}

func TestAdminOnly(t *testing.T) {
	f := newFixture(t, service.Config{})
	reporter := f.user(support.RoleReporter, uaiA)
	agent := f.user(support.RoleAgent)

	calls := []struct {
		name string
		call func(s *service.Session) error
	}{
		{"AddEstablishment", func(s *service.Session) error {
			_, err := s.AddEstablishment(context.Background(), support.Establishment{UAI: uaiUnknown, Name: "École", City: "Bourg"})
			return err
		}},
		{"ImportEstablishments", func(s *service.Session) error {
			_, err := s.ImportEstablishments(context.Background(), strings.NewReader("numero_uai;appellation_officielle\n0010001W;École\n"))
			return err
		}},
	}
	for _, c := range calls {
		for _, who := range []struct {
			name      string
			u         *support.User
			code, key string
		}{
			{"reporter", reporter, support.EFORBIDDEN, "error.admin_only"},
			{"agent", agent, support.EFORBIDDEN, "error.admin_only"},
			{"no user", nil, support.EUNAUTHENTICATED, "error.no_token"},
		} {
			t.Run(c.name+"/"+who.name, func(t *testing.T) {
				wantError(t, c.call(f.svc.As(who.u)), who.code, who.key)
			})
		}
	}
	// Nothing of the refused calls reached the database.
	if _, err := f.db.GetEstablishment(context.Background(), uaiUnknown); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("establishment of a refused call: err = %v, want not found", err)
	}
	if n, _ := f.db.CountUsers(context.Background(), ""); n != 3 {
		t.Errorf("users = %d, want 3 (admin, reporter, agent)", n)
	}
}

func TestCreateUser(t *testing.T) {
	f := newFixture(t, service.Config{})
	ctx := f.as(f.admin)

	t.Run("reporter with establishments", func(t *testing.T) {
		u, token, err := f.svc.CreateUser(ctx, support.UserInput{Name: "  Jeanne   d'Arc ", Email: "jeanne@example.fr",
			Phone: "06.12.34.56.78", Role: "Reporter", Function: "Principal adjoint", UAIs: []string{" 0421234n ", uaiB}})
		if err != nil {
			t.Fatalf("CreateUser: %v (%v)", err, fieldsOf(err))
		}
		if !strings.HasPrefix(token, support.TokenPrefix) {
			t.Errorf("token %q does not start with %q", token, support.TokenPrefix)
		}
		got, err := f.svc.Authenticate(context.Background(), token)
		if err != nil {
			t.Fatalf("the returned token does not authenticate: %v", err)
		}
		want := &support.User{ID: u.ID, Name: "Jeanne d'Arc", Email: "jeanne@example.fr", Phone: "+33612345678",
			Role: support.RoleReporter, Lang: "fr", CreatedAt: u.CreatedAt, Establishments: []support.Membership{
				{UAI: uaiA, Function: support.Adjoint}, {UAI: uaiB, Function: support.Adjoint}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("authenticated user (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, u); diff != "" {
			t.Errorf("returned user (-want +got):\n%s", diff)
		}
	})

	t.Run("agent and admin need no function", func(t *testing.T) {
		for i, role := range []support.Role{support.RoleAgent, support.RoleAdmin} {
			u, token, err := f.svc.CreateUser(ctx, support.UserInput{Name: "Agent Support",
				Email: "staff" + string(rune('0'+i)) + "@example.fr", Role: role})
			if err != nil {
				t.Fatalf("CreateUser(%s): %v", role, err)
			}
			if u.Role != role || !strings.HasPrefix(token, support.TokenPrefix) {
				t.Errorf("CreateUser(%s) = %+v, %q", role, u, token)
			}
		}
	})

	t.Run("e-mail taken, whatever its case", func(t *testing.T) {
		_, _, err := f.svc.CreateUser(ctx, support.UserInput{Name: "Jeanne Bis", Email: "JEANNE@example.fr",
			Role: support.RoleAgent})
		wantError(t, err, support.ECONFLICT, "")
	})

	good := support.UserInput{Name: "Paul Martin", Email: "paul@example.fr", Role: support.RoleReporter,
		Function: support.CorrespondantENT, UAIs: []string{uaiA}}
	for _, c := range []struct {
		name   string
		change func(*support.UserInput)
		want   []fieldRule
	}{
		{"name empty", func(in *support.UserInput) { in.Name = " " }, []fieldRule{{"name", support.RuleRequired}}},
		{"name with digits", func(in *support.UserInput) { in.Name = "R2D2" }, []fieldRule{{"name", support.RuleNameChars}}},
		{"email empty", func(in *support.UserInput) { in.Email = "" }, []fieldRule{{"email", support.RuleRequired}}},
		{"email malformed", func(in *support.UserInput) { in.Email = "paul@localhost" }, []fieldRule{{"email", support.RuleEmail}}},
		{"phone not French", func(in *support.UserInput) { in.Phone = "12345" }, []fieldRule{{"phone", support.RulePhone}}},
		{"role unknown", func(in *support.UserInput) { in.Role = "superuser" }, []fieldRule{{"role", support.RuleRole}}},
		{"role empty", func(in *support.UserInput) { in.Role = "" }, []fieldRule{{"role", support.RuleRole}}},
		{"reporter without function", func(in *support.UserInput) { in.Function = "" }, []fieldRule{{"function", support.RuleRequired}}},
		{"reporter who may not contact support", func(in *support.UserInput) { in.Function = "professeur" }, []fieldRule{{"function", support.RuleFunction}}},
		{"UAI with a wrong key", func(in *support.UserInput) { in.UAIs = []string{"0421234X"} }, []fieldRule{{"uai", support.RuleUAIKey}}},
		{"UAI malformed", func(in *support.UserInput) { in.UAIs = []string{"42"} }, []fieldRule{{"uai", support.RuleUAIFormat}}},
		{"UAI unknown", func(in *support.UserInput) { in.UAIs = []string{uaiA, uaiUnknown} }, []fieldRule{{"uai", support.RuleUAIUnknown}}},
		{"everything wrong at once", func(in *support.UserInput) {
			*in = support.UserInput{Name: "x", Email: "nope", Role: support.RoleReporter, UAIs: []string{"0421234X"}}
		}, []fieldRule{{"name", support.RuleLength}, {"email", support.RuleEmail},
			{"function", support.RuleRequired}, {"uai", support.RuleUAIKey}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := good
			in.UAIs = append([]string(nil), good.UAIs...)
			c.change(&in)
			u, token, err := f.svc.CreateUser(ctx, in)
			if u != nil || token != "" {
				t.Errorf("refused CreateUser returned %+v, %q", u, token)
			}
			wantFields(t, err, c.want...)
		})
	}
	// None of the refused inputs made a person: the good one is still free.
	if _, _, err := f.svc.CreateUser(ctx, good); err != nil {
		t.Errorf("CreateUser(good) after the refusals: %v", err)
	}
}

func TestCreateUserOpenDirectoryAcceptsUnknownUAI(t *testing.T) {
	f := newFixture(t, service.Config{OpenDirectory: true})
	u, _, err := f.svc.CreateUser(f.as(f.admin), support.UserInput{Name: "Paul Martin", Email: "paul@example.fr",
		Role: support.RoleReporter, Function: support.Adjoint, UAIs: []string{uaiUnknown}})
	if err != nil {
		t.Fatalf("CreateUser: %v (%v)", err, fieldsOf(err))
	}
	if diff := cmp.Diff([]support.Membership{{UAI: uaiUnknown, Function: support.Adjoint}}, u.Establishments); diff != "" {
		t.Errorf("memberships (-want +got):\n%s", diff)
	}
	// A wrong key is still refused: an open directory is not an open format.
	_, _, err = f.svc.CreateUser(f.as(f.admin), support.UserInput{Name: "Paul Bis", Email: "paul2@example.fr",
		Role: support.RoleReporter, Function: support.Adjoint, UAIs: []string{"0010001X"}})
	wantFields(t, err, fieldRule{"uai", support.RuleUAIKey})
}

func TestSessionActsAsItsUser(t *testing.T) {
	f := newFixture(t, service.Config{})
	reporter := f.user(support.RoleReporter, uaiA)
	ctx := context.Background()

	rs := f.svc.As(reporter)
	me, err := rs.Me(ctx)
	if err != nil || me.ID != reporter.ID {
		t.Fatalf("Me = %+v, %v; want the reporter", me, err)
	}
	_, _, err = rs.CreateUser(ctx, support.UserInput{Name: "Intrus Total", Email: "intrus@example.fr", Role: support.RoleAdmin})
	wantError(t, err, support.EFORBIDDEN, "error.appoint_correspondents_only")

	// The session's user wins over one already in the context.
	_, _, err = rs.CreateUser(f.as(f.admin), support.UserInput{Name: "Intrus Total", Email: "intrus@example.fr", Role: support.RoleAdmin})
	wantError(t, err, support.EFORBIDDEN, "error.appoint_correspondents_only")

	// The session files tickets in its user's name.
	tk, err := rs.CreateTicket(ctx, validInput(uaiA), support.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tk.CreatedBy != reporter.ID {
		t.Errorf("CreatedBy = %d, want the reporter %d", tk.CreatedBy, reporter.ID)
	}
	page, err := rs.ListTickets(ctx, support.TicketFilter{Mine: true})
	if err != nil || len(page.Tickets) != 1 {
		t.Errorf("ListTickets(mine) = %v, %v; want the one ticket", page, err)
	}

	as := f.svc.As(f.admin)
	if _, _, err := as.CreateUser(ctx, support.UserInput{Name: "Agent Légitime", Email: "agent@example.fr", Role: support.RoleAgent}); err != nil {
		t.Errorf("admin session CreateUser: %v", err)
	}
	info, err := as.Info(ctx)
	if err != nil || info.Prefix != support.DefaultPrefix || info.Limits != support.DefaultLimits() {
		t.Errorf("Info = %+v, %v; want the default prefix and limits", info, err)
	}

	// A session without a user is not authenticated.
	_, err = f.svc.As(nil).Me(ctx)
	wantError(t, err, support.EUNAUTHENTICATED, "error.no_token")
}
