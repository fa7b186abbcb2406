package sqlstore

import (
	"context"

	"github.com/ent-support/ent-support/internal/support"
)

// AddAudit appends an entry to the audit log, setting its ID (and At when
// zero, Count when under 1).
func (db *DB) AddAudit(ctx context.Context, e *support.AuditEntry) error {
	if e.At.IsZero() {
		e.At = db.stamp()
	}
	if e.Count < 1 {
		e.Count = 1
	}
	err := db.write.QueryRowContext(ctx, db.q(`INSERT INTO audit (at, actor_id, actor, action, target, detail, remote, count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		toMicros(e.At), e.ActorID, e.Actor, e.Action, e.Target, e.Detail, e.Remote, e.Count).Scan(&e.ID)
	return mapError(err)
}

// AddAuditCount adds n to the count of entry id.
func (db *DB) AddAuditCount(ctx context.Context, id, n int64) error {
	_, err := db.write.ExecContext(ctx, db.q(`UPDATE audit SET count = count + ? WHERE id = ?`), n, id)
	return mapError(err)
}

// ListAudit returns the entries after f.After, oldest first.
func (db *DB) ListAudit(ctx context.Context, f support.AuditFilter) ([]support.AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 || limit > support.MaxListLimit {
		limit = support.DefaultListLimit
	}
	query, args := `SELECT id, at, actor_id, actor, action, target, detail, remote, count FROM audit WHERE id > ?`, []any{f.After}
	if f.Action != "" {
		query, args = query+` AND action = ?`, append(args, f.Action)
	}
	rows, err := db.cached(nil).QueryContext(ctx, db.q(query+` ORDER BY id LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := []support.AuditEntry{}
	for rows.Next() {
		var e support.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.Remote, &e.Count); err != nil {
			return nil, mapError(err)
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, mapError(rows.Err())
}
