// Package testenv says what the tests may expect of the machine: under CI
// (.ci/run), every real program the tests use is installed, so a missing
// one fails the test; on a developer's machine it skips it.
package testenv

import (
	"os"
	"testing"

	"github.com/ent-support/ent-support/internal/iostreams"
)

// InCI says whether the tests run under CI, by the rule the commands
// follow (iostreams.IsCI).
func InCI() bool { return iostreams.IsCI(os.Getenv) }

// Unavailable stops a test that lacks a real program: it fails under CI,
// naming the script that installs it, and skips elsewhere. what names the
// program ("PostgreSQL"), install the script (".ci/postgres").
func Unavailable(tb testing.TB, what, install, format string, args ...any) {
	tb.Helper()
	if InCI() {
		tb.Fatalf(what+": "+format+" (CI installs it with "+install+")", args...)
	}
	tb.Skipf(what+": "+format, args...)
}
