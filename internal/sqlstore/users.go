package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/ent-support/ent-support/internal/support"
)

// CreateUser stores u with the hash of its token and its memberships,
// setting u.ID and u.CreatedAt. An e-mail already taken, whatever its case,
// is ECONFLICT.
func (db *DB) CreateUser(ctx context.Context, u *support.User, tokenHash string) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	defer tx.Rollback()
	now := db.stamp()

	// Checked first (under the write lock) so that the conflict is named;
	// the unique index still guards against any other path.
	var one int
	err = tx.QueryRowContext(ctx, db.q(`SELECT 1 FROM users WHERE lower(email) = lower(?)`), u.Email).Scan(&one)
	if err == nil {
		return support.Errorf(support.ECONFLICT, keyEmailTaken, nil)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return mapError(err)
	}

	var id int64
	if u.Lang == "" {
		u.Lang = "fr"
	}
	if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO users (name, email, phone, role, disabled, created_at, token_hash, lang)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		u.Name, u.Email, u.Phone, string(u.Role), boolInt(u.Disabled), toMicros(now), tokenHash, u.Lang).Scan(&id); err != nil {
		return mapError(err)
	}
	seen := map[string]bool{}
	for _, m := range u.Establishments {
		if seen[m.UAI] {
			continue
		}
		seen[m.UAI] = true
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO memberships (user_id, uai, function) VALUES (?, ?, ?)`),
			id, m.UAI, string(m.Function)); err != nil {
			return mapError(err)
		}
	}
	if err := tx.Commit(); err != nil {
		return mapError(err)
	}
	u.ID, u.CreatedAt = id, now
	if u.Establishments == nil {
		u.Establishments = []support.Membership{}
	}
	return nil
}

// UserByTokenHash returns the user holding a token. An unknown token and
// the token of a disabled user are the same EUNAUTHENTICATED: the answer
// must not tell which.
func (db *DB) UserByTokenHash(ctx context.Context, tokenHash string) (*support.User, error) {
	bad := support.Errorf(support.EUNAUTHENTICATED, keyBadToken, nil)
	if tokenHash == "" {
		return nil, bad
	}
	u, err := db.userWhere(ctx, `token_hash = ?`, tokenHash)
	if support.ErrorCode(err) == support.ENOTFOUND || (err == nil && u.Disabled) {
		return nil, bad
	}
	return u, err
}

// UserByEmail returns the user of an e-mail, whatever its case, disabled
// or not (Disabled says which).
func (db *DB) UserByEmail(ctx context.Context, email string) (*support.User, error) {
	return db.userWhere(ctx, `lower(email) = lower(?)`, email)
}

// userWhere reads the one user selected by cond, with its memberships.
func (db *DB) userWhere(ctx context.Context, cond string, arg any) (*support.User, error) {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	rd := db.cached(tx)
	u := &support.User{Establishments: []support.Membership{}}
	var role string
	var disabled int
	var created int64
	err = rd.QueryRowContext(ctx, db.q(`SELECT id, name, email, phone, role, disabled, created_at, lang
		FROM users WHERE `+cond), arg).
		Scan(&u.ID, &u.Name, &u.Email, &u.Phone, &role, &disabled, &created, &u.Lang)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(keyUserNotFound)
	} else if err != nil {
		return nil, mapError(err)
	}
	u.Role, u.CreatedAt, u.Disabled = support.Role(role), fromMicros(created), disabled != 0

	rows, err := rd.QueryContext(ctx, db.q(`SELECT uai, function FROM memberships WHERE user_id = ? ORDER BY uai`), u.ID)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var m support.Membership
		var fn string
		if err := rows.Scan(&m.UAI, &fn); err != nil {
			return nil, mapError(err)
		}
		m.Function = support.Function(fn)
		u.Establishments = append(u.Establishments, m)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	return u, nil
}

// CountUsers counts the users of a role ("" for all), disabled ones
// included: a disabled admin still means the database has been set up, so
// a bootstrap token must not create a new one.
func (db *DB) CountUsers(ctx context.Context, role support.Role) (int, error) {
	var n int
	var err error
	if role == "" {
		err = db.cached(nil).QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	} else {
		err = db.cached(nil).QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM users WHERE role = ?`), string(role)).Scan(&n)
	}
	return n, mapError(err)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
