package service_test

import (
	"context"
	"testing"

	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/support"
)

// impersonation is what an attacker puts in a ticket's body: someone
// else's function, e-mail and name, and another school.
func impersonation(uai string) support.TicketInput {
	in := validInput(uai)
	in.Reporter = support.Reporter{Name: "Victime Autre", Function: support.ChefEtablissement,
		Phone: "06 12 34 56 78", Email: "victim@other-school.test"}
	return in
}

// A reporter's ticket speaks only for them: another school is refused,
// and in their own the name, e-mail and function are the account's.
func TestReporterTicketSpeaksOnlyForThem(t *testing.T) {
	f := newFixture(t, service.Config{OpenDirectory: true})
	ctx := context.Background()
	corr, _, err := f.svc.CreateUser(f.as(f.admin), support.UserInput{Name: "Carla Corr", Email: "carla.corr@example.fr",
		Phone: "04 77 00 00 01", Role: support.RoleReporter, Function: support.CorrespondantENT, UAIs: []string{uaiA}})
	if err != nil {
		t.Fatal(err)
	}
	corr, _ = f.db.UserByID(ctx, corr.ID)

	// Another school, in the directory or not: refused, nothing filed.
	for _, uai := range []string{uaiUnknown, uaiB} {
		_, err := f.svc.CreateTicket(f.as(corr), impersonation(uai), support.CreateOptions{})
		wantFields(t, err, fieldRule{"establishment.uai", support.RuleUAINotMember})
		if e := support.AsError(err); e.Fields[0].Params["uais"] != uaiA || e.Fields[0].Params["uai"] != uai {
			t.Errorf("params = %v; want the school asked for and the reporter's own", e.Fields[0].Params)
		}
	}
	if got := f.list(f.admin, support.TicketFilter{}); len(got) != 0 {
		t.Fatalf("tickets after refusals: %v", got)
	}

	// Their own school: the account's identity, whatever the body said.
	tk := f.create(corr, impersonation(uaiA), support.CreateOptions{})
	want := support.Reporter{Name: "Carla Corr", Function: support.CorrespondantENT, Phone: "+33612345678", Email: "carla.corr@example.fr"}
	if tk.Reporter != want || tk.CreatedBy != corr.ID || tk.FiledBy != corr.Mailbox() {
		t.Errorf("reporter %+v, created by %d, filed by %q; want %+v, %d, %q", tk.Reporter, tk.CreatedBy, tk.FiledBy, want, corr.ID, corr.Mailbox())
	}
	// Today's call-back number is the ticket's; the account keeps its own.
	if u, _ := f.db.UserByID(ctx, corr.ID); u.Phone != "+33477000001" || u.Email != "carla.corr@example.fr" {
		t.Errorf("account after filing: phone %q, e-mail %q; want unchanged", u.Phone, u.Email)
	}
	// Nothing typed: the account gives the phone and its one establishment.
	in := validInput("")
	in.Reporter = support.Reporter{}
	tk = f.create(corr, in, support.CreateOptions{})
	if tk.Reporter.Phone != "+33477000001" || tk.Establishment.UAI != uaiA || tk.Reporter.Function != support.CorrespondantENT {
		t.Errorf("from the account: %+v at %s", tk.Reporter, tk.Establishment.UAI)
	}
	// The function is the membership's: a reporter who is chef in one
	// school and correspondent in another files as each in each.
	two := f.user(support.RoleReporter, uaiA) // chef_etablissement of A
	tk = f.create(two, impersonation(uaiA), support.CreateOptions{})
	if tk.Reporter.Function != support.ChefEtablissement || tk.Reporter.Email != two.Email {
		t.Errorf("chef of A files as %+v", tk.Reporter)
	}

	// A reporter may not file on someone's behalf.
	in = validInput(uaiA)
	in.OnBehalfOf = two.Email
	_, err = f.svc.CreateTicket(f.as(corr), in, support.CreateOptions{})
	wantFields(t, err, fieldRule{"on_behalf_of", support.RuleOnBehalfStaff})
}

