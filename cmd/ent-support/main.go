// Command ent-support files and follows ENT support tickets, and runs the
// reference support server. Everything lives in internal/entcmd.
package main

import (
	"os"

	_ "time/tzdata" // Windows machines often lack the zone database; Europe/Paris must work there

	"github.com/ent-support/ent-support/internal/entcmd"
	"github.com/ent-support/ent-support/internal/quietterm"
)

func main() {
	// In accessible mode the terminal libraries were kept from querying
	// the terminal while they initialised; the command sees the real TERM.
	quietterm.Restore()
	os.Exit(entcmd.Main())
}
