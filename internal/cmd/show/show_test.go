package show

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/support"
)

func ticket() *support.Ticket {
	at := cmdtest.Clock
	return &support.Ticket{
		TicketSummary: support.TicketSummary{
			Number: support.Number{Prefix: "CG42N1", Seq: 1042},
			TicketInput: support.TicketInput{
				Reporter:      support.Reporter{Name: "Claire Martin", Function: support.ChefEtablissement, Phone: "+33639981234", Email: "claire.martin@ac-lyon.fr"},
				Establishment: support.Establishment{UAI: "0421234N", Name: "Collège du Pilat", City: "Bourg-Argental"},
				Subject:       "ENT inaccessible depuis ce matin",
				Population:    []support.Population{"enseignants", "eleves", "vie_scolaire"},
				Description:   "Depuis 8 h, la page de connexion affiche une erreur 502.\nAucun compte ne fonctionne.",
				Location:      "https://dupilat.cybercolleges42.fr/",
				Priority:      support.Bloquante,
			},
			Status: support.StatusOpen, CreatedAt: at, UpdatedAt: at.Add(95 * time.Minute), Assignee: "agathe@support.example.fr",
		},
		Attachments: []support.Attachment{{ID: 7, Name: "capture.png", ContentType: "image/png", Size: 184320,
			SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", CreatedAt: at}},
		History: []support.HistoryEntry{
			{At: at, Actor: "Claire Martin <claire.martin@ac-lyon.fr>", To: support.StatusNew},
			{At: at.Add(95 * time.Minute), Actor: "Agathe Agent <agathe@support.example.fr>", Field: support.FieldAssignee, To: "agathe@support.example.fr"},
			{At: at.Add(95 * time.Minute), Actor: "Agathe Agent <agathe@support.example.fr>", From: support.StatusNew, To: support.StatusOpen, Message: "Pris en charge."},
			{At: at.Add(95 * time.Minute), Actor: "Agathe Agent <agathe@support.example.fr>", Field: support.FieldPriority, From: "majeure", To: "bloquante", Message: "Tout l'établissement est touché."},
		},
		Comments: []support.Comment{{ID: 1, Author: "Agathe Agent", Role: support.RoleAgent, Body: "Nous regardons.\nMerci de patienter.",
			CreatedAt: at.Add(96 * time.Minute)}},
	}
}

// The view people read, in both languages, against golden files.
func TestWriteGolden(t *testing.T) {
	for _, lang := range []string{"fr", "en"} {
		var b bytes.Buffer
		if err := Write(&b, lang, cmdtest.Paris, nil, ticket()); err != nil {
			t.Fatal(err)
		}
		cmdtest.Golden(t, "show."+lang+".golden", b.String())
	}
}

// Options → behaviour.
func TestShowRun(t *testing.T) {
	tests := []struct {
		number  string
		json    bool
		wantErr string
		want    string
	}{
		{number: "CG42N1-1042", want: "CG42N1-1042 — ENT inaccessible depuis ce matin\n"},
		{number: "cg42n1-1042", want: "CG42N1-1042 — "},
		{number: "1042", want: "CG42N1-1042 — "},
		{number: "1042", json: true, want: `"number": "CG42N1-1042"`},
		{number: "99", wantErr: support.ENOTFOUND},
		{number: "douze", wantErr: support.EINVALID},
	}
	for _, tt := range tests {
		fake := cmdtest.NewTickets()
		fake.Tickets = []*support.Ticket{ticket()}
		f, _, out, _ := cmdtest.Factory(t, fake)
		err := showRun(&ShowOptions{IO: f.IOStreams, Lang: f.Lang, Location: f.Location, Tickets: f.Tickets, Number: tt.number, JSON: tt.json})
		if support.ErrorCode(err) != tt.wantErr {
			t.Errorf("%s: error %v, want %q", tt.number, err, tt.wantErr)
			continue
		}
		if !bytes.Contains(out.Bytes(), []byte(tt.want)) {
			t.Errorf("%s: stdout %q, want %q", tt.number, out, tt.want)
		}
	}
}

// --web opens the ticket's page and prints nothing; the text view and
// --json carry the page; with no page (embedded server, or a back end
// that gives none) nothing is opened and exit is 1.
func TestShowWeb(t *testing.T) {
	const url = "https://support.example.fr/t/CG42N1-1042.abc.def"
	tests := []struct {
		name      string
		url       string
		embedded  bool
		web, json bool
		wantOpen  string
		wantOut   string
		wantErr   bool
	}{
		{name: "text", url: url, wantOut: "Page web"},
		{name: "json", url: url, json: true, wantOut: `"url": "` + url + `"`},
		{name: "web", url: url, web: true, wantOpen: url},
		{name: "no page", web: true, wantErr: true},
		{name: "embedded", url: url, embedded: true, web: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := ticket()
			tk.URL = tt.url
			fake := cmdtest.NewTickets()
			fake.Tickets = []*support.Ticket{tk}
			f, _, out, _ := cmdtest.Factory(t, fake)
			var opened []string
			err := showRun(&ShowOptions{IO: f.IOStreams, Lang: "fr", Tickets: f.Tickets, Number: "1042", JSON: tt.json, Web: tt.web,
				Embedded: func() bool { return tt.embedded },
				Browse:   func(_ context.Context, u string) error { opened = append(opened, u); return nil }})
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v", err)
			}
			if got := strings.Join(opened, " "); got != tt.wantOpen {
				t.Errorf("opened %q, want %q", got, tt.wantOpen)
			}
			if tt.web && out.Len() != 0 {
				t.Errorf("--web wrote on stdout: %q", out)
			}
			if !strings.Contains(out.String(), tt.wantOut) || (tt.wantOut != "" && !strings.Contains(out.String(), url)) {
				t.Errorf("stdout %q, want %q and the page", out, tt.wantOut)
			}
		})
	}
}
