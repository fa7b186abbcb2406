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

// columns maps the header names we know to our fields. Several exports
// exist, with different spellings of the same column.
var columns = map[string]string{
	"numero_uai": "uai", "uai": "uai", "identifiant_de_l_etablissement": "uai", "code_uai": "uai",
	"appellation_officielle": "name", "nom_etablissement": "name", "nom": "name", "name": "name",
	"libelle_commune": "city", "nom_commune": "city", "commune": "city", "city": "city",
	"code_departement": "department", "libelle_departement": "department", "departement": "department", "department": "department",
	"libelle_academie": "territory", "territory": "territory", "territoire": "territory",
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
	idx := map[string]int{}
	for i, h := range header {
		if f, ok := columns[normHeader(h)]; ok {
			if _, dup := idx[f]; !dup {
				idx[f] = i
			}
		}
	}
	if _, ok := idx["uai"]; !ok {
		return ErrNoUAIColumn
	}
	get := func(rec []string, f string) string {
		if i, ok := idx[f]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
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
			row = parse(line, get(rec, "uai"), get(rec, "name"), get(rec, "city"), get(rec, "department"), get(rec, "territory"))
		}
		if err := fn(row); err != nil {
			return err
		}
	}
}

func parse(line int, uai, name, city, dept, territory string) Row {
	row := Check(support.Establishment{UAI: uai, Name: name, City: city, Department: dept, Territory: territory})
	row.Line = line
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
