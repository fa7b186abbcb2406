package entcmd

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/ent-support/ent-support/"

// TestDependenciesPointInward keeps docs/architecture.md true:
// the domain imports nothing of ours and only the standard library, and
// commands reach the server, the store, the HTTP client and the form only
// through interfaces handed out by cmd/factory.
func TestDependenciesPointInward(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Standard", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	type pkg struct {
		ImportPath string
		Imports    []string
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	forbiddenInCommands := []string{
		module + "internal/httpapi", module + "internal/sqlstore", module + "internal/service",
		module + "internal/server", module + "internal/rt", module + "internal/redmine",
		"github.com/go-resty/resty", "github.com/charmbracelet/huh",
		"database/sql", "modernc.org/sqlite",
	}
	for _, p := range pkgs {
		rel := strings.TrimPrefix(p.ImportPath, module)
		for _, imp := range p.Imports {
			// The OpenAPI validator is for tests: the program never links it.
			if imp == module+"internal/httpapi/openapitest" {
				t.Errorf("%s imports %s, which is for tests only", rel, imp)
			}
			switch {
			case rel == "internal/support":
				// The domain: standard library only (no dot in the first element).
				if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") {
					t.Errorf("the domain imports %s", imp)
				}
			case strings.HasPrefix(rel, "internal/cmd/") && rel != "internal/cmd/factory":
				for _, f := range forbiddenInCommands {
					if imp == f || strings.HasPrefix(imp, f+"/") {
						t.Errorf("%s imports %s: commands get interfaces from cmd/factory", rel, imp)
					}
				}
			}
		}
	}
}
