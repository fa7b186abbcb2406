package cmdutil

import (
	"encoding/json"
	"io"
	"strings"
	"unicode/utf8"
)

// WriteJSON writes v indented, with a final newline, without escaping
// <, > and & (people read it, and jq does not care).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Truncate cuts s to max characters, ending with "…" when cut.
func Truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// OneLine replaces tabs and line breaks so that a value cannot break a
// tab-separated line.
func OneLine(s string) string {
	return strings.NewReplacer("\t", " ", "\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}
