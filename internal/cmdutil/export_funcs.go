package cmdutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
)

// templateFuncs are the helpers a --template can call, besides
// text/template's own: the habits of gh's templates, in our languages.
//
//	tablerow FIELD...     a row of an aligned table (written at tablerender or at the end)
//	tablerender           writes the table now
//	truncate N TEXT       TEXT cut to N characters, ending with "…"
//	join SEP LIST         the items of LIST joined by SEP
//	pluck FIELD LIST      the FIELD of each object of LIST
//	timeago TIME          "il y a 3 heures" / "3 hours ago"
//	timefmt LAYOUT TIME   TIME in the user's time zone, in Go's layout (2006-01-02 15:04)
//	hyperlink URL TEXT    a terminal hyperlink on a terminal, else the URL alone
//	color STYLE TEXT      TEXT in STYLE ("red", "bold+green"...), always
//	autocolor STYLE TEXT  the same, only where colour is on (a terminal, no NO_COLOR)
type templateFuncs struct {
	lang string
	now  func() time.Time
	loc  *time.Location
	ios  *iostreams.IOStreams

	out  *bytes.Buffer
	rows [][]string
}

func (fns *templateFuncs) funcMap() template.FuncMap {
	return template.FuncMap{
		"tablerow":    fns.tableRow,
		"tablerender": fns.tableRender,
		"truncate":    truncateFunc,
		"join":        joinFunc,
		"pluck":       pluckFunc,
		"timeago":     fns.timeAgo,
		"timefmt":     fns.timeFmt,
		"hyperlink":   fns.hyperlink,
		"color":       colorFunc,
		"autocolor":   fns.autoColor,
	}
}

func (fns *templateFuncs) tableRow(fields ...any) string {
	row := make([]string, len(fields))
	for i, f := range fields {
		row[i] = OneLine(text(f))
	}
	fns.rows = append(fns.rows, row)
	return ""
}

func (fns *templateFuncs) tableRender() string {
	fns.flushTable()
	return ""
}

// flushTable writes the rows gathered so far, aligned; the last column
// is not padded.
func (fns *templateFuncs) flushTable() {
	if len(fns.rows) == 0 || fns.out == nil {
		return
	}
	tw := tabwriter.NewWriter(fns.out, 0, 0, 2, ' ', 0)
	for _, r := range fns.rows {
		io.WriteString(tw, strings.Join(r, "\t")+"\n")
	}
	tw.Flush()
	fns.rows = nil
}

// text is a template value as people read it: numbers as written in the
// JSON, nothing for null.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}

func intArg(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case json.Number:
		i, err := x.Int64()
		return int(i), err
	case string:
		return strconv.Atoi(x)
	}
	return 0, fmt.Errorf("not a whole number: %v", v)
}

func truncateFunc(n any, s any) (string, error) {
	max, err := intArg(n)
	if err != nil || max < 1 {
		return "", fmt.Errorf("truncate: the length must be a whole number above 0, not %v", n)
	}
	return Truncate(text(s), max), nil
}

func joinFunc(sep string, list any) (string, error) {
	items, ok := list.([]any)
	if !ok && list != nil {
		return "", fmt.Errorf("join: not a list: %v", list)
	}
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = text(it)
	}
	return strings.Join(parts, sep), nil
}

func pluckFunc(field string, list any) ([]any, error) {
	items, ok := list.([]any)
	if !ok && list != nil {
		return nil, fmt.Errorf("pluck: not a list: %v", list)
	}
	out := make([]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m[field])
		}
	}
	return out, nil
}

// agoUnits are the steps of timeago, largest first.
var agoUnits = []struct {
	key string
	d   time.Duration
}{
	{"year", 365 * 24 * time.Hour}, {"month", 30 * 24 * time.Hour}, {"day", 24 * time.Hour},
	{"hour", time.Hour}, {"minute", time.Minute},
}

func (fns *templateFuncs) timeAgo(v any) (string, error) {
	t, err := timeArg(v)
	if err != nil {
		return "", fmt.Errorf("timeago: %w", err)
	}
	now := time.Now
	if fns.now != nil {
		now = fns.now
	}
	d := now().Sub(t)
	for _, u := range agoUnits {
		if n := int(d / u.d); n >= 1 {
			form := ".other"
			if n == 1 {
				form = ".one"
			}
			return locale.T(fns.lang, "export.ago."+u.key+form, map[string]string{"n": strconv.Itoa(n)}), nil
		}
	}
	return locale.T(fns.lang, "export.ago.now", nil), nil
}

func (fns *templateFuncs) timeFmt(layout string, v any) (string, error) {
	t, err := timeArg(v)
	if err != nil {
		return "", fmt.Errorf("timefmt: %w", err)
	}
	if fns.loc != nil {
		t = t.In(fns.loc)
	}
	return t.Format(layout), nil
}

func (fns *templateFuncs) hyperlink(url, label string) string {
	if fns.ios == nil || !fns.ios.IsStdoutTTY() {
		return url
	}
	if label == "" {
		label = url
	}
	return "\x1b]8;;" + url + "\x1b\\" + label + "\x1b]8;;\x1b\\"
}

var styles = map[string]string{
	"bold": "1", "b": "1", "dim": "2", "italic": "3", "underline": "4", "u": "4",
	"black": "30", "red": "31", "green": "32", "yellow": "33", "blue": "34",
	"magenta": "35", "cyan": "36", "white": "37", "gray": "90", "grey": "90",
}

func colorFunc(style, s string) (string, error) {
	var codes []string
	for _, name := range strings.FieldsFunc(style, func(r rune) bool { return r == '+' || r == ',' || r == ' ' }) {
		c, ok := styles[strings.ToLower(name)]
		if !ok {
			return "", fmt.Errorf("color: unknown style %q", name)
		}
		codes = append(codes, c)
	}
	if len(codes) == 0 {
		return s, nil
	}
	return "\x1b[" + strings.Join(codes, ";") + "m" + s + "\x1b[0m", nil
}

func (fns *templateFuncs) autoColor(style, s string) (string, error) {
	if fns.ios == nil || !fns.ios.ColorEnabled() {
		if _, err := colorFunc(style, ""); err != nil {
			return "", err
		}
		return s, nil
	}
	return colorFunc(style, s)
}
