package httpapi

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/support"
	"github.com/ent-support/ent-support/internal/support/supportfake"
)

// withTicket puts ticket seq in the fake, with a history, and returns it.
func withTicket(f *fake, seq int64) *support.Ticket {
	t := &support.Ticket{TicketSummary: support.TicketSummary{Number: support.Number{Prefix: "CG42N1", Seq: seq}, Status: support.StatusNew},
		History: []support.HistoryEntry{{Actor: "x", Field: support.FieldPriority, From: "mineure", To: "bloquante"}}}
	f.Tickets = append(f.Tickets, t)
	return t
}

// lastChange is the last workflow call the fake received.
func lastChange(f *fake) supportfake.Change {
	if len(f.Changes) == 0 {
		return supportfake.Change{}
	}
	return f.Changes[len(f.Changes)-1]
}

func TestWorkflowHandlers(t *testing.T) {
	ts := newTestServer(t, func(c *ServerConfig) { c.Workflow = c.Tickets.(*fake) })
	withTicket(ts.fake, 3)
	tests := []struct {
		path, body string
		want       supportfake.Change
	}{
		{"/api/v1/tickets/cg42n1-3/status", `{"status":"resolu","message":"Rétabli."}`, supportfake.Change{Action: "status", Value: "resolu", Message: "Rétabli."}},
		{"/api/v1/tickets/3/priority", `{"priority":"bloquante"}`, supportfake.Change{Action: "priority", Value: "bloquante"}},
		{"/api/v1/tickets/3/assign", `{}`, supportfake.Change{Action: "assign"}},
		{"/api/v1/tickets/3/assign", `{"to":"paul@example.fr"}`, supportfake.Change{Action: "assign", Value: "paul@example.fr"}},
		{"/api/v1/tickets/3/reopen", `{"message":"Revenu."}`, supportfake.Change{Action: "reopen", Message: "Revenu."}},
	}
	for _, tt := range tests {
		resp, b := ts.do(t, req{method: "POST", path: tt.path, token: reporterToken, header: jsonCT, body: strings.NewReader(tt.body)})
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: status %d: %s", tt.path, resp.StatusCode, b)
		}
		tt.want.By = reporterUser.ID
		if diff := cmp.Diff(tt.want, lastChange(ts.fake)); diff != "" {
			t.Errorf("%s: call (-want +got):\n%s", tt.path, diff)
		}
		var got support.Ticket
		if err := json.Unmarshal(b, &got); err != nil || got.Number.Seq != 3 || got.History[0].Field != "priority" {
			t.Errorf("%s: answer %s (%v)", tt.path, b, err)
		}
	}

	// Refusals come back as problem+json with the service's code.
	for code, status := range map[string]int{support.EFORBIDDEN: 403, support.ENOTFOUND: 404, support.ECONFLICT: 409} {
		ts.fake.Fail["ChangeStatus"] = support.Errorf(code, "error.bad_transition", map[string]string{"number": "CG42N1-3",
			"from": "nouveau", "to": "clos", "next": "en_cours"})
		resp, b := ts.do(t, req{method: "POST", path: "/api/v1/tickets/3/status", token: reporterToken,
			header: map[string]string{"Content-Type": "application/json", "Accept-Language": "fr"}, body: strings.NewReader(`{"status":"clos"}`)})
		p := decodeProblem(t, resp, b)
		if resp.StatusCode != status || p.Code != code {
			t.Errorf("%s: status %d, problem %+v", code, resp.StatusCode, p)
		}
	}
	delete(ts.fake.Fail, "ChangeStatus")
	// The body is checked before the service is asked.
	for _, body := range []string{`{"state":"clos"}`, `not json`} {
		resp, b := ts.do(t, req{method: "POST", path: "/api/v1/tickets/3/status", token: reporterToken, header: jsonCT, body: strings.NewReader(body)})
		if resp.StatusCode != 400 {
			t.Errorf("%s: status %d: %s", body, resp.StatusCode, b)
		}
	}
	resp, _ := ts.do(t, req{method: "POST", path: "/api/v1/tickets/3/reopen", token: reporterToken, body: strings.NewReader(`{}`)})
	if resp.StatusCode != 415 {
		t.Errorf("no content type: status %d, want 415", resp.StatusCode)
	}
	resp, _ = ts.do(t, req{method: "POST", path: "/api/v1/tickets/3/reopen", header: jsonCT, body: strings.NewReader(`{}`)})
	if resp.StatusCode != 401 {
		t.Errorf("no token: status %d, want 401", resp.StatusCode)
	}
}

func TestClientWorkflow(t *testing.T) {
	ts := newTestServer(t, func(c *ServerConfig) { c.Workflow = c.Tickets.(*fake) })
	n := withTicket(ts.fake, 5).Number
	c := newClient(t, ts.URL, reporterToken, "fr")
	ctx := context.Background()
	calls := []struct {
		do   func() (*support.Ticket, error)
		want supportfake.Change
	}{
		{func() (*support.Ticket, error) { return c.ChangeStatus(ctx, n, support.StatusWaiting, "Une capture ?") },
			supportfake.Change{Action: "status", Value: "en_attente", Message: "Une capture ?"}},
		{func() (*support.Ticket, error) { return c.ChangePriority(ctx, n, support.Mineure, "") }, supportfake.Change{Action: "priority", Value: "mineure"}},
		{func() (*support.Ticket, error) { return c.Assign(ctx, n, "") }, supportfake.Change{Action: "assign"}},
		{func() (*support.Ticket, error) { return c.Reopen(ctx, n, "Revenu.") }, supportfake.Change{Action: "reopen", Message: "Revenu."}},
	}
	for _, tt := range calls {
		got, err := tt.do()
		if err != nil || got.Number != n {
			t.Fatalf("%v: %+v, %v", tt.want, got, err)
		}
		tt.want.By = reporterUser.ID
		if diff := cmp.Diff(tt.want, lastChange(ts.fake)); diff != "" {
			t.Errorf("call (-want +got):\n%s", diff)
		}
	}
	ts.fake.Fail["ChangeStatus"] = support.Errorf(support.ECONFLICT, "error.bad_transition", map[string]string{"number": "CG42N1-5",
		"from": "nouveau", "to": "clos", "next": "en_cours"})
	_, err := c.ChangeStatus(ctx, n, support.StatusClosed, "")
	if e := asSupportError(t, err); e.Code != support.ECONFLICT || !strings.Contains(e.Message, "« nouveau »") || !strings.Contains(e.Message, "en_cours") {
		t.Errorf("refusal = %+v", e)
	}
}
