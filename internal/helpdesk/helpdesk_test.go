package helpdesk

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/support"
)

func ticketIn(t *testing.T) support.TicketInput {
	t.Helper()
	in, errs := support.TicketInput{
		Reporter:      support.Reporter{Name: "Marie Curie", Function: "correspondant_ent", Phone: "06 39 98 12 34", Email: "m.curie@ac-lyon.fr"},
		Establishment: support.Establishment{UAI: "0421234N", Name: "Collège Jean Moulin", City: "Saint-Étienne"},
		Subject:       "Le cahier de textes reste vide",
		Population:    []support.Population{"eleves", "enseignants"},
		Description:   "Depuis ce matin la page reste blanche.\nPour tous les 5e.",
		Location:      "Accueil > Vie scolaire > Cahier de textes",
		Priority:      "majeure",
	}.Normalize()
	if len(errs) > 0 {
		t.Fatalf("Normalize: %v", errs)
	}
	return in
}

func TestNamesFor(t *testing.T) {
	n := NamesFor(FieldKeys, map[string]string{"phone": "Tél.", "city": "  "})
	if n[FieldPhone] != "Tél." || n[FieldCity] != "Commune" || n[FieldPriority] != "Priorité ENT" {
		t.Errorf("NamesFor = %v", n)
	}
	red := NamesFor(FieldKeys[:6], nil)
	if _, ok := red[FieldPriority]; ok || len(red.Keys()) != 6 {
		t.Errorf("without priority: %v", red)
	}
	if got := UnknownFieldKeys(map[string]string{"phone": "x", "fonction": "y"}); !slices.Equal(got, []string{"fonction"}) {
		t.Errorf("UnknownFieldKeys = %v", got)
	}
}

func TestValuesDecodeRoundTrip(t *testing.T) {
	in := ticketIn(t)
	v := Values(in)
	if v[FieldFunction][0] != "Correspondant ENT" || v[FieldEstablishment][0] != "Collège Jean Moulin (0421234N)" ||
		!slices.Equal(v[FieldPopulation], []string{"Élèves", "Enseignants"}) {
		t.Errorf("Values = %v", v)
	}
	for _, k := range []string{FieldFunction, FieldPopulation, FieldPriority} {
		for _, val := range v[k] {
			if !slices.Contains(Allowed(k), val) {
				t.Errorf("%s value %q not in Allowed %v", k, val, Allowed(k))
			}
		}
	}
	var got support.TicketInput
	got.Subject, got.Description = in.Subject, in.Description
	Decode(v, &got)
	if d := Dropped(in, got, NamesFor(FieldKeys, nil)); len(d) > 0 {
		t.Errorf("round trip dropped %v", d)
	}
	// A bare UAI, and no name.
	Decode(map[string][]string{FieldEstablishment: {"0421234n"}}, &got)
	if got.Establishment.UAI != "0421234N" || got.Establishment.Name != "" {
		t.Errorf("bare UAI: %+v", got.Establishment)
	}
}

func TestDropped(t *testing.T) {
	in := ticketIn(t)
	got := in
	got.Reporter.Function = ""                      // unknown field: not stored
	got.Population = []support.Population{"eleves"} // one value refused
	got.Priority = ""                               // stored as 0
	names := NamesFor(FieldKeys, nil)
	if d := Dropped(in, got, names); !slices.Equal(d, []string{FieldFunction, FieldPopulation, FieldPriority}) {
		t.Errorf("Dropped = %v", d)
	}
	// Redmine has no priority field: not compared.
	if d := Dropped(in, got, NamesFor(FieldKeys[:6], nil)); !slices.Equal(d, []string{FieldFunction, FieldPopulation}) {
		t.Errorf("Dropped without priority = %v", d)
	}
	got = in
	got.Subject = ""
	if d := Dropped(in, got, names); !slices.Equal(d, []string{"subject"}) {
		t.Errorf("empty subject: %v", d)
	}
}

func TestBody(t *testing.T) {
	in := ticketIn(t)
	b := Body(in, "0123abcd")
	desc, name, email, key := ParseBody(b)
	if desc != in.Description || name != "Marie Curie" || email != "m.curie@ac-lyon.fr" || key != "0123abcd" {
		t.Errorf("ParseBody = %q %q %q %q", desc, name, email, key)
	}
	desc, _, _, key = ParseBody(replaceNL(b))
	if desc != in.Description || key != "0123abcd" {
		t.Errorf("CRLF: %q %q", desc, key)
	}
	// Someone else's text is all description, even with a signature.
	other := "Bonjour\n\n-- \nAgent Smith"
	if desc, name, _, key := ParseBody(other); desc != other || name != "" || key != "" {
		t.Errorf("foreign body: %q %q %q", desc, name, key)
	}
}

func replaceNL(s string) string {
	out := ""
	for _, r := range s {
		if r == '\n' {
			out += "\r\n"
		} else {
			out += string(r)
		}
	}
	return out
}

func TestNumbers(t *testing.T) {
	m := Numbers{Prefix: "CG42N1"}
	if n := m.Number(1042); n.String() != "CG42N1-1042" {
		t.Errorf("Number = %v", n)
	}
	for _, s := range []string{"CG42N1-1042", "cg42n1-1042", "#1042", "1042"} {
		n, fe := support.ParseNumber(s)
		if fe != nil {
			t.Fatal(fe)
		}
		if id, err := m.ID(n); err != nil || id != 1042 {
			t.Errorf("ID(%s) = %d, %v", s, id, err)
		}
	}
	if _, err := m.ID(support.Number{Prefix: "OTHER", Seq: 1}); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("another prefix: %v", err)
	}
}

