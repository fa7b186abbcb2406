package prompter

import (
	"os"
	"testing"

	"github.com/ent-support/ent-support/internal/servertest"
)

// TestMain fails the run if a process the tests started (a server,
// Mailpit, the binary under test) outlives them.
func TestMain(m *testing.M) { os.Exit(servertest.Checked(m).Run()) }
