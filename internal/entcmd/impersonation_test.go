package entcmd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/servertest"
	"github.com/ent-support/ent-support/internal/support"
)

// A ticket speaks only for its sender, end to end: the real binary filing
// against a real server process that mails through a real SMTP server
// (Mailpit). A correspondent of 0421234N who claims to be the head of
// another school, with that school's e-mail, is refused and nothing is
// mailed; in their own school the ticket carries their account's identity
// and the creation mail goes to their account's address only. An agent
// filing with --for names the account that gets the mail, and the ticket
// records the agent as who filed it.
func TestImpersonationEndToEnd(t *testing.T) {
	mp := servertest.StartMailpit(t, 0)
	srv := newServerProcOn(t, "", "--smtp", fmt.Sprintf("smtp+plain://127.0.0.1:%d", mp.SMTPPort),
		"--mail-from", "support@example.org", "--public-url", "http://support.example.org")
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(srv.dir, "server.log"))
			t.Logf("server log:\n%s", b)
		}
	})
	admin := newClient(t, srv.url())
	mustRun := func(c *client, args ...string) string {
		t.Helper()
		code, out, errs := c.run(args...)
		if code != 0 {
			t.Fatalf("ent-support %s: exit %d\n%s", strings.Join(args, " "), code, errs)
		}
		return strings.TrimSpace(out)
	}
	mustRun(admin, "admin", "establishment", "add", "--uai", "0421234N", "--name", "Collège du Pilat", "--city", "Bourg-Argental")
	const carla = "carla.corr@college-pilat.test"
	corr := newClient(t, srv.url())
	corr.env = []string{"ENT_SUPPORT_TOKEN=" + mustRun(admin, "admin", "user", "add", "--name", "Carla Corr", "--email", carla,
		"--role", "reporter", "--function", "correspondant_ent", "--uai", "0421234N", "--phone", "04 77 00 00 01")}
	agent := newClient(t, srv.url())
	agent.env = []string{"ENT_SUPPORT_TOKEN=" + mustRun(admin, "admin", "user", "add", "--name", "Agathe Agent",
		"--email", "agathe@support.example.org", "--role", "agent")}

	ticket := []string{"new", "--no-input", "--name", "Victor Victime", "--function", "chef_etablissement",
		"--email", "victim@other-school.test", "--phone", "06 12 34 56 78",
		"--subject", "Réinitialisation de votre mot de passe",
		"--population", "direction", "--description", "Cliquez sur le lien de ce message pour garder l'accès à votre compte ENT.",
		"--location", "https://ent.example.org/", "--priority", "majeure"}

	// 1. Another school: refused on establishment.uai (exit 2), nothing
	// filed, nothing mailed.
	code, _, errs := corr.run(append(ticket, "--uai", "0010001W", "--establishment", "Lycée Victime", "--city", "Bourg-en-Bresse")...)
	if code != 2 || !strings.Contains(errs, "(establishment.uai)") || !strings.Contains(errs, "vos propres établissements (0421234N)") {
		t.Fatalf("filing for another school: exit %d, want 2 naming the rule\n%s", code, errs)
	}
	if got := ticketsAsAdmin(t, srv.url()); len(got) != 0 {
		t.Fatalf("tickets after the refusal: %+v", got)
	}

	// 2. Their own school, with the victim's e-mail and another function:
	// filed with the account's identity; mailed to the account only.
	num := mustRun(corr, append(ticket, "--uai", "0421234N")...)
	tk := ticketAsAdmin(t, srv.url(), num)
	want := support.Reporter{Name: "Carla Corr", Function: support.CorrespondantENT, Phone: "+33612345678", Email: carla}
	if tk.Reporter != want || tk.Establishment.UAI != "0421234N" || tk.FiledBy != "Carla Corr <"+carla+">" {
		t.Errorf("ticket %s: reporter %+v at %s, filed by %q; want %+v at 0421234N, filed by Carla", num, tk.Reporter, tk.Establishment.UAI, tk.FiledBy, want)
	}
	msgs := mp.WaitFor(t, 1)
	if to := recipients(msgs[0]); to != carla || !strings.Contains(msgs[0].Subject, num) {
		t.Errorf("creation mail %q to %s; want to %s only", msgs[0].Subject, to, carla)
	}

	// 3. An agent files on Carla's behalf (a phone call): Carla's identity
	// and establishment, Carla gets the mail, the agent filed it.
	num2 := mustRun(agent, "new", "--no-input", "--for", carla, "--subject", "Cahier de textes vide",
		"--population", "eleves", "--description", "Appel de la correspondante : la page du cahier de textes reste blanche.",
		"--location", "Accueil > Vie scolaire", "--priority", "mineure")
	tk2 := ticketAsAdmin(t, srv.url(), num2)
	if tk2.Reporter.Email != carla || tk2.Reporter.Phone != "+33477000001" || tk2.Establishment.UAI != "0421234N" ||
		tk2.CreatedBy != tk.CreatedBy || tk2.FiledBy != "Agathe Agent <agathe@support.example.org>" {
		t.Errorf("ticket %s for Carla: reporter %+v at %s, created by %d (Carla is %d), filed by %q",
			num2, tk2.Reporter, tk2.Establishment.UAI, tk2.CreatedBy, tk.CreatedBy, tk2.FiledBy)
	}
	_, shown, _ := agent.run("show", num2)
	if !strings.Contains(shown, "Déposée par") || !strings.Contains(shown, "Agathe Agent <agathe@support.example.org>") {
		t.Errorf("show %s does not say who filed it:\n%s", num2, shown)
	}
	msgs = mp.WaitFor(t, 2)
	if to := recipients(msgs[1]); to != carla || !strings.Contains(msgs[1].Subject, num2) {
		t.Errorf("creation mail %q to %s; want to %s only", msgs[1].Subject, to, carla)
	}
	for _, m := range mp.Messages(t) {
		if strings.Contains(recipients(m), "victim@") {
			t.Errorf("mail %q went to %s", m.Subject, recipients(m))
		}
	}
}

func recipients(m servertest.MailSummary) string {
	var to []string
	for _, a := range m.To {
		to = append(to, a.Address)
	}
	return strings.Join(to, ",")
}

// ticketsAsAdmin lists every ticket on the server, as the admin.
func ticketsAsAdmin(t *testing.T, server string) []support.TicketSummary {
	t.Helper()
	var page support.TicketPage
	getAsAdmin(t, server+"/api/v1/tickets?limit=500", &page)
	return page.Tickets
}

func ticketAsAdmin(t *testing.T, server, number string) support.Ticket {
	t.Helper()
	var tk support.Ticket
	getAsAdmin(t, server+"/api/v1/tickets/"+number, &tk)
	return tk
}

func getAsAdmin(t *testing.T, url string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+bootstrapToken)
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
