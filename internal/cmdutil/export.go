package cmdutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/iostreams"
)

// Export is what --jq and --template ask of a command's JSON output. Its
// zero value writes the JSON as it is, so a command's options work with
// or without it.
//
// Both flags imply --json: the data they work on is the command's JSON
// output, never its text layout. The expression or template is compiled
// when the flag is read, before the command does anything: a typo never
// leaves a ticket half-filed.
type Export struct {
	JQ, Template string

	code *gojq.Code
	tmpl *template.Template
	fns  *templateFuncs
	ios  *iostreams.IOStreams
}

// Equal compares what was asked, not how it was compiled.
func (e Export) Equal(o Export) bool { return e.JQ == o.JQ && e.Template == o.Template }

// AddJSONFlags adds --json (described by the catalog key jsonKey, bound
// to json), --jq and --template to a command: either of the last two
// sets *json too, and they exclude each other.
func AddJSONFlags(cmd *cobra.Command, f *Factory, jsonKey string, json *bool, e *Export) {
	e.ios = f.IOStreams
	cmd.Flags().BoolVar(json, "json", false, f.T(jsonKey, nil))
	e.fns = &templateFuncs{lang: f.Lang, now: f.Now, loc: f.Location, ios: f.IOStreams}
	fl := cmd.Flags()
	fl.VarP(&jqFlag{e: e, json: json}, "jq", "q", f.T("export.flag.jq", nil))
	fl.VarP(&templateFlag{e: e, json: json}, "template", "t", f.T("export.flag.template", nil))
	cmd.MarkFlagsMutuallyExclusive("jq", "template")
}

type jqFlag struct {
	e    *Export
	json *bool
}

func (v *jqFlag) String() string { return v.e.JQ }
func (v *jqFlag) Type() string   { return "string" }
func (v *jqFlag) Set(s string) error {
	q, err := gojq.Parse(s)
	if err == nil {
		v.e.code, err = gojq.Compile(q)
	}
	if err != nil {
		return &UsageError{Key: "export.jq.invalid", Params: map[string]string{"detail": err.Error()}}
	}
	v.e.JQ, *v.json = s, true
	return nil
}

type templateFlag struct {
	e    *Export
	json *bool
}

func (v *templateFlag) String() string { return v.e.Template }
func (v *templateFlag) Type() string   { return "string" }
func (v *templateFlag) Set(s string) error {
	t, err := template.New("template").Option("missingkey=zero").Funcs(v.e.fns.funcMap()).Parse(s)
	if err != nil {
		return &UsageError{Key: "export.template.invalid", Params: map[string]string{"detail": err.Error()}}
	}
	v.e.Template, v.e.tmpl, *v.json = s, t, true
	return nil
}

// Active tells whether --jq or --template was given.
func (e *Export) Active() bool { return e != nil && (e.code != nil || e.tmpl != nil) }

// Write writes v as JSON (WriteJSON), or what --jq or --template make of
// it. A failure of the expression or the template on the data is a usage
// error naming the flag (exit 2); what came out before it stays written.
func (e *Export) Write(w io.Writer, v any) error {
	if !e.Active() {
		return WriteJSON(w, v)
	}
	data, err := e.data(v)
	if err != nil {
		return err
	}
	if e.code != nil {
		return e.runJQ(w, data)
	}
	return e.fns.execute(w, e.tmpl, data)
}

// data is v as the generic JSON values that jq and templates walk:
// whole numbers as ints (exact, and comparable with a template's
// literals), and on a terminal every string sanitized, since it came
// from the network and may be printed raw.
func (e *Export) data(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		return nil, err
	}
	return normalize(out, e.ios != nil && e.ios.IsStdoutTTY()), nil
}

// normalize turns json.Numbers into ints when they are whole and fit,
// else floats (what gojq computes with), and sanitizes strings if asked.
func normalize(v any, sanitize bool) any {
	switch x := v.(type) {
	case string:
		if sanitize {
			return iostreams.Sanitize(x)
		}
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, strconv.IntSize); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = normalize(x[i], sanitize)
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if sanitize {
				k = iostreams.Sanitize(k)
			}
			out[k] = normalize(e, sanitize)
		}
		return out
	}
	return v
}

// runJQ prints each result of the expression on its own line: strings
// raw (as jq -r does), anything else as compact JSON.
func (e *Export) runJQ(w io.Writer, data any) error {
	iter := e.code.Run(data)
	var b bytes.Buffer
	for {
		r, ok := iter.Next()
		if !ok {
			break
		}
		if err, ok := r.(error); ok {
			if h, ok := err.(*gojq.HaltError); ok && h.Value() == nil {
				break
			}
			w.Write(b.Bytes())
			return &UsageError{Key: "export.jq.failed", Params: map[string]string{"detail": err.Error()}}
		}
		if s, ok := r.(string); ok {
			b.WriteString(s)
		} else {
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(r); err != nil {
				return err
			}
			b.Truncate(b.Len() - 1)
		}
		b.WriteByte('\n')
	}
	_, err := w.Write(b.Bytes())
	return err
}

// execute runs a template over data; a table left open is written at the
// end.
func (fns *templateFuncs) execute(w io.Writer, t *template.Template, data any) error {
	var b bytes.Buffer
	fns.out, fns.rows = &b, nil
	err := t.Execute(&b, data)
	if err == nil {
		fns.flushTable()
	}
	if _, werr := w.Write(b.Bytes()); werr != nil && err == nil {
		return werr
	}
	if err != nil {
		return &UsageError{Key: "export.template.failed", Params: map[string]string{"detail": templateError(err)}}
	}
	return nil
}

// templateError drops text/template's "template: template:1:2: executing
// \"template\" at <.x>:" prefix down to the position and the cause.
func templateError(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "template: ")
	msg = strings.Replace(msg, `executing "template" at `, "", 1)
	return strings.TrimPrefix(msg, "template:")
}

// timeArg reads the time of a template helper: an RFC 3339 string, as our
// JSON writes them, or a time.Time.
func timeArg(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		return time.Parse(time.RFC3339Nano, x)
	}
	return time.Time{}, fmt.Errorf("not a time: %v", v)
}