func TestStory(t *testing.T) {
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	events := []support.Event{
		{ID: 1, Kind: support.EventCreated, To: "nouveau", Actor: "a", At: at},
		{ID: 5, Kind: support.EventComment, Message: "info", CommentID: 5, Role: support.RoleReporter},
		{ID: 7, Kind: support.EventStatus, From: "nouveau", To: "en_cours"},
		{ID: 9, Kind: support.EventPriority, From: "mineure", To: "majeure"},
	}
	h, c := Story(events)
	if len(h)+len(c) != len(events) {
		t.Fatalf("%d history + %d comments for %d events", len(h), len(c), len(events))
	}
	want := []support.HistoryEntry{{At: at, Actor: "a", To: "nouveau"}, {From: "nouveau", To: "en_cours"},
		{Field: "priority", From: "mineure", To: "majeure"}}
	if d := cmp.Diff(want, h); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
	if c[0].ID != 5 || c[0].Body != "info" {
		t.Errorf("comments = %+v", c)
	}
}

// TestPollerReportsEachEventOnce: events re-read on each poll come out
// once, in order; a transient error is waited out, longer with the
// server's Retry-After; a final error ends the follow.
func TestPollerReportsEachEventOnce(t *testing.T) {
	reads := [][]support.Event{
		{{ID: 1}, {ID: 3}},
		nil, // the read failed: 503 with Retry-After: 42
		{{ID: 1}, {ID: 3}, {ID: 4}},
		{{ID: 1}, {ID: 3}, {ID: 4}, {ID: 8}},
	}
	i := 0
	var waits []time.Duration
	p := &Poller{Interval: time.Second,
		Events: func(ctx context.Context, n support.Number, after int64) ([]support.Event, error) {
			defer func() { i++ }()
			if i >= len(reads) {
				return nil, support.Errorf(support.EFORBIDDEN, "x", nil)
			}
			if reads[i] == nil {
				e := support.Errorf(support.EUNAVAILABLE, "error.unreachable", nil)
				e.RetryAfter = 42
				return nil, e
			}
			return reads[i], nil
		},
		Sleep: func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil },
	}
	var got []int64
	err := p.Follow(context.Background(), support.Number{Seq: 1}, 1, func(e support.Event) error {
		got = append(got, e.ID)
		return nil
	})
	if support.ErrorCode(err) != support.EFORBIDDEN {
		t.Errorf("Follow ended with %v, want the forbidden error", err)
	}
	if !slices.Equal(got, []int64{3, 4, 8}) {
		t.Errorf("events = %v, want 3 4 8 once each (1 was before afterID)", got)
	}
	if len(waits) != 4 {
		t.Fatalf("waits = %v", waits)
	}
	if waits[0] < 800*time.Millisecond || waits[0] > 1200*time.Millisecond {
		t.Errorf("first wait %v: want the interval ±20%%", waits[0])
	}
	if waits[1] < 42*time.Second*4/5 {
		t.Errorf("wait after Retry-After 42: %v", waits[1])
	}
}

func TestPollerStopsWhenFnFails(t *testing.T) {
	stop := errors.New("stop")
	p := &Poller{Events: func(context.Context, support.Number, int64) ([]support.Event, error) {
		return []support.Event{{ID: 1}, {ID: 2}}, nil
	}}
	n := 0
	err := p.Follow(context.Background(), support.Number{Seq: 1}, 0, func(support.Event) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("Follow = %v after %d events", err, n)
	}
}

// TestOnce: a key never sent is created without a search; a transient
// failure is retried only after a search, which finds the ticket the lost
// answer had made; a key sent by an earlier process is searched first.
func TestOnce(t *testing.T) {
	j := &Journal{Dir: t.TempDir()}
	var calls []string
	made := int64(0)
	o := &Once{Journal: j,
		Find: func(ctx context.Context, marker string) (int64, bool, error) {
			calls = append(calls, "find "+marker)
			return made, made != 0, nil
		},
		Create: func(ctx context.Context) (int64, error) {
			calls = append(calls, "create")
			made = 42 // made, but the answer is lost
			return 0, Unreachable("rt", 0)
		},
		Sleep: func(context.Context, time.Duration) error { return nil },
	}
	id, replayed, err := o.Do(context.Background(), "k1")
	if err != nil || id != 42 || !replayed {
		t.Fatalf("Do = %d %v %v", id, replayed, err)
	}
	if want := []string{"create", "find ent-support-k1"}; !slices.Equal(calls, want) {
		t.Errorf("calls = %v, want %v", calls, want)
	}
	// A new process (new Once, same journal) resending k1 searches first.
	calls = nil
	o.Create = func(context.Context) (int64, error) { calls = append(calls, "create"); return 99, nil }
	if id, replayed, _ := o.Do(context.Background(), "k1"); id != 42 || !replayed || len(calls) != 1 {
		t.Errorf("resend: %d %v %v", id, replayed, calls)
	}
	// A fresh key: no search.
	calls = nil
	if id, replayed, _ := o.Do(context.Background(), "k2"); id != 99 || replayed || !slices.Equal(calls, []string{"create"}) {
		t.Errorf("fresh key: %d %v %v", id, replayed, calls)
	}
	if !j.Sent("k2") || j.Sent("k3") {
		t.Error("journal did not record k2, or recorded k3")
	}
	// Without a journal, every create searches first.
	calls = nil
	o.Journal = nil
	made = 0
	o.Do(context.Background(), "k4")
	if !slices.Equal(calls, []string{"find ent-support-k4", "create"}) {
		t.Errorf("no journal: %v", calls)
	}
}
