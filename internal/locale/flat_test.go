package locale

import (
	"encoding/json"
	"io/fs"
	"maps"
	"testing"
)

// The catalogs' own reader must read every file as encoding/json does.
func TestParseFlatReadsAsEncodingJSON(t *testing.T) {
	err := fs.WalkDir(files, "catalog", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		var want map[string]string
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := map[string]string{}
		if err := parseFlat(b, func(k, v string) error { got[k] = v; return nil }); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: parseFlat and encoding/json disagree", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestParseFlat(t *testing.T) {
	good := map[string]map[string]string{
		`{}`:                             {},
		` { "a" : "b" } `:                {"a": "b"},
		`{"a":"x\"y\u00e9\n","b\\c":""}`: {"a": "x\"yé\n", "b\\c": ""},
	}
	for in, want := range good {
		got := map[string]string{}
		if err := parseFlat([]byte(in), func(k, v string) error { got[k] = v; return nil }); err != nil || !maps.Equal(got, want) {
			t.Errorf("%s: got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{``, `[]`, `{"a":1}`, `{"a":"b",}`, `{"a":"b"`, `{"a" "b"}`, `{"a":"b"} x`, "{\"a\":\"\n\"}", `{"a":{"b":"c"}}`, `{"a":"\x"}`} {
		if err := parseFlat([]byte(in), func(k, v string) error { return nil }); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func BenchmarkLoadCatalog(b *testing.B) {
	for b.Loop() {
		if l := load(FR); l.err != nil {
			b.Fatal(l.err)
		}
	}
}
