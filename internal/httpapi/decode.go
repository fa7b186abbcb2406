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

	"github.com/ent-support/ent-support/internal/locale"
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
	if d := jsonDepth(b); d > maxJSONDepth {
		return support.InvalidFields([]support.FieldError{{Field: "body", Rule: support.RuleSyntax,
			Params: map[string]string{"reason": "nesting deeper than " + strconv.Itoa(maxJSONDepth) + " levels"}}})
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

// jsonDepth returns the deepest nesting of objects and arrays in b,
// skipping strings. It does not validate; the decoder does.
func jsonDepth(b []byte) int {
	depth, max := 0, 0
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
			if depth > max {
				max = depth
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return max
}

// humanizeSizes returns fe with the byte counts of size rules written for
// people ("10 Mio", "10 MiB"), for its message only: the params sent keep
// raw bytes, which scripts can compare.
func humanizeSizes(lang string, fe support.FieldError) support.FieldError {
	if fe.Rule != support.RuleFileSize && fe.Rule != support.RuleTicketSize {
		return fe
	}
	p := make(map[string]string, len(fe.Params))
	for k, v := range fe.Params {
		p[k] = v
	}
	for _, k := range []string{"size", "max"} {
		if n, err := strconv.ParseInt(p[k], 10, 64); err == nil {
			p[k] = humanSize(lang, n)
		}
	}
	// A size we stopped reading at is a lower bound.
	if p["size_known"] == "false" {
		p["size"] = locale.T(lang, "size.more_than", map[string]string{"size": p["size"]})
	}
	fe.Params = p
	return fe
}

// humanSize writes n bytes in binary units, the French way in French
// (10,5 Mio) and the English way otherwise (10.5 MiB).
func humanSize(lang string, n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB"}
	if lang == locale.FR {
		units = []string{"o", "Kio", "Mio", "Gio"}
	}
	v, i := float64(n), 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if lang == locale.FR {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + units[i]
}
