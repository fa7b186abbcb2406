package cmdutil

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
)

// exportCmd returns a command with the three flags, as a command adds
// them, and the options they fill.
func exportCmd(t *testing.T, lang string, tty bool) (*cobra.Command, *bool, *Export) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetColorEnabled(tty)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	f := &Factory{IOStreams: ios, Lang: lang, Now: func() time.Time { return now }, Location: paris}
	var json bool
	var e Export
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	AddJSONFlags(cmd, f, "cli.list.flag.json", &json, &e)
	return cmd, &json, &e
}

func render(t *testing.T, lang string, tty bool, flag, expr string, data any) (string, error) {
	t.Helper()
	cmd, json, e := exportCmd(t, lang, tty)
	if err := cmd.Flags().Set(flag, expr); err != nil {
		t.Fatalf("--%s %q: %v", flag, expr, err)
	}
	if !*json {
		t.Errorf("--%s did not imply --json", flag)
	}
	var out bytes.Buffer
	err := e.Write(&out, data)
	return out.String(), err
}

var tickets = []map[string]any{
	{"number": "CG42N1-2", "subject": "Messagerie en panne depuis ce matin", "size": 10485760,
		"created_at": "2026-12-06T09:00:00Z", "tags": []string{"a", "b"}},
	{"number": "CG42N1-1", "subject": "Page blanche", "size": 1, "created_at": "2026-11-06T11:59:30Z"},
}

