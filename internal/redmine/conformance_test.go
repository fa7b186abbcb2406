package redmine_test

import (
	"context"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/redmine"
	"github.com/ent-support/ent-support/internal/redmine/redminetest"
	"github.com/ent-support/ent-support/internal/support"
	"github.com/ent-support/ent-support/internal/support/supporttest"
)

// The conformance suite on the Redmine back end, against the real Redmine
// of .ci/redmine: the Rapporteur files and follows, the Manager answers,
// takes and moves.
func TestConformance(t *testing.T) {
	supporttest.Run(t, func(t *testing.T) supporttest.Backend {
		e := redminetest.Real(t)
		client := func(key string) *redmine.Client {
			c, err := redmine.New(redmine.Config{BaseURL: e.URL, Key: key, Project: e.Project, Tracker: e.Tracker,
				Prefix: "RM", Lang: "fr", StateDir: t.TempDir(), PollInterval: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		r, a := client(e.Key), client(e.AgentKey)
		agent, err := a.Me(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		est := support.Establishment{UAI: "0421234N", Name: "Collège du Pilat", City: "Saint-Genest-Malifaux"}
		return supporttest.Backend{Info: r, Tickets: r, Identity: r, Follower: r,
			ReporterWorkflow: r, Workflow: a, AgentTickets: a, AssignTo: "", Assignee: agent.Name,
			Input: func(subject string) support.TicketInput {
				return supporttest.TicketInput(subject, "camille.dupont@ac-exemple.test", est)
			},
			Caps: supporttest.Caps("redmine")}
	})
}
