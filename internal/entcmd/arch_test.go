package entcmd

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
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

// TestCommandsDoNotAssertBackEnds: a command asks the Factory for each
// capability it needs (f.Tickets, f.Directory…), and a back end that lacks
// one says "not supported"; a type assertion to a back-end interface
// (svc.(support.Doctor), or a case of a type switch) would instead panic
// or silently differ by back end. Read with go/ast from the sources: every
// non-test file under internal/cmd, against the interface types that
// internal/support declares (and interface literals embedding them).
func TestCommandsDoNotAssertBackEnds(t *testing.T) {
	ifaces := supportInterfaces(t, "../support")
	if len(ifaces) < 10 || !ifaces["Tickets"] || !ifaces["Doctor"] {
		t.Fatalf("found only %d interface types in internal/support", len(ifaces))
	}
	files := 0
	err := filepath.WalkDir("../cmd", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		files++
		for _, bad := range backEndAssertions(t, path, ifaces) {
			t.Errorf("%s: type assertion to %s: ask the Factory for the capability instead", bad.pos, bad.typ)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 30 {
		t.Fatalf("found only %d files under internal/cmd", files)
	}
}

// supportInterfaces returns the names of the interface types declared in
// the non-test files of dir.
func supportInterfaces(t *testing.T, dir string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				if _, ok := ts.Type.(*ast.InterfaceType); ok {
					names[ts.Name.Name] = true
				}
			}
			return true
		})
	}
	return names
}

type assertion struct{ pos, typ string }

// backEndAssertions lists the type assertions and type-switch cases of the
// file at path whose type is an interface of internal/support (by the
// name the file imports it under), or an interface literal embedding one.
func backEndAssertions(t *testing.T, path string, ifaces map[string]bool) []assertion {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	local := ""
	for _, imp := range f.Imports {
		if strings.Trim(imp.Path.Value, `"`) == module+"internal/support" {
			local = "support"
			if imp.Name != nil {
				local = imp.Name.Name
			}
		}
	}
	if local == "" {
		return nil
	}
	// backEnd names the support interface type expr is or embeds, or "".
	var backEnd func(expr ast.Expr) string
	backEnd = func(expr ast.Expr) string {
		switch e := expr.(type) {
		case *ast.ParenExpr:
			return backEnd(e.X)
		case *ast.SelectorExpr:
			if x, ok := e.X.(*ast.Ident); ok && x.Name == local && ifaces[e.Sel.Name] {
				return local + "." + e.Sel.Name
			}
		case *ast.InterfaceType:
			for _, m := range e.Methods.List {
				if len(m.Names) == 0 {
					if s := backEnd(m.Type); s != "" {
						return "an interface embedding " + s
					}
				}
			}
		}
		return ""
	}
	var out []assertion
	check := func(pos token.Pos, expr ast.Expr) {
		if s := backEnd(expr); s != "" {
			out = append(out, assertion{fset.Position(pos).String(), s})
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.TypeAssertExpr:
			if n.Type != nil { // nil: the x.(type) of a type switch, checked below
				check(n.Pos(), n.Type)
			}
		case *ast.TypeSwitchStmt:
			for _, c := range n.Body.List {
				for _, expr := range c.(*ast.CaseClause).List {
					check(expr.Pos(), expr)
				}
			}
		}
		return true
	})
	return out
}
