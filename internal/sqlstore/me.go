package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/ent-support/ent-support/internal/support"
)

// UpdateUserContact sets the phone and e-mail of c that are not empty on
// user id, and returns the user as stored. An e-mail another user holds,
// whatever its case, is ECONFLICT and nothing is written.
func (db *DB) UpdateUserContact(ctx context.Context, id int64, c support.ContactUpdate) (*support.User, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()

	if c.Email != "" {
		// Checked first (under the write lock) so that the conflict is
		// named; the unique index still guards against any other path.
		var one int
		err = tx.QueryRowContext(ctx, db.q(`SELECT 1 FROM users WHERE lower(email) = lower(?) AND id <> ?`), c.Email, id).Scan(&one)
		if err == nil {
			return nil, support.Errorf(support.ECONFLICT, keyEmailTaken, nil)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, mapError(err)
		}
	}
	res, err := tx.ExecContext(ctx, db.q(`UPDATE users SET
		phone = COALESCE(NULLIF(?, ''), phone), email = COALESCE(NULLIF(?, ''), email)
		WHERE id = ?`), c.Phone, c.Email, id)
	if err != nil {
		return nil, mapError(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, mapError(err)
	} else if n == 0 {
		return nil, notFound(keyUserNotFound)
	}
	if err := tx.Commit(); err != nil {
		return nil, mapError(err)
	}
	return db.userWhere(ctx, `id = ?`, id)
}
