// Package testenv says what the tests may expect of the machine: under CI
// (.ci/run), every real program the tests use is installed, so a missing
// one fails the test; on a developer's machine it skips it.
package testenv

import (
	"os"
	"testing"
)

// InCI says whether the tests run under CI: CI set to anything but "", "0"
// or "false".
func InCI() bool {
	ci := os.Getenv("CI")
	return ci != "" && ci != "0" && ci != "false"
}

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
