package support

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status and one exit code (see httpapi
// and entcmd); the mapping lives there, in one table each.
const (
	EINVALID         = "invalid"         // a field or argument breaks a rule
	EUNAUTHENTICATED = "unauthenticated" // no token, or a bad one
	EFORBIDDEN       = "forbidden"       // authenticated but not allowed
	ENOTFOUND        = "not_found"       // no such ticket (or not visible)
	ECONFLICT        = "conflict"        // state conflict (e.g. duplicate)
	ETOOLARGE        = "too_large"       // a size limit was exceeded
	EUNAVAILABLE     = "unavailable"     // the server or its storage cannot serve now
	ERATELIMITED     = "rate_limited"    // too many requests; retry later
	EINTERNAL        = "internal"        // a bug or an unexpected failure
)

// FieldError names one field and the rule it breaks. Rule is a stable key
// (see the Rule* constants); Params carries the rule's figures (min, max,
// expected key letter...). Message is filled by the presentation layer in
// the reader's language, or by the client from the server's answer.
type FieldError struct {
	Field   string            `json:"field"`
	Rule    string            `json:"rule"`
	Params  map[string]string `json:"params,omitempty"`
	Message string            `json:"message,omitempty"`
}

// Error is the error every layer returns. Key is a message key of the
// locale catalogs (with Params), so the message can be shown in the reader's
// language; Message is a text already in a language (from a server answer),
// used when Key is empty.
type Error struct {
	Code    string
	Key     string
	Params  map[string]string
	Message string
	Fields  []FieldError
	// RetryAfter is set on EUNAVAILABLE / ERATELIMITED when the server said
	// when to come back (in seconds).
	RetryAfter int
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s", e.Code, e.Key)
	}
	return e.Code
}

// Errorf builds an Error with a code and a message key.
func Errorf(code, key string, params map[string]string) *Error {
	return &Error{Code: code, Key: key, Params: params}
}

// InvalidFields builds the EINVALID error for a list of field errors.
func InvalidFields(fields []FieldError) *Error {
	return &Error{Code: EINVALID, Key: "error.invalid_fields", Fields: fields}
}

// ErrorCode returns the code of err, EINTERNAL for foreign errors and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// AsError returns err as an *Error, wrapping foreign errors as EINTERNAL
// with their text (a server must not show that text to its clients). A nil
// err gives nil, as ErrorCode gives "": it is no error, not an internal one.
func AsError(err error) *Error {
	var e *Error
	if err == nil {
		return nil
	}
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: EINTERNAL, Message: err.Error()}
}
