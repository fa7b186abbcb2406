package httpapi

import (
	"time"

	"github.com/ent-support/ent-support/internal/support"
	"github.com/ent-support/ent-support/internal/support/supportfake"
)

// fake is the services' in-memory fake the handler and client tests run
// against (the one every package's tests share).
type fake = supportfake.Service

var (
	reporterUser = &support.User{ID: 7, Name: "Anne Martin", Email: "anne.martin@ac-lyon.fr", Phone: "+33639981234",
		Role: support.RoleReporter, Establishments: []support.Membership{{UAI: "0420001Y", Function: support.ChefEtablissement}},
		CreatedAt: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	adminUser = &support.User{ID: 1, Name: "Root Admin", Email: "admin@example.fr", Role: support.RoleAdmin,
		Establishments: []support.Membership{}, CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
)

const (
	reporterToken = "ents_reporter-secret-token"
	adminToken    = "ents_admin-secret-token"
)

var directory = []support.Establishment{
	{UAI: "0420001Y", Name: "Collège du Pilat", City: "Saint-Genest-Malifaux", Department: "42", Territory: "Loire"},
	{UAI: "0420002Z", Name: "Lycée Jean Monnet", City: "Saint-Étienne", Department: "42"},
}

// newFake is the fake with this package's two users and directory, on an
// open directory, checking tickets as the service does (the handlers
// carry its refusals).
func newFake() *fake {
	f := supportfake.New()
	f.CheckInput = true
	f.Info_.OpenDirectory, f.Info_.Version = true, "test"
	f.Tokens = map[string]*support.User{reporterToken: reporterUser, adminToken: adminUser}
	f.Establishments = append([]support.Establishment{}, directory...)
	return f
}

// lastOpts are the options of the last create the fake received.
func lastOpts(f *fake) support.CreateOptions {
	if len(f.CreateOps) == 0 {
		return support.CreateOptions{}
	}
	return f.CreateOps[len(f.CreateOps)-1]
}
