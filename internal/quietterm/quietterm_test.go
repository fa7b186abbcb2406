package quietterm

import (
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// Restore gives the command the TERM it was started with, or none.
func TestRestore(t *testing.T) {
	t.Setenv("TERM", "dumb")
	changed, savedTerm, hadTerm = true, "xterm-256color", true
	Restore()
	if got := os.Getenv("TERM"); got != "xterm-256color" {
		t.Errorf("TERM = %q, want xterm-256color", got)
	}
	os.Setenv("TERM", "other")
	Restore() // once only
	if got := os.Getenv("TERM"); got != "other" {
		t.Errorf("second Restore changed TERM to %q", got)
	}
	changed, hadTerm = true, false
	Restore()
	if _, ok := os.LookupEnv("TERM"); ok {
		t.Error("TERM set, want unset as at the start")
	}
}

// The package is initialised before termenv only while it imports nothing
// termenv does not import already: os alone.
func TestImportsOnlyOS(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "quietterm.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, imp := range f.Imports {
		got = append(got, strings.Trim(imp.Path.Value, `"`))
	}
	if strings.Join(got, ",") != "os" {
		t.Errorf("quietterm.go imports %v, want only os", got)
	}
}
