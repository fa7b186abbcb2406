package create

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/support"
)

func TestDecodeInput(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   fileInput
		fields []string // fields of the errors, in order
		keys   []string // the "key" param of unknown_key errors
	}{
		{name: "YAML keeps a leading zero", in: "reporter: {phone: 0639981234}\n",
			want: fileInput{Input: support.TicketInput{Reporter: support.Reporter{Phone: "0639981234"}}}},
		{name: "JSON with tabs", in: "{\n\t\"subject\": \"Sujet\",\n\t\"priority\": \"mineure\"\n}",
			want: fileInput{Input: support.TicketInput{Subject: "Sujet", Priority: "mineure"}}},
		{name: "population as a comma list", in: "population: eleves, parents\n",
			want: fileInput{Input: support.TicketInput{Population: []support.Population{"eleves", "parents"}}}},
		{name: "population as a list, attachments", in: "population: [tous]\nattachments: [a.png, b.pdf]\n",
			want: fileInput{Input: support.TicketInput{Population: []support.Population{"tous"}}, Attachments: []string{"a.png", "b.pdf"}}},
		{name: "null values are absent", in: "subject: ~\nreporter: null\n", want: fileInput{}},
		{name: "a BOM is skipped", in: "\xef\xbb\xbfsubject: S\n", want: fileInput{Input: support.TicketInput{Subject: "S"}}},
		{name: "unknown keys, nested and top-level", in: "reporter: {nmae: x}\nurgence: oui\n",
			fields: []string{"from_file", "from_file"}, keys: []string{"reporter.nmae", "urgence"}},
		{name: "wrong shapes", in: `{"subject": ["a"], "reporter": "Claire", "population": [{"a": 1}]}`,
			fields: []string{"population", "reporter", "subject"}},
		{name: "not an object", in: "- a\n- b\n", fields: []string{"from_file"}},
		{name: "empty", in: " \n", fields: []string{"from_file"}},
		{name: "broken YAML", in: "a: [b\n", fields: []string{"from_file"}},
		{name: "two JSON documents", in: `{"subject": "a"} {"subject": "b"}`, fields: []string{"from_file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := decodeInput("fr", []byte(tt.in))
			var fields, keys []string
			for _, e := range errs {
				fields = append(fields, e.Field)
				if e.Rule == support.RuleUnknownKey {
					keys = append(keys, e.Params["key"])
				}
			}
			if diff := cmp.Diff(tt.fields, fields); diff != "" {
				t.Errorf("error fields (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.keys, keys); diff != "" {
				t.Errorf("unknown keys (-want +got):\n%s", diff)
			}
			if len(tt.fields) == 0 {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("input (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// FuzzDecodeInput: any bytes give a ticket or field errors with a known
// rule, never a panic (alias bombs included).
func FuzzDecodeInput(f *testing.F) {
	f.Add([]byte(validYAML))
	f.Add([]byte(`{"reporter": {"name": "x"}, "population": ["a", 1, null]}`))
	f.Add([]byte("a: &a [*a, *a]\nb: *a\n"))
	f.Add([]byte("reporter: {nmae: x}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, errs := decodeInput("fr", data)
		for _, e := range errs {
			if e.Rule != support.RuleSyntax && e.Rule != support.RuleUnknownKey {
				t.Fatalf("unexpected rule %q", e.Rule)
			}
		}
	})
}
