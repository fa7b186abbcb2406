package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// Results of UpsertEstablishment.
const (
	resultAdded     = "added"
	resultUpdated   = "updated"
	resultUnchanged = "unchanged"
)

// Search limits of SearchEstablishments.
const (
	defaultSearchLimit = 20
	maxSearchLimit     = 500
)

// UpsertEstablishment adds e or replaces the directory's entry for its UAI,
// and says which it did; writing nothing when nothing changed keeps a
// repeated import cheap and its report truthful.
func (db *DB) UpsertEstablishment(ctx context.Context, e support.Establishment) (string, error) {
	res, err := db.UpsertEstablishments(ctx, []support.Establishment{e})
	if err != nil {
		return "", err
	}
	return res[0], nil
}

// upsertChunk bounds the rows of one IN list or one multi-row INSERT: far
// below both dialects' limits on bound parameters (32,766 for SQLite,
// 65,535 for PostgreSQL) at six parameters a row.
const upsertChunk = 500

// UpsertEstablishments upserts es in order, in one transaction, and says
// for each what it did, as UpsertEstablishment would have one after the
// other (a UAI given twice is added, then updated or unchanged). One
// commit, so one fsync, for the whole slice: an import of the national
// directory would otherwise spend its time waiting for the disk. The rows
// already there are read in a few queries and the new ones inserted
// several per statement, so that PostgreSQL is not one round trip a row.
func (db *DB) UpsertEstablishments(ctx context.Context, es []support.Establishment) ([]string, error) {
	if len(es) == 0 {
		return []string{}, nil
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()

	es = slices.Clone(es)
	uais := make([]any, 0, len(es))
	for i := range es {
		es[i].UAI = strings.ToUpper(strings.TrimSpace(es[i].UAI))
		uais = append(uais, es[i].UAI)
	}
	// current holds each UAI's row as it stands so far in this slice.
	current := make(map[string]support.Establishment, len(es))
	for c := range slices.Chunk(uais, upsertChunk) {
		rows, err := tx.QueryContext(ctx, db.q(`SELECT uai, name, city, department, territory FROM establishments
			WHERE uai IN (?`+strings.Repeat(", ?", len(c)-1)+`)`), c...)
		if err != nil {
			return nil, mapError(err)
		}
		for rows.Next() {
			var e support.Establishment
			if err := rows.Scan(&e.UAI, &e.Name, &e.City, &e.Department, &e.Territory); err != nil {
				rows.Close()
				return nil, mapError(err)
			}
			current[e.UAI] = e
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapError(err)
		}
	}

	results := make([]string, len(es))
	added := map[string]bool{}
	dirty := map[string]bool{}
	var order []string // the UAIs to write, once each, with their last version
	for i, e := range es {
		old, exists := current[e.UAI]
		switch {
		case !exists:
			results[i] = resultAdded
			added[e.UAI] = true
		case old == e:
			results[i] = resultUnchanged
			continue
		default:
			results[i] = resultUpdated
		}
		if !dirty[e.UAI] {
			dirty[e.UAI] = true
			order = append(order, e.UAI)
		}
		current[e.UAI] = e
	}
	var inserts, updates []support.Establishment
	for _, uai := range order {
		if added[uai] {
			inserts = append(inserts, current[uai])
		} else {
			updates = append(updates, current[uai])
		}
	}

	for c := range slices.Chunk(inserts, upsertChunk) {
		args := make([]any, 0, 6*len(c))
		for _, e := range c {
			args = append(args, e.UAI, e.Name, e.City, e.Department, e.Territory, searchKey(e))
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO establishments (uai, name, city, department, territory, search)
			VALUES (?, ?, ?, ?, ?, ?)`+strings.Repeat(", (?, ?, ?, ?, ?, ?)", len(c)-1)), args...); err != nil {
			return nil, mapError(err)
		}
	}
	for _, e := range updates {
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE establishments SET name = ?, city = ?, department = ?, territory = ?, search = ?
			WHERE uai = ?`), e.Name, e.City, e.Department, e.Territory, searchKey(e), e.UAI); err != nil {
			return nil, mapError(err)
		}
	}
	if len(inserts)+len(updates) == 0 {
		return results, nil // nothing to write, nothing to sync
	}
	if err := tx.Commit(); err != nil {
		return nil, mapError(err)
	}
	return results, nil
}

