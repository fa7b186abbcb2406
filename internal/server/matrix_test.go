package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/httpapi/openapitest"
	"github.com/ent-support/ent-support/internal/support"
)

// The principals of the access matrix, in its columns' order.
const (
	pNone     = iota // no Authorization header
	pBad             // a well-formed token nobody holds
	pRepA            // a chef_etablissement of the ticket's establishment
	pRepB            // a chef_etablissement of another establishment
	pAgent           // support staff
	pAdmin           // an administrator
	pDisabled        // a reporter of the ticket's establishment, disabled
	pMailgate        // a mail gateway's token: it only posts mail
	nPrincipals
)

var principalNames = [nPrincipals]string{"no token", "bad token", "reporter of this establishment",
	"reporter of another", "agent", "admin", "disabled user", "mail gateway"}

// cell is what one request needs: a path with its parameters filled for
// fresh resources, and a body.
type cell struct {
	path        string
	contentType string
	body        string
}

// accessMatrix is every route × every principal → the status expected.
// Resources are made fresh for each cell (a ticket of establishment A
// filed by its chef, a correspondent of A), so cells do not depend on each
// other. TestAccessMatrix fails when a route of httpapi.Routes() has no
// row here, so a new route cannot ship without its access decided.
var accessMatrix = map[string]struct {
	want    [nPrincipals]int
	prepare func(m *matrix, t *testing.T) cell
}{
	"GET /healthz":               {[nPrincipals]int{200, 200, 200, 200, 200, 200, 200, 200}, fixed("/healthz")},
	"GET /readyz":                {[nPrincipals]int{200, 200, 200, 200, 200, 200, 200, 200}, fixed("/readyz")},
	"GET /api/v1/info":           {[nPrincipals]int{200, 200, 200, 200, 200, 200, 200, 200}, fixed("/api/v1/info")},
	"GET /api/v1/openapi.json":   {[nPrincipals]int{200, 200, 200, 200, 200, 200, 200, 200}, fixed("/api/v1/openapi.json")},
	"GET /api/v1/me":             {[nPrincipals]int{401, 401, 200, 200, 200, 200, 401, 403}, fixed("/api/v1/me")},
	"GET /api/v1/tickets":        {[nPrincipals]int{401, 401, 200, 200, 200, 200, 401, 403}, fixed("/api/v1/tickets?assignee=none&sort=updated")},
	"GET /api/v1/establishments": {[nPrincipals]int{401, 401, 200, 200, 200, 200, 401, 403}, fixed("/api/v1/establishments?q=pilat")},
	// A reporter files only for their own establishments: another school's
	// is a field error on establishment.uai (400), and nothing is filed.
	"POST /api/v1/tickets": {[nPrincipals]int{401, 401, 201, 400, 201, 201, 401, 403}, func(m *matrix, t *testing.T) cell {
		return jsonCell("/api/v1/tickets", ticketJSON(t))
	}},
	// One's own phone and e-mail: anyone signed in, for themselves only.
	"PATCH /api/v1/me": {[nPrincipals]int{401, 401, 200, 200, 200, 200, 401, 403}, func(m *matrix, t *testing.T) cell {
		return jsonCell("/api/v1/me", `{"phone":"06 39 98 12 34"}`)
	}},
	"GET /api/v1/tickets/{number}": {[nPrincipals]int{401, 401, 200, 404, 200, 200, 401, 403}, func(m *matrix, t *testing.T) cell {
		return cell{path: "/api/v1/tickets/" + m.ticket(t, "").String()}
	}},
	"POST /api/v1/tickets/{number}/comments": {[nPrincipals]int{401, 401, 201, 404, 201, 201, 401, 403}, func(m *matrix, t *testing.T) cell {
		return jsonCell("/api/v1/tickets/"+m.ticket(t, "").String()+"/comments", `{"body":"Une précision"}`)
	}},
	"POST /api/v1/tickets/{number}/status": {[nPrincipals]int{401, 401, 403, 404, 200, 200, 401, 403}, func(m *matrix, t *testing.T) cell {
		return jsonCell("/api/v1/tickets/"+m.ticket(t, "").String()+"/status", `{"status":"en_cours"}`)
	}},
	"POST /api/v1/tickets/{number}/priority": {[nPrincipals]int{401, 401, 403, 404, 200, 200, 401, 403}, func(m *matrix, t *testing.T) cell {
		return jsonCell("/api/v1/tickets/"+m.ticket(t, "").String()+"/priority", `{"priority":"bloquante","message":"Tout le collège"}`)
	}},
	"POST /api/v1/tickets/{number}/assign": {[nPrincipals]int{401, 401, 403, 404, 200, 200, 401, 403}, func(m *matrix, t *testing.T) cell {
		return jsonCell("/api/v1/tickets/"+m.ticket(t, "").String()+"/assign", `{}`)
	}},
	"POST /api/v1/tickets/{number}/reopen": {[nPrincipals]int{401, 401, 200, 404, 200, 200, 401, 403}, func(m *matrix, t *testing.T) cell {
		return jsonCell("/api/v1/tickets/"+m.ticket(t, support.StatusResolved).String()+"/reopen", `{"message":"L'erreur est revenue"}`)
	}},
	"GET /api/v1/tickets/{number}/events": {[nPrincipals]int{401, 401, 200, 404, 200, 200, 401, 403}, func(m *matrix, t *testing.T) cell {
		return cell{path: "/api/v1/tickets/" + m.ticket(t, "").String() + "/events"}
	}},
	"GET /api/v1/tickets/{number}/attachments/{id}": {[nPrincipals]int{401, 401, 200, 404, 200, 200, 401, 403}, func(m *matrix, t *testing.T) cell {
		n, id := m.ticketWithFile(t)
		return cell{path: fmt.Sprintf("/api/v1/tickets/%s/attachments/%d", n, id)}
	}},
	"POST /api/v1/establishments": {[nPrincipals]int{401, 401, 403, 403, 403, 201, 401, 403}, func(m *matrix, t *testing.T) cell {
		return jsonCell("/api/v1/establishments", `{"uai":"0421234N","name":"Collège du Pilat","city":"Saint-Genest-Malifaux"}`)
	}},
	"POST /api/v1/establishments/import": {[nPrincipals]int{401, 401, 403, 403, 403, 200, 401, 403}, func(m *matrix, t *testing.T) cell {
		return cell{path: "/api/v1/establishments/import", contentType: "text/csv",
			body: "numero_uai;appellation_officielle;libelle_commune\n0010001W;Lycée Test;Bourg-en-Bresse\n"}
	}},
	// People: a chef manages the correspondents of their establishment;
	// one out of reach is not found, as a ticket is.
	"GET /api/v1/users": {[nPrincipals]int{401, 401, 200, 200, 403, 200, 401, 403}, fixed("/api/v1/users")},
	"POST /api/v1/users": {[nPrincipals]int{401, 401, 201, 403, 403, 201, 401, 403}, func(m *matrix, t *testing.T) cell {
		return jsonCell("/api/v1/users", fmt.Sprintf(`{"name":"Carla Corr","email":"carla.%d@example.org","role":"reporter","function":"correspondant_ent","uais":["0421234N"]}`, m.seq.Add(1)))
	}},
	"PATCH /api/v1/users/{user}": {[nPrincipals]int{401, 401, 200, 404, 403, 200, 401, 403}, func(m *matrix, t *testing.T) cell {
		return cell{path: "/api/v1/users/" + m.correspondent(t), contentType: "application/json",
			body: fmt.Sprintf(`{"email":"moved.%d@example.org"}`, m.seq.Add(1))}
	}},
	"POST /api/v1/users/{user}/disable": {[nPrincipals]int{401, 401, 200, 404, 403, 200, 401, 403}, func(m *matrix, t *testing.T) cell {
		return cell{path: "/api/v1/users/" + m.correspondent(t) + "/disable"}
	}},
	"POST /api/v1/users/{user}/enable": {[nPrincipals]int{401, 401, 200, 404, 403, 200, 401, 403}, func(m *matrix, t *testing.T) cell {
		return cell{path: "/api/v1/users/" + m.correspondent(t) + "/enable"}
	}},
	"POST /api/v1/users/{user}/token": {[nPrincipals]int{401, 401, 200, 404, 403, 200, 401, 403}, func(m *matrix, t *testing.T) cell {
		return cell{path: "/api/v1/users/" + m.correspondent(t) + "/token"}
	}},
	"GET /api/v1/audit": {[nPrincipals]int{401, 401, 403, 403, 403, 200, 401, 403}, fixed("/api/v1/audit")},
	// The signed link opens one ticket's page by its own token; a bearer
	// token adds nothing. (A valid link is tested in mail_test.go.)
	// Incoming mail: mail gateways (and admins, to try it); a gateway's
	// token opens no other route (403 on each row above).
	"POST /api/v1/mail": {[nPrincipals]int{401, 401, 403, 403, 403, 200, 401, 200}, func(m *matrix, t *testing.T) cell {
		return cell{path: "/api/v1/mail", contentType: "message/rfc822", body: fmt.Sprintf("From: marie.curie@example.org\r\n"+
			"Subject: Cahier de textes vide\r\nDate: Mon, 10 Mar 2025 09:00:00 +0100\r\nMessage-ID: <matrix.%d@example.org>\r\n\r\n"+
			"Population concernée : élèves\r\nDescription précise : La page du cahier de textes reste blanche.\r\n"+
			"URL de l'établissement ou fil d'Ariane : Accueil > Vie scolaire\r\nDegré de priorité : majeure\r\n", m.seq.Add(1))}
	}},
	"GET /t/{token}": {[nPrincipals]int{404, 404, 404, 404, 404, 404, 404, 404}, fixed("/t/not-a-signed-link")},
}

