package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ent-support/ent-support/internal/support"
)

// mediaType returns the media type of the request, lower case, without
// parameters ("" when absent or unparsable).
func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

func unsupportedMediaType() error {
	return support.Errorf(support.EINVALID, "error.unsupported_media_type", nil)
}

func tooLarge() error {
	return support.Errorf(support.ETOOLARGE, "error.too_large", nil)
}

// decodeJSONBody reads an application/json request body into v.
func decodeJSONBody(w http.ResponseWriter, r *http.Request, v any) error {
	if mediaType(r) != "application/json" {
		return unsupportedMediaType()
	}
	return decodeJSON(http.MaxBytesReader(w, r.Body, maxJSONBody), v)
}

// decodeJSON reads one JSON value of at most maxJSONBody bytes and
// maxJSONDepth levels into v, refusing unknown keys. The body is read
// whole first (it is small) so that the depth is checked before the
// decoder recurses into it.
func decodeJSON(body io.Reader, v any) error {
	b, err := io.ReadAll(io.LimitReader(body, maxJSONBody+1))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || len(b) > maxJSONBody {
		return tooLarge()
	} else if err != nil {
		return err
	}
	if err := checkJSONText(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return support.InvalidFields([]support.FieldError{{Field: "body", Rule: support.RuleSyntax,
			Params: map[string]string{"reason": "data after the JSON value"}}})
	}
	return nil
}

// jsonError turns a decoding error into field errors a person can act on.
func jsonError(err error) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
		e  *support.Error
	)
	switch {
	case errors.As(err, &e):
		return e // a value's own UnmarshalText said why (a ticket number...)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return support.InvalidFields([]support.FieldError{{Field: field, Rule: support.RuleSyntax,
			Params: map[string]string{"reason": "expected " + jsonKind(te.Type.Kind().String()) + ", got " + te.Value}}})
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return support.InvalidFields([]support.FieldError{{Field: "body", Rule: support.RuleSyntax,
			Params: map[string]string{"reason": err.Error()}}})
	}
	// DisallowUnknownFields has no typed error: its text is the contract.
	if rest, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		key, qerr := strconv.Unquote(rest)
		if qerr != nil {
			key = rest
		}
		return support.InvalidFields([]support.FieldError{{Field: "body", Rule: support.RuleUnknownKey,
			Params: map[string]string{"key": key}}})
	}
	return support.InvalidFields([]support.FieldError{{Field: "body", Rule: support.RuleSyntax,
		Params: map[string]string{"reason": err.Error()}}})
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	case "bool":
		return "boolean"
	}
	return "number"
}

// checkJSONText refuses, before any decoding, a body that is not UTF-8
// (encoding/json would quietly turn each bad byte into U+FFFD, storing
// text nobody typed) or nested deeper than maxJSONDepth (the decoder
// recurses: 100,000 levels would cost it time and stack for nothing).
func checkJSONText(b []byte) error {
	if !utf8.Valid(b) {
		off := 0
		for off < len(b) {
			r, size := utf8.DecodeRune(b[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return support.InvalidFields([]support.FieldError{{Field: "body", Rule: support.RuleUTF8,
			Params: map[string]string{"offset": strconv.Itoa(off)}}})
	}
	if jsonDeeperThan(b, maxJSONDepth) {
		return support.InvalidFields([]support.FieldError{{Field: "body", Rule: support.RuleJSONDepth,
			Params: map[string]string{"max": strconv.Itoa(maxJSONDepth)}}})
	}
	return nil
}

// jsonDeeperThan reports whether objects and arrays in b nest deeper than
// limit, skipping strings; it stops at the first level too deep. It does
// not validate; the decoder does.
func jsonDeeperThan(b []byte, limit int) bool {
	depth := 0
	inString, escaped := false, false
	for _, c := range b {
		switch {
		case inString:
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > limit {
				return true
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return false
}
