package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/ent-support/ent-support/internal/support"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Message keys of the errors this package returns (the locale catalogs
// translate them).
const (
	keyTicketNotFound        = "error.ticket_not_found"
	keyAttachmentNotFound    = "error.attachment_not_found"
	keyEstablishmentNotFound = "error.establishment_not_found"
	keyStorageUnavailable    = "error.storage_unavailable"
	keyEmailTaken            = "error.email_taken"
	keyBadToken              = "error.bad_token"
	keyUserNotFound          = "error.user_not_found"
	keyConflict              = "error.conflict"
	keyInternal              = "error.internal"
)

// storeError is a support.Error that keeps the driver error it came from,
// so that logs can say "disk full" while the user reads "storage
// unavailable". errors.As finds the *support.Error; errors.Is and As also
// reach the cause.
type storeError struct {
	err   *support.Error
	cause error
}

func (e *storeError) Error() string   { return e.err.Error() + ": " + e.cause.Error() }
func (e *storeError) Unwrap() []error { return []error{e.err, e.cause} }

// sqliteBusy reports whether err is SQLite's "database is locked".
func sqliteBusy(err error) bool {
	var le *sqlite.Error
	return errors.As(err, &le) && le.Code()&0xff == sqlite3.SQLITE_BUSY
}

// mapError is the one place where driver errors become support codes:
// storage that cannot serve now (full, read-only, I/O error, cannot open,
// locked past the busy timeout; a PostgreSQL server unreachable, restarting
// or out of connections) is EUNAVAILABLE, a unique constraint is
// ECONFLICT, anything else unexpected is EINTERNAL. Errors that already
// carry a support code, and context cancellation, pass through.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var se *support.Error
	if errors.As(err, &se) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var le *sqlite.Error
	if errors.As(err, &le) {
		code := le.Code()
		switch code & 0xff { // the primary code; extended codes are on
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED,
			sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_NOLFS,
			sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_PERM:
			return &storeError{support.Errorf(support.EUNAVAILABLE, keyStorageUnavailable, nil), err}
		case sqlite3.SQLITE_CONSTRAINT:
			if code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
				return &storeError{support.Errorf(support.ECONFLICT, keyConflict, nil), err}
			}
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505": // unique_violation
			return &storeError{support.Errorf(support.ECONFLICT, keyConflict, nil), err}
		case pgUnavailable(pe.Code):
			return &storeError{support.Errorf(support.EUNAVAILABLE, keyStorageUnavailable, nil), err}
		}
	} else if lostConnection(err) {
		return &storeError{support.Errorf(support.EUNAVAILABLE, keyStorageUnavailable, nil), err}
	}
	return &storeError{support.Errorf(support.EINTERNAL, keyInternal, nil), fmt.Errorf("sqlstore: %w", err)}
}

// pgUnavailable says whether a PostgreSQL error (SQLSTATE) is the server
// not serving now rather than a bad request: connection exceptions (08),
// insufficient resources (53: disk full, too many connections), operator
// intervention (57: shutdown 57P01–57P03, query canceled), system errors
// (58), transaction rollbacks (40: serialization failure, deadlock), a
// lock not available (55P03) and a read-only standby (25006).
func pgUnavailable(code string) bool {
	if len(code) != 5 {
		return false
	}
	switch code[:2] {
	case "08", "53", "57", "58", "40":
		return true
	}
	return code == "55P03" || code == "25006"
}

// lostConnection says whether err is a database server that cannot be
// reached or went away mid-request (restart, network cut): the request
// may succeed later.
func lostConnection(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, pgconn.ErrConnClosed)
}

func notFound(key string) error { return support.Errorf(support.ENOTFOUND, key, nil) }

// ticketNotFound names the number, so the message can say which.
func ticketNotFound(n support.Number) error {
	return support.Errorf(support.ENOTFOUND, keyTicketNotFound, map[string]string{"number": n.String()})
}