func fixed(path string) func(*matrix, *testing.T) cell {
	return func(*matrix, *testing.T) cell { return cell{path: path} }
}

func jsonCell(path, body string) cell {
	return cell{path: path, contentType: "application/json", body: body}
}

func ticketJSON(t *testing.T) string {
	return `{"reporter":{"name":"Marie Curie","function":"chef_etablissement","phone":"06 39 98 12 34","email":"marie.curie@example.org"},
		"establishment":{"uai":"0421234N"},"subject":"Cahier de textes vide","population":["eleves"],
		"description":"La page reste blanche.","location":"Accueil > Vie scolaire","priority":"majeure"}`
}

// matrix is the server and the people of the access matrix.
type matrix struct {
	s      *Server
	tokens [nPrincipals]string
	repA   *httpapi.Client
	agent  *httpapi.Client
	admin  *httpapi.Client
	seq    atomic.Int64
}

func newMatrix(t *testing.T) *matrix {
	ctx := context.Background()
	m := &matrix{s: start(t, Options{BootstrapToken: benchAdmin, Prefix: "CG42N1"})}
	client := func(token string) *httpapi.Client {
		c, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: m.s.URL(), Token: token})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	m.admin = client(benchAdmin)
	for _, e := range []support.Establishment{{UAI: "0421234N", Name: "Collège du Pilat", City: "Saint-Genest-Malifaux"},
		{UAI: "0750001U", Name: "Lycée Charlemagne", City: "Paris"}} {
		if _, err := m.admin.AddEstablishment(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	user := func(in support.UserInput) (*support.User, string) {
		u, token, err := m.admin.CreateUser(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return u, token
	}
	chef := func(name, email, uai string) support.UserInput {
		return support.UserInput{Name: name, Email: email, Role: support.RoleReporter, Function: support.ChefEtablissement, UAIs: []string{uai}}
	}
	_, m.tokens[pRepA] = user(chef("Marie Curie", "marie.curie@example.org", "0421234N"))
	_, m.tokens[pRepB] = user(chef("Paul Autre", "paul.autre@example.org", "0750001U"))
	_, m.tokens[pAgent] = user(support.UserInput{Name: "Claire Martin", Email: "claire.martin@support.example.org", Role: support.RoleAgent})
	gone, token := user(support.UserInput{Name: "Ancien Adjoint", Email: "ancien@example.org", Role: support.RoleReporter,
		Function: support.Adjoint, UAIs: []string{"0421234N"}})
	m.tokens[pDisabled] = token
	if _, err := m.admin.SetUserDisabled(ctx, gone.Email, true); err != nil {
		t.Fatal(err)
	}
	_, m.tokens[pMailgate] = user(support.UserInput{Name: "Passerelle Postfix", Email: "mailgate@support.example.org", Role: support.RoleMailgate})
	m.tokens[pAdmin] = benchAdmin
	m.tokens[pBad] = support.TokenPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	m.repA, m.agent = client(m.tokens[pRepA]), client(m.tokens[pAgent])
	return m
}

// ticket files a fresh ticket of establishment A as its chef, and moves it
// to status (through en_cours) when status is not "".
func (m *matrix) ticket(t *testing.T, status support.Status) support.Number {
	t.Helper()
	ctx := context.Background()
	tk, err := m.repA.CreateTicket(ctx, benchTicket(int(m.seq.Add(1))), support.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if status != "" {
		for _, st := range []support.Status{support.StatusOpen, status} {
			if _, err := m.agent.ChangeStatus(ctx, tk.Number, st, "Corrigé"); err != nil {
				t.Fatal(err)
			}
		}
	}
	return tk.Number
}

func (m *matrix) ticketWithFile(t *testing.T) (support.Number, int64) {
	t.Helper()
	tk, err := m.repA.CreateTicket(context.Background(), benchTicket(int(m.seq.Add(1))), support.CreateOptions{
		Attachments: []support.Upload{{Name: "capture.png", Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(pngBytes(512))), nil
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	return tk.Number, tk.Attachments[0].ID
}

// correspondent makes a fresh correspondent of establishment A and returns
// their e-mail.
func (m *matrix) correspondent(t *testing.T) string {
	t.Helper()
	email := fmt.Sprintf("corr.%d@example.org", m.seq.Add(1))
	if _, _, err := m.admin.CreateUser(context.Background(), support.UserInput{Name: "Carla Corr", Email: email,
		Role: support.RoleReporter, Function: support.CorrespondantENT, UAIs: []string{"0421234N"}}); err != nil {
		t.Fatal(err)
	}
	return email
}

// TestAccessMatrix sends every route as every kind of caller to a real
// server and checks each status.
func TestAccessMatrix(t *testing.T) {
	routes := map[string]bool{}
	for _, rt := range httpapi.Routes() {
		key := rt.Method + " " + rt.Path
		routes[key] = true
		if _, ok := accessMatrix[key]; !ok {
			t.Errorf("route %s (%s) has no row in the access matrix: decide who may call it", key, rt.Access)
		}
	}
	for key := range accessMatrix {
		if !routes[key] {
			t.Errorf("the access matrix has a row for %s, which is no route", key)
		}
	}
	if t.Failed() {
		return
	}
	m := newMatrix(t)
	// Every answer is checked against the OpenAPI document as well.
	api, err := openapitest.New()
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: 30 * time.Second, Transport: api.Transport(nil)}
	for key, row := range accessMatrix {
		method, _, _ := strings.Cut(key, " ")
		for p := range nPrincipals {
			t.Run(key+"/"+principalNames[p], func(t *testing.T) {
				in := row.prepare(m, t)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel() // ends event streams once the status is read
				req, err := http.NewRequestWithContext(ctx, method, m.s.URL()+in.path, strings.NewReader(in.body))
				if err != nil {
					t.Fatal(err)
				}
				if in.contentType != "" {
					req.Header.Set("Content-Type", in.contentType)
				}
				if m.tokens[p] != "" {
					req.Header.Set("Authorization", "Bearer "+m.tokens[p])
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if resp.StatusCode != row.want[p] {
					body, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
					t.Errorf("%s as %s: %d, want %d\n%s", key, principalNames[p], resp.StatusCode, row.want[p], body)
				}
				for _, v := range api.Violations() {
					t.Errorf("the answer differs from openapi.json: %s", v)
				}
			})
		}
	}
}

// A ticket read carries the ticket's page, the signed link of the
// e-mails: whoever may read the ticket gets it, and it opens that page
// alone, with no token, for anyone who holds it (the "GET /t/{token}"
// row above tries a link that is not one).
func TestTicketReadCarriesItsPage(t *testing.T) {
	m := newMatrix(t)
	n := m.ticket(t, "")
	for name, c := range map[string]*httpapi.Client{"reporter": m.repA, "agent": m.agent, "admin": m.admin} {
		tk, err := c.GetTicket(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		if want := m.s.URL() + "/t/" + n.String() + "."; !strings.HasPrefix(tk.URL, want) {
			t.Fatalf("%s: url %q, want it under %s", name, tk.URL, want)
		}
		resp, err := http.Get(tk.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Contains(body, []byte(n.String())) {
			t.Errorf("%s: the page answered %d\n%.300s", name, resp.StatusCode, body)
		}
	}
}
