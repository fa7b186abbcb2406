package supporttest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/sqlstore"
	"github.com/ent-support/ent-support/internal/sqlstore/pgtest"
	"github.com/ent-support/ent-support/internal/support"
)

// SQLite opens a store on a new SQLite database, closed when t ends.
func SQLite(t *testing.T) support.Store {
	t.Helper()
	return open(t, "sqlite:"+filepath.Join(t.TempDir(), "support.db"))
}

// Postgres opens a store on a new database of a throwaway PostgreSQL
// (pgtest: skipped without one, failed under CI), closed when t ends.
func Postgres(t *testing.T) support.Store {
	t.Helper()
	return open(t, pgtest.NewDatabase(t))
}

func open(t *testing.T, dsn string) support.Store {
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatalf("sqlstore.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Native is the reference server's service on a store, with the people
// the suite needs: a reporter of establishment UAI and an agent, with
// their tokens (for a client over HTTP).
type Native struct {
	Service                   *service.Service
	Reporter, Agent           *support.User
	ReporterToken, AgentToken string
}

// The establishment the native back ends know, and file for.
var nativeEst = support.Establishment{UAI: "0421234N", Name: "Collège Jean Moulin", City: "Saint-Étienne", Department: "042"}

// NewNative makes a service on store (which the caller closes), its first
// admin, one establishment, a reporter of it and an agent.
func NewNative(t *testing.T, store support.Store) *Native {
	t.Helper()
	c := context.Background()
	svc := service.New(store, service.Config{Prefix: "CG42N1"})
	const boot = "conformance-bootstrap-0123456789abcdef"
	if ok, err := svc.Bootstrap(c, boot); err != nil || !ok {
		t.Fatalf("Bootstrap = %v, %v", ok, err)
	}
	admin, err := svc.Authenticate(c, boot)
	if err != nil {
		t.Fatal(err)
	}
	as := support.WithUser(c, admin)
	if _, err := svc.AddEstablishment(as, nativeEst); err != nil {
		t.Fatal(err)
	}
	n := &Native{Service: svc}
	person := func(in support.UserInput) (*support.User, string) {
		_, token, err := svc.CreateUser(as, in)
		if err != nil {
			t.Fatalf("CreateUser(%s): %v", in.Email, err)
		}
		u, err := svc.Authenticate(c, token)
		if err != nil {
			t.Fatal(err)
		}
		return u, token
	}
	n.Reporter, n.ReporterToken = person(support.UserInput{Name: "Camille Dupont", Email: "camille.dupont@ac-lyon.fr",
		Role: support.RoleReporter, Function: support.CorrespondantENT, UAIs: []string{nativeEst.UAI}})
	n.Agent, n.AgentToken = person(support.UserInput{Name: "Agnès Support", Email: "agnes.support@example.fr",
		Role: support.RoleAgent})
	return n
}

// Input is a ticket the native reporter may file.
func (n *Native) Input(subject string) support.TicketInput {
	return TicketInput(subject, n.Reporter.Email, nativeEst)
}

// TicketInput is a valid ticket of reporter e-mail email for est.
func TicketInput(subject, email string, est support.Establishment) support.TicketInput {
	return support.TicketInput{
		Reporter:      support.Reporter{Name: "Camille Dupont", Function: support.CorrespondantENT, Phone: "06 39 98 12 34", Email: email},
		Establishment: support.Establishment{UAI: est.UAI, Name: est.Name, City: est.City},
		Subject:       subject,
		Population:    []support.Population{"eleves", "enseignants"},
		Description:   "Depuis ce matin la page reste blanche.\nPour tous les 5e.",
		Location:      "Accueil > Vie scolaire > Cahier de textes",
		Priority:      support.Bloquante,
	}
}

// Backend is the embedded service, each role bound to its user.
func (n *Native) Backend() Backend {
	r, a := n.Service.As(n.Reporter), n.Service.As(n.Agent)
	return Backend{Info: r, Tickets: r, Identity: r, Contact: r, Directory: r, Follower: r,
		ReporterWorkflow: r, Workflow: a, AgentTickets: a, AssignTo: n.Agent.Email, Assignee: n.Agent.Email, Input: n.Input,
		Caps: Caps("service")}
}