// GetEstablishment returns the directory's entry for a UAI.
func (db *DB) GetEstablishment(ctx context.Context, uai string) (*support.Establishment, error) {
	var e support.Establishment
	err := db.cached(nil).QueryRowContext(ctx, db.q(`SELECT uai, name, city, department, territory FROM establishments WHERE uai = ?`),
		strings.ToUpper(strings.TrimSpace(uai))).Scan(&e.UAI, &e.Name, &e.City, &e.Department, &e.Territory)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(keyEstablishmentNotFound)
	} else if err != nil {
		return nil, mapError(err)
	}
	return &e, nil
}

// SearchEstablishments finds establishments whose UAI starts with q, or
// whose name or city contains q, ignoring case and accents ("lycee" finds
// "Lycée"). UAI matches come first, by UAI, then the others by name. An empty q lists the
// directory.
func (db *DB) SearchEstablishments(ctx context.Context, q string, limit int) ([]support.Establishment, error) {
	if limit <= 0 {
		limit = defaultSearchLimit
	}
	limit = min(limit, maxSearchLimit)
	uaiPrefix := likeEscape(strings.ToUpper(strings.Join(strings.Fields(q), ""))) + "%"
	// Every word must appear, in any order, in the name or the town:
	// "lycée saint-étienne" finds the Lycée Honoré d'Urfé of Saint-Étienne.
	words := strings.Fields(fold(q))
	if len(words) == 0 {
		words = []string{""}
	}
	words = words[:min(len(words), maxSearchWords)]
	match := strings.TrimSuffix(strings.Repeat(`search LIKE ? ESCAPE '\' AND `, len(words)), " AND ")
	args := []any{uaiPrefix}
	for _, w := range words {
		args = append(args, "%"+likeEscape(w)+"%")
	}
	args = append(args, uaiPrefix, limit)
	rows, err := db.cached(nil).QueryContext(ctx, db.q(`SELECT uai, name, city, department, territory FROM establishments
		WHERE uai LIKE ? ESCAPE '\' OR (`+match+`)
		ORDER BY CASE WHEN uai LIKE ? ESCAPE '\' THEN '0' || uai ELSE '1' || search END, uai
		LIMIT ?`), args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := []support.Establishment{}
	for rows.Next() {
		var e support.Establishment
		if err := rows.Scan(&e.UAI, &e.Name, &e.City, &e.Department, &e.Territory); err != nil {
			return nil, mapError(err)
		}
		out = append(out, e)
	}
	return out, mapError(rows.Err())
}

// maxSearchWords bounds the words of a directory search: each is a LIKE,
// and the statement cache keeps one text per word count.
const maxSearchWords = 6

// searchKey is what SearchEstablishments matches names and cities against.
func searchKey(e support.Establishment) string { return fold(e.Name + " " + e.City) }

// likeEscape makes s match literally in a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// fold lower-cases s, strips the accents of French and its neighbours,
// treats dashes and apostrophes as spaces and collapses spaces: both the
// stored names and the query go through it, so "saint etienne" finds
// "Saint-Étienne". Done in Go because SQLite's lower() only knows ASCII.
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'à', 'á', 'â', 'ã', 'ä', 'å':
			r = 'a'
		case 'ç':
			r = 'c'
		case 'è', 'é', 'ê', 'ë':
			r = 'e'
		case 'ì', 'í', 'î', 'ï':
			r = 'i'
		case 'ñ':
			r = 'n'
		case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø':
			r = 'o'
		case 'ù', 'ú', 'û', 'ü':
			r = 'u'
		case 'ý', 'ÿ':
			r = 'y'
		case 'œ':
			b.WriteString("oe")
			continue
		case 'æ':
			b.WriteString("ae")
			continue
		case '-', '\'', '’', '\u00a0':
			r = ' '
		}
		b.WriteRune(r)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
