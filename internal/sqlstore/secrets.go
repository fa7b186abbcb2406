package sqlstore

import (
	"context"
	"crypto/rand"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// A retired value of secret NAME is kept as NAME@MICROS, MICROS the Unix
// time in microseconds of its retirement.
const retiredSep = "@"

// SecretVersions returns a secret's value and its retired ones, newest
// first; see support.MailQueue.
func (db *DB) SecretVersions(ctx context.Context, name string) ([]support.SecretVersion, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT name, value FROM server_secrets WHERE name = ? OR name LIKE ?`),
		name, name+retiredSep+"%")
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []support.SecretVersion
	for rows.Next() {
		var n string
		var v support.SecretVersion
		if err := rows.Scan(&n, &v.Value); err != nil {
			return nil, mapError(err)
		}
		if n != name {
			at, ok := retiredAt(name, n)
			if !ok {
				continue
			}
			v.RetiredAt = at
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	// The one in force (zero time) first, then the latest retired.
	slices.SortFunc(out, func(a, b support.SecretVersion) int {
		switch {
		case a.RetiredAt.IsZero() != b.RetiredAt.IsZero():
			if a.RetiredAt.IsZero() {
				return -1
			}
			return 1
		default:
			return b.RetiredAt.Compare(a.RetiredAt)
		}
	})
	return out, nil
}

// retiredAt reads the retirement time of a retired value's name.
func retiredAt(name, stored string) (time.Time, bool) {
	micros, ok := strings.CutPrefix(stored, name+retiredSep)
	if !ok {
		return time.Time{}, false
	}
	us, err := strconv.ParseInt(micros, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMicro(us).UTC(), true
}

// RotateSecret replaces a secret with a fresh value; see
// support.MailQueue.
func (db *DB) RotateSecret(ctx context.Context, name string, size int, now, dropBefore time.Time, revoke bool) error {
	fresh := make([]byte, size)
	if _, err := rand.Read(fresh); err != nil {
		return err
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, db.q(`SELECT name FROM server_secrets WHERE name LIKE ?`), name+retiredSep+"%")
	if err != nil {
		return mapError(err)
	}
	var drop []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return mapError(err)
		}
		if at, ok := retiredAt(name, n); ok && (revoke || at.Before(dropBefore)) {
			drop = append(drop, n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return mapError(err)
	}
	if revoke {
		drop = append(drop, name)
	} else {
		// The value in force is kept under its retired name.
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE server_secrets SET name = ? WHERE name = ?`),
			name+retiredSep+strconv.FormatInt(now.UnixMicro(), 10), name); err != nil {
			return mapError(err)
		}
	}
	for _, n := range drop {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM server_secrets WHERE name = ?`), n); err != nil {
			return mapError(err)
		}
	}
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO server_secrets (name, value) VALUES (?, ?)`), name, fresh); err != nil {
		return mapError(err)
	}
	return mapError(tx.Commit())
}
