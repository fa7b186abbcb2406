package rt_test

import (
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/rt"
	"github.com/ent-support/ent-support/internal/rt/rttest"
	"github.com/ent-support/ent-support/internal/support"
	"github.com/ent-support/ent-support/internal/support/supporttest"
)

// The conformance suite on the RT back end, against the real RT of .ci/rt:
// the correspondent files and follows, the agent answers and moves.
func TestConformance(t *testing.T) {
	supporttest.Run(t, func(t *testing.T) supporttest.Backend {
		e := rttest.Load(t)
		client := func(token string) *rt.Client {
			c, err := rt.New(rt.Config{BaseURL: e.URL, Token: token, Queue: e.Queue, Prefix: "CG42N1",
				StateDir: t.TempDir(), PollInterval: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		r, a := client(e.CorrToken), client(e.AgentToken)
		est := support.Establishment{UAI: "0421234N", Name: "Collège Jean Moulin", City: "Saint-Étienne"}
		return supporttest.Backend{Info: r, Tickets: r, Identity: r, Follower: r,
			ReporterWorkflow: r, Workflow: a, AgentTickets: a, AssignTo: e.AgentUser, Assignee: e.AgentUser,
			Input: func(subject string) support.TicketInput { return supporttest.TicketInput(subject, e.CorrEmail, est) },
			Caps:  supporttest.Caps("rt")}
	})
}
