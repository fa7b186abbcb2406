package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/support"
)

func TestImportEstablishments(t *testing.T) {
	f := newFixture(t, service.Config{})
	ctx := f.as(f.admin)

	// The fixture holds A (Collège Jean Moulin) and B (Lycée du Parc); the
	// file renames A, repeats B as it is, adds two, and has two bad lines.
	csv := "\ufeffnumero_uai;appellation_officielle;libelle_commune;code_departement\n" +
		"0421234N;Collège Jean Moulin (cité scolaire);Saint-Étienne;042\n" + // line 2: updated
		"0690001B;Lycée du Parc;Lyon;069\n" + // line 3: unchanged
		"0750001U;Lycée Louis-le-Grand;Paris;075\n" + // line 4: added
		"0130002X;Collège mal codé;Marseille;013\n" + // line 5: wrong key
		"0010001W;;Bourg-en-Bresse;001\n" + // line 6: no name
		"0130002g;\"Collège du Port; annexe\";Marseille;013\n" // line 7: added, key in lower case

	rep, err := f.svc.ImportEstablishments(ctx, strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	want := &support.ImportReport{Added: 2, Updated: 1, Unchanged: 1, Refused: 2, Lines: []support.ImportLine{
		{Line: 2, UAI: uaiA, Result: "updated"},
		{Line: 3, UAI: uaiB, Result: "unchanged"},
		{Line: 4, UAI: "0750001U", Result: "added"},
		{Line: 5, UAI: "0130002X", Result: "refused", Error: &support.FieldError{Field: "establishment.uai", Rule: support.RuleUAIKey,
			Params: map[string]string{"expected": "0130002G"}}},
		{Line: 6, UAI: "0010001W", Result: "refused", Error: &support.FieldError{Field: "establishment.name", Rule: support.RuleRequired}},
		{Line: 7, UAI: "0130002G", Result: "added"},
	}}
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("first import (-want +got):\n%s", diff)
	}

	got, err := f.db.GetEstablishment(context.Background(), uaiA)
	if err != nil || got.Name != "Collège Jean Moulin (cité scolaire)" {
		t.Errorf("A after import = %+v, %v; want the new name", got, err)
	}
	got, err = f.db.GetEstablishment(context.Background(), "0130002G")
	if err != nil || got.Name != "Collège du Port; annexe" || got.City != "Marseille" {
		t.Errorf("0130002G after import = %+v, %v", got, err)
	}
	if _, err := f.db.GetEstablishment(context.Background(), "0010001W"); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("a refused line was stored: %v", err)
	}

	// The same file again changes nothing.
	rep, err = f.svc.ImportEstablishments(ctx, strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 0 || rep.Updated != 0 || rep.Unchanged != 4 || rep.Refused != 2 {
		t.Errorf("second import: added %d, updated %d, unchanged %d, refused %d; want 0, 0, 4, 2",
			rep.Added, rep.Updated, rep.Unchanged, rep.Refused)
	}
	for _, l := range rep.Lines {
		if l.Result != "unchanged" && l.Result != "refused" {
			t.Errorf("second import, line %d: %s", l.Line, l.Result)
		}
	}

	// A new ticket takes the imported name.
	tk := f.create(f.admin, validInput("0750001U"), support.CreateOptions{})
	if tk.Establishment.Name != "Lycée Louis-le-Grand" || tk.Establishment.City != "Paris" {
		t.Errorf("ticket establishment = %+v, want the imported one", tk.Establishment)
	}
}

func TestImportEstablishmentsBadFile(t *testing.T) {
	f := newFixture(t, service.Config{})
	for _, c := range []struct{ name, csv string }{
		{"no UAI column", "nom;commune;code_postal\nLycée du Parc;Lyon;69006\n"},
		{"empty file", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep, err := f.svc.ImportEstablishments(f.as(f.admin), strings.NewReader(c.csv))
			if rep != nil {
				t.Errorf("report of a refused file: %+v", rep)
			}
			wantFields(t, err, fieldRule{"csv", support.RuleSyntax})
		})
	}
	// A header alone is a file with no line: nothing to do, nothing wrong.
	rep, err := f.svc.ImportEstablishments(f.as(f.admin), strings.NewReader("numero_uai;appellation_officielle\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&support.ImportReport{Lines: []support.ImportLine{}}, rep); diff != "" {
		t.Errorf("header-only import (-want +got):\n%s", diff)
	}
}

