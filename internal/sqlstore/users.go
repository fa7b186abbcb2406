package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

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
	if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO users (name, email, phone, role, disabled, created_at, token_hash, lang, token_expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		u.Name, u.Email, u.Phone, string(u.Role), boolInt(u.Disabled), toMicros(now), tokenHash, u.Lang,
		expiryMicros(u.TokenExpiresAt)).Scan(&id); err != nil {
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

// UserByTokenHash returns the user holding a token. An unknown token, the
// token of a disabled user and an expired token are the same
// EUNAUTHENTICATED: the answer must not tell which.
func (db *DB) UserByTokenHash(ctx context.Context, tokenHash string) (*support.User, error) {
	bad := support.Errorf(support.EUNAUTHENTICATED, keyBadToken, nil)
	if tokenHash == "" {
		return nil, bad
	}
	u, err := db.userWhere(ctx, `token_hash = ?`, tokenHash)
	if support.ErrorCode(err) == support.ENOTFOUND || (err == nil && u.Disabled) {
		return nil, bad
	}
	if err == nil && u.TokenExpiresAt != nil && !db.stamp().Before(*u.TokenExpiresAt) {
		return nil, bad
	}
	return u, err
}

// UserByID returns the user of an ID, disabled or not.
func (db *DB) UserByID(ctx context.Context, id int64) (*support.User, error) {
	return db.userWhere(ctx, `id = ?`, id)
}

// UserByEmail returns the user of an e-mail, whatever its case, disabled
// or not (Disabled says which).
func (db *DB) UserByEmail(ctx context.Context, email string) (*support.User, error) {
	return db.userWhere(ctx, `lower(email) = lower(?)`, email)
}

// userWhere reads the one user selected by cond, with its memberships.
func (db *DB) userWhere(ctx context.Context, cond string, arg any) (*support.User, error) {
	// One statement, memberships folded into one column: authentication
	// runs this on every request, and on PostgreSQL a read transaction of
	// two queries was four round trips.
	var ms string
	u, err := scanUser(db.cached(nil).QueryRowContext(ctx, db.q(`SELECT `+userColumns+`,
		COALESCE((SELECT `+db.dialect.groupConcat+`(m.uai || ':' || m.function, ',')
			FROM memberships m WHERE m.user_id = users.id), '')
		FROM users WHERE `+cond), arg), &ms)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(keyUserNotFound)
	} else if err != nil {
		return nil, mapError(err)
	}
	// UAIs and functions hold neither ':' nor ','.
	for _, part := range strings.Split(ms, ",") {
		if uai, fn, ok := strings.Cut(part, ":"); ok {
			u.Establishments = append(u.Establishments, support.Membership{UAI: uai, Function: support.Function(fn)})
		}
	}
	slices.SortFunc(u.Establishments, func(a, b support.Membership) int { return strings.Compare(a.UAI, b.UAI) })
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

// userColumns are the columns scanUser reads, in its order.
const userColumns = `id, name, email, phone, role, disabled, created_at, lang, token_expires_at, disabled_by`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (*support.User, error) {
	u := &support.User{Establishments: []support.Membership{}}
	var role string
	var disabled int
	var created, expires int64
	if err := row.Scan(append([]any{&u.ID, &u.Name, &u.Email, &u.Phone, &role, &disabled, &created, &u.Lang, &expires, &u.DisabledBy}, extra...)...); err != nil {
		return nil, err
	}
	u.Role, u.CreatedAt, u.Disabled = support.Role(role), fromMicros(created), disabled != 0
	if expires != 0 {
		t := fromMicros(expires)
		u.TokenExpiresAt = &t
	}
	return u, nil
}

// expiryMicros stores "never" as 0.
func expiryMicros(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return toMicros(*t)
}

// ListUsers returns the users q selects, ordered by name, with their
// memberships.
func (db *DB) ListUsers(ctx context.Context, q support.UserQuery) ([]support.User, error) {
	var where []string
	var args []any
	if q.Role != "" {
		where, args = append(where, `role = ?`), append(args, string(q.Role))
	}
	if !q.Disabled {
		where = append(where, `disabled = 0`)
	}
	if q.UAI != "" {
		where, args = append(where, `id IN (SELECT user_id FROM memberships WHERE uai = ?)`), append(args, q.UAI)
	}
	if q.OnlyUAIs != nil {
		if len(q.OnlyUAIs) == 0 {
			return []support.User{}, nil
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(q.OnlyUAIs)), ", ")
		where = append(where, `id IN (SELECT user_id FROM memberships WHERE uai IN (`+marks+`))`)
		for _, u := range q.OnlyUAIs {
			args = append(args, u)
		}
	}
	cond := ""
	if len(where) > 0 {
		cond = ` WHERE ` + strings.Join(where, ` AND `)
	}
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, db.q(`SELECT `+userColumns+` FROM users`+cond+` ORDER BY lower(name), id`), args...)
	if err != nil {
		return nil, mapError(err)
	}
	users := []support.User{}
	byID := map[int64]int{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		byID[u.ID] = len(users)
		users = append(users, *u)
	}
	if err := rows.Close(); err != nil {
		return nil, mapError(err)
	}
	if len(users) == 0 {
		return users, nil
	}
	mrows, err := tx.QueryContext(ctx, db.q(`SELECT m.user_id, m.uai, m.function FROM memberships m
		JOIN users ON users.id = m.user_id`+cond+` ORDER BY m.user_id, m.uai`), args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var id int64
		var m support.Membership
		var fn string
		if err := mrows.Scan(&id, &m.UAI, &fn); err != nil {
			return nil, mapError(err)
		}
		m.Function = support.Function(fn)
		if i, ok := byID[id]; ok {
			users[i].Establishments = append(users[i].Establishments, m)
		}
	}
	return users, mapError(mrows.Err())
}

// SetUserDisabled disables or enables a user (ENOTFOUND for an unknown ID).
// Enabling forgets who disabled them.
func (db *DB) SetUserDisabled(ctx context.Context, id int64, disabled bool, by int64) error {
	if !disabled {
		by = 0
	}
	return db.updateUser(ctx, `UPDATE users SET disabled = ?, disabled_by = ? WHERE id = ?`, boolInt(disabled), by, id)
}

// SetUserToken replaces a user's token hash and expiry.
func (db *DB) SetUserToken(ctx context.Context, id int64, tokenHash string, expiresAt *time.Time) error {
	return db.updateUser(ctx, `UPDATE users SET token_hash = ?, token_expires_at = ? WHERE id = ?`,
		tokenHash, expiryMicros(expiresAt), id)
}

func (db *DB) updateUser(ctx context.Context, query string, args ...any) error {
	res, err := db.write.ExecContext(ctx, db.q(query), args...)
	if err != nil {
		return mapError(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapError(err)
	} else if n == 0 {
		return notFound(keyUserNotFound)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
