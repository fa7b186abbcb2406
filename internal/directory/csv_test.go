package directory_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/directory"
	"github.com/ent-support/ent-support/internal/support"
)

// readAll reads a testdata file and returns every row.
func readAll(tb testing.TB, name string) ([]directory.Row, error) {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var rows []directory.Row
	err = directory.Read(f, func(r directory.Row) error {
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

func ok(line int, uai, name, city, dept, territory string) directory.Row {
	return directory.Row{Line: line, Establishment: support.Establishment{UAI: uai, Name: name, City: city, Department: dept, Territory: territory}}
}

func refused(line int, uai, name, city string, fe support.FieldError) directory.Row {
	r := ok(line, uai, name, city, "", "")
	r.Err = &fe
	return r
}

func TestRead(t *testing.T) {
	tests := []struct {
		file string
		want []directory.Row
	}{
		{"semicolon_reordered.csv", []directory.Row{
			ok(2, "0010001W", "Lycée du Parc", "Lyon", "069", "Lyon"),
			ok(3, "0421234N", "Collège Jean Moulin", "Saint-Étienne", "042", "Lyon"),
		}},
		{"bom.csv", []directory.Row{ok(2, "0010001W", "Lycée du Parc", "Lyon", "", "")}},
		{"comma.csv", []directory.Row{
			ok(2, "0010001W", "Lycée du Parc", "Lyon", "", ""),
			ok(3, "0421234N", "Collège Jean Moulin, site B", "Saint-Étienne", "", ""),
		}},
		{"quoted.csv", []directory.Row{
			ok(2, "0010001W", "Lycée du Parc; site Bellecour", "Lyon", "", ""),
			ok(3, "0421234N", `Collège "Jean Moulin"`, "Saint-Étienne", "", ""),
			ok(4, "0690001B", "Lycée sur deux lignes", "Villeurbanne", "", ""),
			ok(6, "0750650Z", "École", "Paris", "", ""), // the quoted line break moved it to line 6
		}},
		{"errors.csv", []directory.Row{
			ok(2, "0010001W", "Lycée du Parc", "Lyon", "", ""),
			refused(3, "0010001X", "Lycée mal codé", "Lyon", support.FieldError{Field: "establishment.uai", Rule: support.RuleUAIKey,
				Params: map[string]string{"expected": "0010001W"}}),
			refused(4, "0421234N", "", "Saint-Étienne", support.FieldError{Field: "establishment.name", Rule: support.RuleRequired}),
			ok(6, "0690001B", "Lycée Ampère", "Lyon", "", ""), // after a blank line
			refused(7, "ABC", "Nulle part", "", support.FieldError{Field: "establishment.uai", Rule: support.RuleUAIFormat}),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := readAll(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("rows (-want +got):\n%s", d)
			}
		})
	}
}

func TestReadNoUAIColumn(t *testing.T) {
	if _, err := readAll(t, "no_uai.csv"); !errors.Is(err, directory.ErrNoUAIColumn) {
		t.Errorf("err = %v, want ErrNoUAIColumn", err)
	}
	for _, in := range []string{"", "\xef\xbb\xbf", "\n"} {
		err := directory.Read(strings.NewReader(in), func(directory.Row) error { return nil })
		if !errors.Is(err, directory.ErrNoUAIColumn) {
			t.Errorf("Read(%q) = %v, want ErrNoUAIColumn", in, err)
		}
	}
}

func TestReadSyntaxErrorIsARefusedLine(t *testing.T) {
	// A broken quote on the first data line must be reported as that
	// line, not crash the import.
	rows, err := readAll(t, "bad_quote.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || rows[0].Line != 2 || rows[0].Err == nil || rows[0].Err.Rule != support.RuleSyntax || rows[0].Err.Params["reason"] == "" {
		t.Fatalf("rows = %+v", rows)
	}
	for _, r := range rows {
		if r.Err == nil && r.Establishment.UAI == "0010001W" {
			t.Errorf("a line with a broken quote was accepted: %+v", r)
		}
	}
}

func TestReadStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := directory.Read(strings.NewReader("uai;nom\n0010001W;A\n0421234N;B\n"), func(directory.Row) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err = %v after %d rows", err, n)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		in   support.Establishment
		want directory.Row
	}{
		{"tidied", support.Establishment{UAI: " 0010001w ", Name: "  Lycée   du Parc ", City: " Lyon ", Department: " 069 "},
			ok(0, "0010001W", "Lycée du Parc", "Lyon", "069", "")},
		{"name at 150", support.Establishment{UAI: "0010001W", Name: strings.Repeat("é", 150)},
			ok(0, "0010001W", strings.Repeat("é", 150), "", "", "")},
		{"name over 150", support.Establishment{UAI: "0010001W", Name: strings.Repeat("é", 151)},
			refused(0, "0010001W", strings.Repeat("é", 151), "", support.FieldError{Field: "establishment.name", Rule: support.RuleLength,
				Params: map[string]string{"min": "1", "max": "150", "length": "151"}})},
		{"city over 100", support.Establishment{UAI: "0010001W", Name: "X", City: strings.Repeat("é", 101)},
			refused(0, "0010001W", "X", strings.Repeat("é", 101), support.FieldError{Field: "establishment.city", Rule: support.RuleLength,
				Params: map[string]string{"min": "0", "max": "100", "length": "101"}})},
		{"no UAI", support.Establishment{Name: "X"},
			refused(0, "", "X", "", support.FieldError{Field: "establishment.uai", Rule: support.RuleRequired})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, directory.Check(tt.in)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// A file shaped like the national directory's open-data export: UTF-8
// BOM, ";", 16 columns in another order than ours (libelle_departement
// before code_departement), quoted fields holding ";", doubled quotes and
// a line break, accents, an empty appellation_officielle, bad UAI keys
// and formats, the same UAI twice, a line re-saved in Latin-1.
func TestReadNationalExport(t *testing.T) {
	got, err := readAll(t, "annuaire_export.csv")
	if err != nil {
		t.Fatal(err)
	}
	row := func(line int, uai, name, city, dept, territory string, fe *support.FieldError) directory.Row {
		r := ok(line, uai, name, city, dept, territory)
		r.Err = fe
		return r
	}
	want := []directory.Row{
		row(2, "0421234N", "Collège du Pilat", "Saint-Genest-Malifaux", "042", "Lyon", nil),
		row(3, "0420013L", "Lycée général et technologique Honoré d'Urfé", "Saint-Étienne", "042", "Lyon", nil),
		row(4, "0690026D", `École élémentaire "Les Tilleuls"; site 2`, "Villeurbanne", "069", "Lyon", nil),
		row(5, "0691234A", "Lycée Ampère (mauvaise clé)", "Lyon", "069", "Lyon", &support.FieldError{Field: "establishment.uai",
			Rule: support.RuleUAIKey, Params: map[string]string{"expected": "0691234S"}}),
		row(6, "0691234S", "Lycée Ampère", "Lyon", "069", "Lyon", nil),
		row(7, "0421234N", "Collège du Pilat (annexe)", "Saint-Genest-Malifaux", "042", "Lyon", &support.FieldError{
			Field: "establishment.uai", Rule: support.RuleDuplicate, Params: map[string]string{"line": "2"}}),
		row(8, "42A1234", "Collège sans code", "Saint-Étienne", "042", "Lyon", &support.FieldError{Field: "establishment.uai",
			Rule: support.RuleUAIFormat}),
		row(9, "0010016M", "ECOLE PRIMAIRE PUBLIQUE JEAN MOULIN", "Bourg-en-Bresse", "001", "Lyon", nil),
		row(10, "9740001H", "Lycée Leconte de Lisle", "Saint-Denis", "974", "La Réunion", nil),
		row(11, "0382341N", "Lycée Champollion", "Grenoble", "038", "Grenoble", nil),
		row(12, "0751234J", "", "Paris", "075", "Paris", &support.FieldError{Field: "establishment.name", Rule: support.RuleRequired}),
		row(13, "0021234F", "Collège Jean Racine", "Laon", "002", "Amiens", nil),
		{Line: 15, Establishment: support.Establishment{UAI: "0420059L"}, Err: &support.FieldError{Field: "csv", Rule: support.RuleUTF8}},
		row(16, "0420013L", "Lycée général et technologique Honoré d'Urfé", "Saint-Étienne", "042", "Lyon", &support.FieldError{
			Field: "establishment.uai", Rule: support.RuleDuplicate, Params: map[string]string{"line": "3"}}),
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
}