// An agent filing on behalf of someone names their account: that
// account's identity and establishments apply, its e-mail gets the mail,
// and the ticket records the agent as who filed it.
func TestAgentFilesOnBehalfOfAnAccount(t *testing.T) {
	f := newFixture(t, service.Config{})
	agent := f.user(support.RoleAgent)
	chef := f.user(support.RoleReporter, uaiA)

	in := impersonation(uaiA)
	in.OnBehalfOf = "  " + chef.Email + " "
	tk := f.create(agent, in, support.CreateOptions{})
	if tk.CreatedBy != chef.ID || tk.FiledBy != agent.Mailbox() || tk.Reporter.Email != chef.Email ||
		tk.Reporter.Name != chef.Name || tk.Reporter.Function != support.ChefEtablissement || tk.OnBehalfOf != "" {
		t.Errorf("ticket for %s: %+v, created by %d, filed by %q, on_behalf_of %q", chef.Email, tk.Reporter, tk.CreatedBy, tk.FiledBy, tk.OnBehalfOf)
	}
	// The person sees it among their own.
	if got := f.list(chef, support.TicketFilter{Mine: true}); len(got) != 1 || got[0] != tk.Number.String() {
		t.Errorf("chef's own tickets = %v", got)
	}
	// Their establishments only.
	in.Establishment.UAI = uaiB
	_, err := f.svc.CreateTicket(f.as(agent), in, support.CreateOptions{})
	wantFields(t, err, fieldRule{"establishment.uai", support.RuleUAINotMember})

	// Only an enabled reporter's account is named.
	other := f.user(support.RoleAgent)
	gone := f.user(support.RoleReporter, uaiA)
	if _, err := f.svc.SetUserDisabled(f.as(f.admin), gone.Email, true); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"nobody@example.fr", other.Email, gone.Email} {
		in := validInput(uaiA)
		in.OnBehalfOf = email
		_, err := f.svc.CreateTicket(f.as(agent), in, support.CreateOptions{})
		wantFields(t, err, fieldRule{"on_behalf_of", support.RuleAccountUnknown})
	}
	in = validInput(uaiA)
	in.OnBehalfOf = "pas une adresse"
	_, err = f.svc.CreateTicket(f.as(agent), in, support.CreateOptions{})
	wantFields(t, err, fieldRule{"on_behalf_of", support.RuleEmail})

	// Naming nobody, an agent files for a caller who has no account: the
	// identity typed is kept, and the ticket is the agent's (its mail goes
	// to the agent, never to the typed address).
	tk = f.create(agent, validInput(uaiB), support.CreateOptions{})
	if tk.Reporter.Email != "marie.dupont@example.fr" || tk.CreatedBy != agent.ID || tk.FiledBy != agent.Mailbox() {
		t.Errorf("agent's own ticket: %+v, created by %d, filed by %q", tk.Reporter, tk.CreatedBy, tk.FiledBy)
	}
}

// Establishment fields a client sends for a school the directory does not
// know follow the rules of the other text fields.
func TestOpenDirectoryEstablishmentFields(t *testing.T) {
	f := newFixture(t, service.Config{OpenDirectory: true})
	agent := f.user(support.RoleAgent)
	in := validInput(uaiUnknown)
	in.Establishment = support.Establishment{UAI: uaiUnknown, Name: "École du Bourg", City: "Ailleurs",
		Department: "042\x1b[31m", Territory: string(make([]rune, support.TerritoryMax+1))}
	_, err := f.svc.CreateTicket(f.as(agent), in, support.CreateOptions{})
	wantFields(t, err, fieldRule{"establishment.department", support.RuleControlChars},
		fieldRule{"establishment.territory", support.RuleControlChars})
	long := make([]byte, support.TerritoryMax+1)
	for i := range long {
		long[i] = 'a'
	}
	in.Establishment.Department, in.Establishment.Territory = "  Loire  ", string(long)
	_, err = f.svc.CreateTicket(f.as(agent), in, support.CreateOptions{})
	wantFields(t, err, fieldRule{"establishment.territory", support.RuleLength})
	in.Establishment.Territory = "Auvergne-Rhône-Alpes"
	tk := f.create(agent, in, support.CreateOptions{})
	if tk.Establishment.Department != "Loire" || tk.Establishment.Territory != "Auvergne-Rhône-Alpes" {
		t.Errorf("establishment = %+v", tk.Establishment)
	}
}
