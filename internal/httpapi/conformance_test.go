package httpapi_test

import (
	"net/http/httptest"
	"testing"

	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/support/supporttest"
)

// The conformance suite on the HTTP client, against the real handler on
// the real service over SQLite: what the client and the server say to
// each other must behave as the service itself does.
func TestConformance(t *testing.T) {
	supporttest.Run(t, func(t *testing.T) supporttest.Backend {
		n := supporttest.NewNative(t, supporttest.SQLite(t))
		srv := httptest.NewServer(httpapi.NewHandler(httpapi.ServerConfig{Tickets: n.Service, Admin: n.Service,
			Auth: n.Service}))
		t.Cleanup(srv.Close)
		client := func(token string) *httpapi.Client {
			c, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: srv.URL, Token: token})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		r, a := client(n.ReporterToken), client(n.AgentToken)
		return supporttest.Backend{Info: r, Tickets: r, Identity: r, Contact: r, Directory: r, Follower: r,
			ReporterWorkflow: r, Workflow: a, AgentTickets: a, AssignTo: n.Agent.Email, Assignee: n.Agent.Email, Input: n.Input,
			Caps: supporttest.Caps("http")}
	})
}
