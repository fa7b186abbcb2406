package entcmd

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// TestNetworkTextNeverReachesTheTerminalRaw: a server (ours compromised,
// a proxy, or a helpdesk that stores anything) answers with escape
// sequences and bidi overrides in a comment, a subject, an author and an
// error: `show`, `list` and the error message print them made visible,
// with no raw ESC, BEL, C1 or bidi control; `show --json` stays exact.
func TestNetworkTextNeverReachesTheTerminalRaw(t *testing.T) {
	const evil = "\x1b]0;pwned\x07\x1b[2J"
	at := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	tk := support.Ticket{TicketSummary: support.TicketSummary{
		Number: support.Number{Prefix: "CG42N1", Seq: 1},
		TicketInput: support.TicketInput{
			Reporter:      support.Reporter{Name: "Claire Martin", Function: "chef_etablissement", Phone: "+33639981234", Email: "claire.martin@ac-lyon.fr"},
			Establishment: support.Establishment{UAI: "0421234N", Name: "Collège du Pilat", City: "Bourg-Argental"},
			Subject:       "Messagerie " + evil, Population: []support.Population{"tous"},
			Description: "Ligne 1\nLigne 2", Location: "Accueil > Messagerie", Priority: "majeure",
		},
		Status: "nouveau", CreatedAt: at, UpdatedAt: at,
	}, Comments: []support.Comment{{ID: 1, Author: "agent\u202Efdp.exe", Role: "agent",
		Body: "Bonjour " + evil + " texte \u202Einversé\u2066\nseconde ligne \u009b31m", CreatedAt: at}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/v1/tickets":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"tickets": []support.TicketSummary{tk.TicketSummary}})
		case r.URL.Path == "/api/v1/tickets/1":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(tk)
		default:
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusTeapot)
			json.NewEncoder(w).Encode(map[string]any{"title": "Refus " + evil, "detail": "Refus " + evil + "\u202E", "status": 418})
		}
	}))
	defer srv.Close()
	c := newClient(t, srv.URL)
	raw := func(name, s string) {
		t.Helper()
		if i := strings.IndexFunc(s, func(r rune) bool {
			return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) ||
				(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
		}); i >= 0 {
			t.Errorf("%s: raw control %q at %d in %q", name, s[i:i+1], i, s)
		}
	}

	code, out, errs := c.run("show", "1")
	if code != 0 {
		t.Fatalf("show: exit %d: %s", code, errs)
	}
	raw("show stdout", out)
	raw("show stderr", errs)
	for _, want := range []string{"Messagerie ␛]0;pwned␇␛[2J", "agent<U+202E>fdp.exe", "Bonjour ␛]0;pwned␇␛[2J texte <U+202E>inversé<U+2066>", "seconde ligne <U+009B>31m"} {
		if !strings.Contains(out, want) {
			t.Errorf("show: %q not shown in\n%s", want, out)
		}
	}

	code, out, errs = c.run("list")
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, errs)
	}
	raw("list stdout", out)
	if !strings.Contains(out, "Messagerie ␛]0;pwned␇␛[2J") {
		t.Errorf("list: %s", out)
	}

	code, out, errs = c.run("show", "2")
	if code == 0 {
		t.Fatalf("show 2: exit 0")
	}
	raw("error stderr", errs)
	raw("error stdout", out)

	// JSON is exact: the same text, escaped by JSON itself.
	code, out, _ = c.run("show", "1", "--json")
	var back support.Ticket
	if code != 0 || json.Unmarshal([]byte(out), &back) != nil || back.Comments[0].Body != tk.Comments[0].Body {
		t.Fatalf("show --json changed the text: exit %d, %q", code, out)
	}

	// --jq and --template print strings raw: on a terminal they are
	// shown, never obeyed; through a pipe they stay exact.
	c.env = append(c.env, "ENT_SUPPORT_FORCE_TTY=1")
	for _, args := range [][]string{{"show", "1", "--jq", ".comments[0].body"},
		{"show", "1", "--template", "{{.subject}} {{(index .comments 0).author}}"}, {"list", "--jq", ".[].subject"}} {
		code, out, errs = c.run(args...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errs)
		}
		raw(strings.Join(args, " "), out)
		if !strings.Contains(out, "␛]0;pwned␇␛[2J") {
			t.Errorf("%q: %q", args, out)
		}
	}
	c.env = c.env[:len(c.env)-1]
	if code, out, _ = c.run("show", "1", "--jq", ".subject"); code != 0 || out != tk.Subject+"\n" {
		t.Errorf("show --jq through a pipe changed the text: exit %d, %q", code, out)
	}
}