func TestTemplateHelpers(t *testing.T) {
	tests := []struct {
		name, lang string
		tty        bool
		tmpl, want string
	}{
		{"tablerow aligns, the last column unpadded", "fr", false,
			`{{range .}}{{tablerow .number .subject .size}}{{end}}`,
			"CG42N1-2  Messagerie en panne depuis ce matin  10485760\nCG42N1-1  Page blanche                         1\n"},
		{"tablerender writes the table where it is", "fr", false,
			`{{range .}}{{tablerow .number}}{{end}}{{tablerender}}fin`, "CG42N1-2\nCG42N1-1\nfin"},
		{"truncate counts characters", "fr", false, `{{truncate 10 (index . 0).subject}}`, "Messageri…"},
		{"truncate leaves a short text", "fr", false, `{{truncate 50 (index . 1).subject}}`, "Page blanche"},
		{"join", "fr", false, `{{join "+" (index . 0).tags}}`, "a+b"},
		{"pluck then join", "fr", false, `{{join ", " (pluck "number" .)}}`, "CG42N1-2, CG42N1-1"},
		{"numbers stay whole", "fr", false, `{{(index . 0).size}} {{if gt (index . 0).size 1000}}gros{{end}}`, "10485760 gros"},
		{"timeago in French", "fr", false, `{{timeago (index . 0).created_at}} / {{timeago (index . 1).created_at}}`,
			"il y a 3 heures / il y a 1 mois"},
		{"timeago in English", "en", false, `{{timeago (index . 0).created_at}} / {{timeago "2026-12-06T11:59:30Z"}}`,
			"3 hours ago / just now"},
		{"timeago singular", "en", false, `{{timeago "2026-12-05T11:00:00Z"}}`, "1 day ago"},
		{"timefmt in the user's zone", "fr", false, `{{timefmt "2006-01-02 15:04" (index . 0).created_at}}`, "2026-12-06 10:00"},
		{"hyperlink off a terminal is the URL", "fr", false, `{{hyperlink "https://x.test/t/1" "CG42N1-1"}}`, "https://x.test/t/1"},
		{"hyperlink on a terminal", "fr", true, `{{hyperlink "https://x.test/t/1" "CG42N1-1"}}`,
			"\x1b]8;;https://x.test/t/1\x1b\\CG42N1-1\x1b]8;;\x1b\\"},
		{"color always", "fr", false, `{{color "bold+red" "x"}}`, "\x1b[1;31mx\x1b[0m"},
		{"autocolor off a terminal", "fr", false, `{{autocolor "green" "x"}}`, "x"},
		{"autocolor on a terminal", "fr", true, `{{autocolor "green" "x"}}`, "\x1b[32mx\x1b[0m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render(t, tt.lang, tt.tty, "template", tt.tmpl, tickets)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestJQOutput(t *testing.T) {
	tests := []struct{ expr, want string }{
		{".[].number", "CG42N1-2\nCG42N1-1\n"},
		{".[0] | {number, size}", `{"number":"CG42N1-2","size":10485760}` + "\n"},
		{"map(.size) | add", "10485761\n"},
		{".[5]", "null\n"},
		{"empty", ""},
	}
	for _, tt := range tests {
		got, err := render(t, "fr", false, "jq", tt.expr, tickets)
		if err != nil || got != tt.want {
			t.Errorf("--jq %q: %q, %v; want %q", tt.expr, got, err, tt.want)
		}
	}
}

// On a terminal, text from the network cannot drive it, whatever the
// expression prints; through a pipe the data stays exact.
func TestExportSanitizesOnATerminal(t *testing.T) {
	data := map[string]string{"subject": "rouge\x1b[31m\u202e"}
	for _, flag := range []string{"jq", "template"} {
		expr := map[string]string{"jq": ".subject", "template": "{{.subject}}"}[flag]
		got, err := render(t, "fr", true, flag, expr, data)
		if err != nil || bytes.ContainsAny([]byte(got), "\x1b\u202e") {
			t.Errorf("--%s on a terminal: %q, %v", flag, got, err)
		}
		got, _ = render(t, "fr", false, flag, expr, data)
		if got != "rouge\x1b[31m\u202e"+map[string]string{"jq": "\n", "template": ""}[flag] {
			t.Errorf("--%s through a pipe: %q", flag, got)
		}
	}
}

func TestExportErrorsNameTheFlag(t *testing.T) {
	for _, tt := range []struct{ flag, expr, key string }{
		{"jq", ".[", "export.jq.invalid"},
		{"template", "{{.x", "export.template.invalid"},
		{"template", `{{nosuchfunc .}}`, "export.template.invalid"},
	} {
		cmd, json, _ := exportCmd(t, "fr", false)
		err := cmd.Flags().Set(tt.flag, tt.expr)
		var ue *UsageError
		if !errors.As(err, &ue) || ue.Key != tt.key {
			t.Errorf("--%s %q: %v, want the usage error %s", tt.flag, tt.expr, err, tt.key)
		}
		if *json {
			t.Errorf("--%s %q refused, yet --json was set", tt.flag, tt.expr)
		}
	}
	for _, tt := range []struct{ flag, expr, key string }{
		{"jq", ".[0].number | .x", "export.jq.failed"},
		{"template", `{{truncate 0 "x"}}`, "export.template.failed"},
		{"template", `{{color "fuchsia" "x"}}`, "export.template.failed"},
		{"template", `{{timeago "hier"}}`, "export.template.failed"},
	} {
		_, err := render(t, "fr", false, tt.flag, tt.expr, tickets)
		var ue *UsageError
		if !errors.As(err, &ue) || ue.Key != tt.key {
			t.Errorf("--%s %q: %v, want the usage error %s", tt.flag, tt.expr, err, tt.key)
			continue
		}
		for _, lang := range []string{locale.FR, locale.EN} {
			if msg := locale.T(lang, ue.Key, ue.Params); !bytes.Contains([]byte(msg), []byte("--"+tt.flag)) {
				t.Errorf("%s: %q does not name --%s", lang, msg, tt.flag)
			}
		}
	}
}

func TestBrowserCommand(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	u := "https://support.test/t/CG42N1-1.x.y"
	for _, tt := range []struct {
		browser, goos string
		want          []string
	}{
		{"firefox --new-tab", "linux", []string{"firefox", "--new-tab", u}},
		{"", "linux", []string{"xdg-open", u}},
		{"", "darwin", []string{"open", u}},
		{"", "windows", []string{"rundll32", "url.dll,FileProtocolHandler", u}},
	} {
		got := BrowserCommand(env(map[string]string{"BROWSER": tt.browser}), tt.goos, u)
		if len(got) != len(tt.want) {
			t.Errorf("%q on %s: %q, want %q", tt.browser, tt.goos, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%q on %s: %q, want %q", tt.browser, tt.goos, got, tt.want)
				break
			}
		}
	}
}
