package httpapi

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/support"
)

// fakeWorkflow records the last call and answers with err, or a ticket
// that says what it was asked.
type fakeWorkflow struct {
	call []string
	user *support.User
	err  error
}

var _ support.WorkflowService = (*fakeWorkflow)(nil)

func (f *fakeWorkflow) answer(ctx context.Context, n support.Number, call ...string) (*support.Ticket, error) {
	f.call, f.user = call, support.UserFrom(ctx)
	if f.err != nil {
		return nil, f.err
	}
	t := &support.Ticket{TicketSummary: support.TicketSummary{Number: n, Status: support.StatusOpen}}
	t.History = []support.HistoryEntry{{Actor: "x", Field: support.FieldPriority, From: "mineure", To: "bloquante"}}
	return t, nil
}
func (f *fakeWorkflow) ChangeStatus(ctx context.Context, n support.Number, to support.Status, m string) (*support.Ticket, error) {
	return f.answer(ctx, n, "status", string(to), m)
}
func (f *fakeWorkflow) ChangePriority(ctx context.Context, n support.Number, p support.Priority, m string) (*support.Ticket, error) {
	return f.answer(ctx, n, "priority", string(p), m)
}
func (f *fakeWorkflow) Assign(ctx context.Context, n support.Number, email string) (*support.Ticket, error) {
	return f.answer(ctx, n, "assign", email)
}
func (f *fakeWorkflow) Reopen(ctx context.Context, n support.Number, m string) (*support.Ticket, error) {
	return f.answer(ctx, n, "reopen", m)
}

func TestWorkflowHandlers(t *testing.T) {
	wf := &fakeWorkflow{}
	ts := newTestServer(t, func(c *ServerConfig) { c.Workflow = wf })
	tests := []struct {
		path, body string
		want       []string
	}{
		{"/api/v1/tickets/cg42n1-3/status", `{"status":"resolu","message":"Rétabli."}`, []string{"status", "resolu", "Rétabli."}},
		{"/api/v1/tickets/3/priority", `{"priority":"bloquante"}`, []string{"priority", "bloquante", ""}},
		{"/api/v1/tickets/3/assign", `{}`, []string{"assign", ""}},
		{"/api/v1/tickets/3/assign", `{"to":"paul@example.fr"}`, []string{"assign", "paul@example.fr"}},
		{"/api/v1/tickets/3/reopen", `{"message":"Revenu."}`, []string{"reopen", "Revenu."}},
	}
	for _, tt := range tests {
		resp, b := ts.do(t, req{method: "POST", path: tt.path, token: reporterToken, header: jsonCT, body: strings.NewReader(tt.body)})
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: status %d: %s", tt.path, resp.StatusCode, b)
		}
		if diff := cmp.Diff(tt.want, wf.call); diff != "" || wf.user.ID != reporterUser.ID {
			t.Errorf("%s: call (-want +got):\n%s (user %v)", tt.path, diff, wf.user)
		}
		var got support.Ticket
		if err := json.Unmarshal(b, &got); err != nil || got.Number.Seq != 3 || got.History[0].Field != "priority" {
			t.Errorf("%s: answer %s (%v)", tt.path, b, err)
		}
	}

	// Refusals come back as problem+json with the service's code.
	for code, status := range map[string]int{support.EFORBIDDEN: 403, support.ENOTFOUND: 404, support.ECONFLICT: 409} {
		wf.err = support.Errorf(code, "error.bad_transition", map[string]string{"number": "CG42N1-3",
			"from": "nouveau", "to": "clos", "next": "en_cours"})
		resp, b := ts.do(t, req{method: "POST", path: "/api/v1/tickets/3/status", token: reporterToken,
			header: map[string]string{"Content-Type": "application/json", "Accept-Language": "fr"}, body: strings.NewReader(`{"status":"clos"}`)})
		p := decodeProblem(t, resp, b)
		if resp.StatusCode != status || p.Code != code {
			t.Errorf("%s: status %d, problem %+v", code, resp.StatusCode, p)
		}
	}
	wf.err = nil
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
	wf := &fakeWorkflow{}
	ts := newTestServer(t, func(c *ServerConfig) { c.Workflow = wf })
	c := newClient(t, ts.URL, reporterToken, "fr")
	ctx := context.Background()
	n := support.Number{Prefix: "CG42N1", Seq: 5}
	calls := []struct {
		do   func() (*support.Ticket, error)
		want []string
	}{
		{func() (*support.Ticket, error) { return c.ChangeStatus(ctx, n, support.StatusWaiting, "Une capture ?") },
			[]string{"status", "en_attente", "Une capture ?"}},
		{func() (*support.Ticket, error) { return c.ChangePriority(ctx, n, support.Mineure, "") }, []string{"priority", "mineure", ""}},
		{func() (*support.Ticket, error) { return c.Assign(ctx, n, "") }, []string{"assign", ""}},
		{func() (*support.Ticket, error) { return c.Reopen(ctx, n, "Revenu.") }, []string{"reopen", "Revenu."}},
	}
	for _, tt := range calls {
		got, err := tt.do()
		if err != nil || got.Number != n {
			t.Fatalf("%v: %+v, %v", tt.want, got, err)
		}
		if diff := cmp.Diff(tt.want, wf.call); diff != "" {
			t.Errorf("call (-want +got):\n%s", diff)
		}
	}
	wf.err = support.Errorf(support.ECONFLICT, "error.bad_transition", map[string]string{"number": "CG42N1-5",
		"from": "nouveau", "to": "clos", "next": "en_cours"})
	_, err := c.ChangeStatus(ctx, n, support.StatusClosed, "")
	if e := asSupportError(t, err); e.Code != support.ECONFLICT || !strings.Contains(e.Message, "« nouveau »") || !strings.Contains(e.Message, "en_cours") {
		t.Errorf("refusal = %+v", e)
	}
}