func TestImportEstablishmentsStorageFailureIsNotABadFile(t *testing.T) {
	f := newFixture(t, service.Config{})
	// A store that fails (here: closed) is the server's problem, not a
	// CSV syntax error to blame on the admin's file.
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.ImportEstablishments(f.as(f.admin), strings.NewReader("numero_uai;appellation_officielle\n0750001U;Lycée\n"))
	if err == nil {
		t.Fatal("import into a closed store succeeded")
	}
	if code := support.ErrorCode(err); code != support.EINTERNAL && code != support.EUNAVAILABLE {
		t.Errorf("storage failure reported as %v (fields %v), want a storage error", err, fieldsOf(err))
	}
}

func TestAddEstablishment(t *testing.T) {
	f := newFixture(t, service.Config{})
	ctx := f.as(f.admin)
	e, err := f.svc.AddEstablishment(ctx, support.Establishment{UAI: " 0750001u ", Name: "  Lycée   Louis-le-Grand ", City: "Paris"})
	if err != nil {
		t.Fatal(err)
	}
	want := &support.Establishment{UAI: "0750001U", Name: "Lycée Louis-le-Grand", City: "Paris"}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("AddEstablishment (-want +got):\n%s", diff)
	}
	_, err = f.svc.AddEstablishment(ctx, support.Establishment{UAI: "0750001X", Name: "Lycée"})
	wantFields(t, err, fieldRule{"establishment.uai", support.RuleUAIKey})
	_, err = f.svc.AddEstablishment(ctx, support.Establishment{UAI: uaiUnknown})
	wantFields(t, err, fieldRule{"establishment.name", support.RuleRequired})
}

func TestSearchEstablishments(t *testing.T) {
	f := newFixture(t, service.Config{})
	reporter := f.user(support.RoleReporter)

	_, err := f.svc.SearchEstablishments(context.Background(), "parc", 10)
	wantError(t, err, support.EUNAUTHENTICATED, "error.no_token")

	for _, c := range []struct {
		q     string
		limit int
		want  []support.Establishment
	}{
		{"parc", 10, []support.Establishment{estB}},
		{"  PARC ", 0, []support.Establishment{estB}},
		{"college jean", 10, []support.Establishment{estA}},
		{"saint etienne", 10, []support.Establishment{estA}},
		{"0690", 10, []support.Establishment{estB}},
		{"introuvable", 10, []support.Establishment{}},
		{"", 1, []support.Establishment{estA}},
		{"", 1000, []support.Establishment{estA, estB}},
	} {
		got, err := f.svc.As(reporter).SearchEstablishments(context.Background(), c.q, c.limit)
		if err != nil {
			t.Fatalf("SearchEstablishments(%q): %v", c.q, err)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("SearchEstablishments(%q, %d) (-want +got):\n%s", c.q, c.limit, diff)
		}
	}
}

func TestSearchEstablishmentsLimit(t *testing.T) {
	f := newFixture(t, service.Config{})
	var csv strings.Builder
	csv.WriteString("numero_uai;appellation_officielle;libelle_commune\n")
	const n = support.MaxListLimit + 20
	for i := range n {
		d := fmt.Sprintf("%07d", 1300100+i)
		fmt.Fprintf(&csv, "%s%c;École %d;Marseille\n", d, support.UAIKey(d), i)
	}
	if rep, err := f.svc.ImportEstablishments(f.as(f.admin), strings.NewReader(csv.String())); err != nil || rep.Added != n {
		t.Fatalf("import = %+v, %v", rep, err)
	}
	for _, c := range []struct{ limit, want int }{
		{0, 20}, {-1, 20}, {5, 5}, {200, 200}, {support.MaxListLimit, support.MaxListLimit},
		// Asking for more than the maximum gives the maximum, not less.
		{support.MaxListLimit + 1, support.MaxListLimit}, {10000, support.MaxListLimit},
	} {
		got, err := f.svc.As(f.admin).SearchEstablishments(context.Background(), "marseille", c.limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c.want {
			t.Errorf("SearchEstablishments(limit %d) gave %d, want %d", c.limit, len(got), c.want)
		}
	}
}

func TestStorageFailureIsNotAFieldError(t *testing.T) {
	f := newFixture(t, service.Config{})
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.svc.CreateUser(f.as(f.admin), support.UserInput{Name: "Paul Martin", Email: "paul@example.fr",
		Role: support.RoleReporter, Function: support.Adjoint, UAIs: []string{uaiA}})
	if code := support.ErrorCode(err); code != support.EINTERNAL && code != support.EUNAVAILABLE {
		t.Errorf("CreateUser on a failing store: %v (fields %v), want a storage error", err, fieldsOf(err))
	}
}
