package httpapi

import (
	"net/http"
	"strconv"

	"github.com/ent-support/ent-support/internal/support"
)

// codeStatus is the one table between support error codes and HTTP
// statuses. The server walks it top-down to pick a status for an error (a
// row with a Key only matches that key); the client walks it top-down to
// pick the code of a status. Rows that only make sense in one direction
// (gateway errors come from proxies, never from us) sit after the row the
// other direction must find first.
var codeStatus = []struct {
	Code   string
	Key    string // "" matches any key
	Status int
}{
	{support.EINVALID, "error.idempotency_mismatch", http.StatusUnprocessableEntity},
	{support.EINVALID, "error.unsupported_media_type", http.StatusUnsupportedMediaType},
	{support.EINVALID, "error.method_not_allowed", http.StatusMethodNotAllowed},
	{support.EINVALID, "error.mail_media_type", http.StatusUnsupportedMediaType},
	{support.EINVALID, "error.mail_not_mail", http.StatusUnprocessableEntity},
	{support.EINVALID, "", http.StatusBadRequest},
	{support.EUNAUTHENTICATED, "", http.StatusUnauthorized},
	{support.EFORBIDDEN, "", http.StatusForbidden},
	{support.ENOTFOUND, "", http.StatusNotFound},
	{support.ECONFLICT, "", http.StatusConflict},
	{support.ETOOLARGE, "", http.StatusRequestEntityTooLarge},
	{support.ERATELIMITED, "", http.StatusTooManyRequests},
	{support.EUNAVAILABLE, "", http.StatusServiceUnavailable},
	{support.EUNAVAILABLE, "", http.StatusBadGateway},
	{support.EUNAVAILABLE, "", http.StatusGatewayTimeout},
	{support.EINTERNAL, "", http.StatusInternalServerError},
}

// statusOf returns the HTTP status of an error.
func statusOf(e *support.Error) int {
	for _, row := range codeStatus {
		if row.Code == e.Code && (row.Key == "" || row.Key == e.Key) {
			return row.Status
		}
	}
	return http.StatusInternalServerError
}

// codeOf returns the error code of an HTTP error status: the code of its
// row, else the code of its class (4xx invalid, 5xx internal).
func codeOf(status int) string {
	for _, row := range codeStatus {
		if row.Status == status {
			return row.Code
		}
	}
	if status >= 500 {
		return support.EINTERNAL
	}
	return support.EINVALID
}

// knownCode reports whether c is one of the support error codes.
func knownCode(c string) bool {
	for _, row := range codeStatus {
		if row.Code == c {
			return true
		}
	}
	return false
}

// problem is an RFC 9457 problem details object, with our extension
// members: the stable error code and the field errors.
type problem struct {
	Type   string               `json:"type"`
	Title  string               `json:"title"`
	Status int                  `json:"status"`
	Detail string               `json:"detail"`
	Code   string               `json:"code"`
	Errors []support.FieldError `json:"errors,omitempty"`
}

// problemType is the type URI of a code: a URN, since there is no page to
// dereference, but stable enough for a client to match.
func problemType(code string) string { return "urn:ent-support:problem:" + code }

const problemContentType = "application/problem+json"

// retryAfterHeader formats Retry-After in seconds.
func retryAfterHeader(seconds int) string { return strconv.Itoa(seconds) }
