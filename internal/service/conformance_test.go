package service_test

import (
	"testing"

	"github.com/ent-support/ent-support/internal/support/supporttest"
)

// The conformance suite on the embedded service, over each database.
func TestConformanceSQLite(t *testing.T) {
	supporttest.Run(t, func(t *testing.T) supporttest.Backend {
		return supporttest.NewNative(t, supporttest.SQLite(t)).Backend()
	})
}

func TestConformancePostgres(t *testing.T) {
	supporttest.Run(t, func(t *testing.T) supporttest.Backend {
		return supporttest.NewNative(t, supporttest.Postgres(t)).Backend()
	})
}
