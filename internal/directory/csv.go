// Package directory reads the national directory of establishments (the
// open-data export of the "Annuaire de l'éducation"): UTF-8, ";"-separated,
// with a header naming its columns in any order.
package directory

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/ent-support/ent-support/internal/support"
)

// columns maps the header names we know to our fields, best first: when
// a file has several columns for one field (code_departement and
// libelle_departement), the one earliest in this list wins, whatever
// their order in the file. Several exports exist, with different
// spellings of the same column.
var columns = map[string][]string{
	"uai":        {"numero_uai", "uai", "identifiant_de_l_etablissement", "code_uai"},
	"name":       {"appellation_officielle", "nom_etablissement", "nom", "name"},
	"city":       {"libelle_commune", "nom_commune", "commune", "city"},
	"department": {"code_departement", "departement", "department", "libelle_departement"},
	"territory":  {"libelle_academie", "territory", "territoire"},
	// The geolocated export leaves appellation_officielle empty for some
	// schools; their name is then the kind followed by the patronym
	// ("ECOLE PRIMAIRE PUBLIQUE" "JEAN MOULIN").
	"kind":     {"denomination_principale"},
	"patronym": {"patronyme_uai"},
}

// columnIndex returns, for each field, the position of its best column
// in header.
func columnIndex(header []string) map[string]int {
	pos := map[string]int{}
	for i, h := range header {
		if _, dup := pos[normHeader(h)]; !dup {
			pos[normHeader(h)] = i
		}
	}
	idx := map[string]int{}
	for field, names := range columns {
		for _, n := range names {
			if i, ok := pos[n]; ok {
				idx[field] = i
				break
			}
		}
	}
	return idx
}

// Row is one data line: the establishment, or why it was refused.
type Row struct {
	Line          int
	Establishment support.Establishment
	Err           *support.FieldError // nil when the row is usable
}

// ErrNoUAIColumn is returned when the header has no UAI column.
var ErrNoUAIColumn = errors.New("the header has no UAI column (numero_uai)")

// Read parses the whole CSV and calls fn for each data line, in order.
// Line numbers count the header as line 1. A UTF-8 BOM is skipped, and a
// comma-separated file is accepted too when the header has no ";".
func Read(r io.Reader, fn func(Row) error) error {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	first, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	sep := ';'
	if line, _, _ := bytes.Cut(first, []byte("\n")); !bytes.ContainsRune(line, ';') && bytes.ContainsRune(line, ',') {
		sep = ','
	}
	cr := csv.NewReader(br)
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return ErrNoUAIColumn
	} else if err != nil {
		return err
	}
	idx := columnIndex(header)
	if _, ok := idx["uai"]; !ok {
		return ErrNoUAIColumn
	}
	get := func(rec []string, f string) string {
		if i, ok := idx[f]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	seen := map[string]int{} // UAI → the line that gave it first
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var row Row
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			row.Line = pe.StartLine
			row.Err = &support.FieldError{Field: "csv", Rule: support.RuleSyntax, Params: map[string]string{"reason": pe.Err.Error()}}
		} else if err != nil {
			return err
		} else {
			// FieldPos only after a record was read: after a parse error
			// it has no fields and panics.
			line, _ := cr.FieldPos(0)
			row = parseRecord(line, rec, get, seen)
		}
		if err := fn(row); err != nil {
			return err
		}
	}
}

// parseRecord checks one data line: UTF-8 (an export re-saved in
// Latin-1 would otherwise store mangled names), the establishment's
// fields, and that its UAI was not on an earlier line (the first one
// wins, so that importing the same file twice changes nothing).
func parseRecord(line int, rec []string, get func([]string, string) string, seen map[string]int) Row {
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return Row{Line: line, Establishment: support.Establishment{UAI: strings.ToValidUTF8(get(rec, "uai"), "?")},
				Err: &support.FieldError{Field: "csv", Rule: support.RuleUTF8}}
		}
	}
	name := get(rec, "name")
	if name == "" {
		name = strings.TrimSpace(get(rec, "kind") + " " + get(rec, "patronym"))
	}
	row := Check(support.Establishment{UAI: get(rec, "uai"), Name: name, City: get(rec, "city"),
		Department: get(rec, "department"), Territory: get(rec, "territory")})
	row.Line = line
	if row.Err == nil {
		if first, dup := seen[row.Establishment.UAI]; dup {
			row.Err = &support.FieldError{Field: "establishment.uai", Rule: support.RuleDuplicate,
				Params: map[string]string{"line": fmt.Sprint(first)}}
		} else {
			seen[row.Establishment.UAI] = line
		}
	}
	return row
}

// Check checks and normalises one establishment of the directory.
func Check(e support.Establishment) Row {
	row := Row{Establishment: support.Establishment{
		Name: strings.Join(strings.Fields(e.Name), " "), City: strings.Join(strings.Fields(e.City), " "),
		Department: strings.TrimSpace(e.Department), Territory: strings.TrimSpace(e.Territory),
	}}
	u, fe := support.ParseUAI(e.UAI)
	row.Establishment.UAI = strings.ToUpper(strings.TrimSpace(e.UAI))
	switch {
	case fe != nil:
		row.Err = fe
	case row.Establishment.Name == "":
		row.Err = &support.FieldError{Field: "establishment.name", Rule: support.RuleRequired}
	case utf8.RuneCountInString(row.Establishment.Name) > support.EstablishmentNameMax:
		row.Err = &support.FieldError{Field: "establishment.name", Rule: support.RuleLength,
			Params: map[string]string{"min": "1", "max": fmt.Sprint(support.EstablishmentNameMax), "length": fmt.Sprint(utf8.RuneCountInString(row.Establishment.Name))}}
	case utf8.RuneCountInString(row.Establishment.City) > support.CityMax:
		row.Err = &support.FieldError{Field: "establishment.city", Rule: support.RuleLength,
			Params: map[string]string{"min": "0", "max": fmt.Sprint(support.CityMax), "length": fmt.Sprint(utf8.RuneCountInString(row.Establishment.City))}}
	default:
		row.Establishment.UAI = u
	}
	return row
}

// normHeader folds a column name: lower case, no accents, _ for spaces.
func normHeader(h string) string {
	r := strings.NewReplacer("é", "e", "è", "e", "ê", "e", "à", "a", "ô", "o", "î", "i", "ç", "c", " ", "_", "-", "_", "'", "_")
	return r.Replace(strings.ToLower(strings.TrimSpace(h)))
}
