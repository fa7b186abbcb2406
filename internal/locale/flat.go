package locale

import (
	"encoding/json"
	"errors"
	"unsafe"
)

var errNotFlat = errors.New("not a flat object of strings")

// parseFlat reads one catalog file, a flat JSON object of strings, into m
// and returns its keys in order. It is encoding/json's work for the one
// shape catalogs have, several times faster: the strings without escapes
// share the file's bytes instead of each being copied. Anything else (a
// nested value, a syntax error) is left to encoding/json, whose error
// says where.
func parseFlat(b []byte, add func(k, v string) error) error {
	s := unsafe.String(unsafe.SliceData(b), len(b)) // b is ours and never written again
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return errNotFlat
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return nil
	}
	for {
		k, j, err := str(s, i)
		if err != nil {
			return err
		}
		j = skipSpace(s, j)
		if j >= len(s) || s[j] != ':' {
			return errNotFlat
		}
		v, j, err := str(s, skipSpace(s, j+1))
		if err != nil {
			return err
		}
		if err := add(k, v); err != nil {
			return err
		}
		j = skipSpace(s, j)
		if j >= len(s) {
			return errNotFlat
		}
		switch s[j] {
		case ',':
			i = skipSpace(s, j+1)
		case '}':
			if skipSpace(s, j+1) != len(s) {
				return errNotFlat
			}
			return nil
		default:
			return errNotFlat
		}
	}
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
		i++
	}
	return i
}

// str reads the JSON string at s[i:] and returns it and the index after it.
func str(s string, i int) (string, int, error) {
	if i >= len(s) || s[i] != '"' {
		return "", i, errNotFlat
	}
	escaped := false
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '\\':
			escaped = true
			j++
		case c < 0x20:
			return "", j, errNotFlat
		case c == '"':
			if !escaped {
				return s[i+1 : j], j + 1, nil
			}
			var v string
			if err := json.Unmarshal([]byte(s[i:j+1]), &v); err != nil {
				return "", j, err
			}
			return v, j + 1, nil
		}
	}
	return "", len(s), errNotFlat
}
