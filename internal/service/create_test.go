package service_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/support"
)

func TestCreateTicketValid(t *testing.T) {
	f := newFixture(t, service.Config{})
	reporter := f.user(support.RoleReporter, uaiA, uaiB)

	in := validInput(uaiA)
	in.Reporter.Function = "Chef d'établissement"
	in.Establishment = support.Establishment{UAI: " 0421234n", Name: "Nom tapé à la main", City: "Ailleurs"}
	in.Population = []support.Population{"Élèves", "enseignants", "eleves"}
	in.Priority = "Majeure"

	first := f.create(reporter, in, support.CreateOptions{})
	if got, want := first.Number, (support.Number{Prefix: support.DefaultPrefix, Seq: 1}); got != want {
		t.Errorf("first number = %v, want %v", got, want)
	}
	want := support.TicketInput{
		// A reporter's name and e-mail are their account's, whatever was
		// typed; the phone is today's, as typed.
		Reporter: support.Reporter{Name: reporter.Name, Function: support.ChefEtablissement,
			Phone: "+33639981234", Email: reporter.Email},
		// The directory's name and city replace the typed ones.
		Establishment: estA,
		Subject:       in.Subject,
		Population:    []support.Population{"eleves", "enseignants"},
		Description:   in.Description,
		Location:      "Accueil > Messagerie",
		Priority:      support.Majeure,
	}
	if diff := cmp.Diff(want, first.TicketInput); diff != "" {
		t.Errorf("stored input (-want +got):\n%s", diff)
	}
	if first.Status != support.StatusNew || first.CreatedBy != reporter.ID || first.FiledBy != reporter.Mailbox() || first.Replayed {
		t.Errorf("status %q, created by %d, filed by %q, replayed %v; want nouveau, %d, %q, false",
			first.Status, first.CreatedBy, first.FiledBy, first.Replayed, reporter.ID, reporter.Mailbox())
	}
	if len(first.History) != 1 || first.History[0].To != support.StatusNew || first.History[0].From != "" {
		t.Errorf("history = %+v, want one entry to nouveau", first.History)
	}
	if len(first.Attachments) != 0 || len(first.Comments) != 0 {
		t.Errorf("attachments %v, comments %v; want none", first.Attachments, first.Comments)
	}

	// What the create answered is what a read gives back.
	got, err := f.svc.GetTicket(f.as(reporter), first.Number)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("GetTicket differs from the create's answer (-create +get):\n%s", diff)
	}

	second := f.create(reporter, validInput(uaiB), support.CreateOptions{})
	if got := second.Number.String(); got != "CG42N1-2" {
		t.Errorf("second number = %s, want CG42N1-2", got)
	}
}

func TestCreateTicketConfiguredPrefix(t *testing.T) {
	f := newFixture(t, service.Config{Prefix: "ENT69"})
	agent := f.user(support.RoleAgent)
	for _, want := range []string{"ENT69-1", "ENT69-2"} {
		if got := f.create(agent, validInput(uaiB), support.CreateOptions{}).Number.String(); got != want {
			t.Errorf("number = %s, want %s", got, want)
		}
	}
	// A bare number is read with the server's prefix.
	tk, err := f.svc.GetTicket(f.as(agent), support.Number{Seq: 2})
	if err != nil || tk.Number.String() != "ENT69-2" {
		t.Errorf("GetTicket(2) = %v, %v; want ENT69-2", tk, err)
	}
}

// An agent filing for a caller with no account types the whole identity:
// every field is checked, every problem said at once.
func TestCreateTicketEveryFieldAtOnce(t *testing.T) {
	f := newFixture(t, service.Config{})
	reporter := f.user(support.RoleAgent)
	in := support.TicketInput{
		Reporter:      support.Reporter{Name: "R2D2", Function: "professeur", Phone: "12 34", Email: "pas une adresse"},
		Establishment: support.Establishment{UAI: "0421234X"},
		Subject:       "abc",
		Population:    []support.Population{"martiens"},
		Description:   "trop court",
		Location:      "nulle part",
		Priority:      "urgentissime",
	}
	_, err := f.svc.CreateTicket(f.as(reporter), in, support.CreateOptions{
		Attachments: []support.Upload{upload("capture.png", elfBytes())}})
	wantFields(t, err,
		fieldRule{"reporter.name", support.RuleNameChars},
		fieldRule{"reporter.function", support.RuleFunction},
		fieldRule{"reporter.phone", support.RulePhone},
		fieldRule{"reporter.email", support.RuleEmail},
		fieldRule{"establishment.uai", support.RuleUAIKey},
		fieldRule{"subject", support.RuleLength},
		fieldRule{"population", support.RulePopulation},
		fieldRule{"description", support.RuleLength},
		fieldRule{"location", support.RuleLocation},
		fieldRule{"priority", support.RulePriority},
		fieldRule{"attachments", support.RuleFileType},
	)

	// An empty input: every mandatory field is required.
	_, err = f.svc.CreateTicket(f.as(reporter), support.TicketInput{}, support.CreateOptions{})
	wantFields(t, err,
		fieldRule{"reporter.name", support.RuleRequired},
		fieldRule{"reporter.function", support.RuleRequired},
		fieldRule{"reporter.phone", support.RuleRequired},
		fieldRule{"reporter.email", support.RuleRequired},
		fieldRule{"establishment.uai", support.RuleRequired},
		fieldRule{"subject", support.RuleRequired},
		fieldRule{"population", support.RuleRequired},
		fieldRule{"description", support.RuleRequired},
		fieldRule{"location", support.RuleRequired},
		fieldRule{"priority", support.RuleRequired},
	)

	_, err = f.svc.CreateTicket(context.Background(), validInput(uaiA), support.CreateOptions{})
	wantError(t, err, support.EUNAUTHENTICATED, "error.no_token")

	if got := f.list(f.admin, support.TicketFilter{}); len(got) != 0 {
		t.Errorf("tickets after refused creates: %v", got)
	}
}

func TestCreateTicketEstablishment(t *testing.T) {
	for _, c := range []struct {
		name       string
		open       bool
		est        support.Establishment
		wantFields []fieldRule
		wantEst    support.Establishment
	}{
		{"known UAI, closed directory", false, support.Establishment{UAI: uaiB}, nil, estB},
		{"known UAI, typed name replaced", true, support.Establishment{UAI: uaiB, Name: "Autre", City: "Autre"}, nil, estB},
		{"unknown UAI, closed directory", false, support.Establishment{UAI: uaiUnknown, Name: "École du Bourg", City: "Bourg"},
			[]fieldRule{{"establishment.uai", support.RuleUAIUnknown}}, support.Establishment{}},
		{"unknown UAI, open directory, name and city given", true,
			support.Establishment{UAI: uaiUnknown, Name: "  École   du Bourg ", City: "Bourg-en-Bresse"}, nil,
			support.Establishment{UAI: uaiUnknown, Name: "École du Bourg", City: "Bourg-en-Bresse"}},
		{"unknown UAI, open directory, nothing given", true, support.Establishment{UAI: uaiUnknown},
			[]fieldRule{{"establishment.name", support.RuleRequired}, {"establishment.city", support.RuleRequired}}, support.Establishment{}},
		{"unknown UAI, open directory, no city", true, support.Establishment{UAI: uaiUnknown, Name: "École du Bourg"},
			[]fieldRule{{"establishment.city", support.RuleRequired}}, support.Establishment{}},
		{"bad UAI, open directory: only the UAI is reported", true, support.Establishment{UAI: "0010001X"},
			[]fieldRule{{"establishment.uai", support.RuleUAIKey}}, support.Establishment{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, service.Config{OpenDirectory: c.open})
			agent := f.user(support.RoleAgent)
			in := validInput("")
			in.Establishment = c.est
			tk, err := f.svc.CreateTicket(f.as(agent), in, support.CreateOptions{})
			if c.wantFields != nil {
				wantFields(t, err, c.wantFields...)
				return
			}
			if err != nil {
				t.Fatalf("CreateTicket: %v (%v)", err, fieldsOf(err))
			}
			if diff := cmp.Diff(c.wantEst, tk.Establishment); diff != "" {
				t.Errorf("establishment (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreateTicketAttachments(t *testing.T) {
	limits := support.Limits{MaxFileSize: 1024, MaxTicketSize: 2500, MaxFiles: 3}
	f := newFixture(t, service.Config{Limits: limits})
	reporter := f.user(support.RoleReporter, uaiA)
	ctx := f.as(reporter)

	pic := pngBytes(t, 0)
	sum := sha256.Sum256(pic)
	log := []byte("2025-03-10 09:00:01 ERROR connexion refusée\n")
	tk, err := f.svc.CreateTicket(ctx, validInput(uaiA), support.CreateOptions{Attachments: []support.Upload{
		upload(`C:\Users\marie\Bureau\capture.png`, pic),
		upload("journal.log", log),
	}})
	if err != nil {
		t.Fatalf("CreateTicket: %v (%v)", err, fieldsOf(err))
	}
	type meta struct {
		Name, ContentType, SHA256 string
		Size                      int64
	}
	var got []meta
	for _, a := range tk.Attachments {
		got = append(got, meta{a.Name, a.ContentType, a.SHA256, a.Size})
	}
	logSum := sha256.Sum256(log)
	want := []meta{
		{"capture.png", "image/png", hex.EncodeToString(sum[:]), int64(len(pic))},
		{"journal.log", "text/plain", hex.EncodeToString(logSum[:]), int64(len(log))},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
	if tk.AttachmentCount != 2 {
		t.Errorf("AttachmentCount = %d, want 2", tk.AttachmentCount)
	}
	a, rc, err := f.svc.OpenAttachment(ctx, tk.Number, tk.Attachments[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	content, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(content, pic) || a.Name != "capture.png" {
		t.Errorf("OpenAttachment gave %q with %d bytes, want capture.png with the PNG", a.Name, len(content))
	}

	broken := support.Upload{Name: "capture.png", Open: func() (io.ReadCloser, error) {
		return nil, errors.New("permission denied")
	}}
	for _, c := range []struct {
		name  string
		files []support.Upload
		want  []fieldRule
	}{
		{"ELF renamed .png", []support.Upload{upload("capture.png", elfBytes())}, []fieldRule{{"attachments", support.RuleFileType}}},
		{"empty file", []support.Upload{upload("vide.png", nil)}, []fieldRule{{"attachments", support.RuleFileEmpty}}},
		{"file over the per-file limit", []support.Upload{upload("grande.png", pngBytes(t, 1025))}, []fieldRule{{"attachments", support.RuleFileSize}}},
		{"file at the per-file limit", []support.Upload{upload("juste.png", pngBytes(t, 1024))}, nil},
		{"more files than allowed", []support.Upload{upload("1.png", pic), upload("2.png", pic), upload("3.png", pic), upload("4.png", pic)},
			[]fieldRule{{"attachments", support.RuleFileCount}}},
		{"total over the per-ticket limit", []support.Upload{upload("1.png", pngBytes(t, 1000)), upload("2.png", pngBytes(t, 1000)), upload("3.png", pngBytes(t, 1000))},
			[]fieldRule{{"attachments", support.RuleTicketSize}}},
		{"upload that cannot be opened", []support.Upload{broken}, []fieldRule{{"attachments", support.RuleFileUnreadable}}},
		{"every bad file is reported", []support.Upload{upload("a.png", elfBytes()), upload("b.png", pic), upload("c.png", nil)},
			[]fieldRule{{"attachments", support.RuleFileType}, {"attachments", support.RuleFileEmpty}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tk, err := f.svc.CreateTicket(ctx, validInput(uaiA), support.CreateOptions{Attachments: c.files})
			if c.want == nil {
				if err != nil {
					t.Fatalf("CreateTicket: %v (%v)", err, fieldsOf(err))
				}
				if len(tk.Attachments) != len(c.files) {
					t.Errorf("attachments = %d, want %d", len(tk.Attachments), len(c.files))
				}
				return
			}
			if tk != nil {
				t.Errorf("refused create returned %v", tk.Number)
			}
			wantFields(t, err, c.want...)
		})
	}
}

func TestCreateTicketRefusedConsumesNoNumber(t *testing.T) {
	f := newFixture(t, service.Config{Limits: support.Limits{MaxFiles: 2}})
	reporter := f.user(support.RoleReporter, uaiA)
	ctx := f.as(reporter)

	bad := validInput(uaiA)
	bad.Subject = ""
	pic := pngBytes(t, 0)
	// A file whose content changes between the service's check and the
	// store's read is refused by the store, before its transaction.
	var opens int
	var mu sync.Mutex
	changing := support.Upload{Name: "capture.png", Open: func() (io.ReadCloser, error) {
		mu.Lock()
		defer mu.Unlock()
		opens++
		if opens > 1 {
			return io.NopCloser(bytes.NewReader(pngBytes(t, 500))), nil
		}
		return io.NopCloser(bytes.NewReader(pic)), nil
	}}
	refusals := []struct {
		name string
		in   support.TicketInput
		opts support.CreateOptions
	}{
		{"invalid field", bad, support.CreateOptions{}},
		{"unknown establishment", validInput(uaiUnknown), support.CreateOptions{}},
		{"bad file", validInput(uaiA), support.CreateOptions{Attachments: []support.Upload{upload("x.png", elfBytes())}}},
		{"too many files", validInput(uaiA), support.CreateOptions{Attachments: []support.Upload{upload("1.png", pic), upload("2.png", pic), upload("3.png", pic)}}},
		{"file changed before storing", validInput(uaiA), support.CreateOptions{IdempotencyKey: "k1", Attachments: []support.Upload{changing}}},
	}
	for _, r := range refusals {
		if _, err := f.svc.CreateTicket(ctx, r.in, r.opts); support.ErrorCode(err) != support.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", r.name, err)
		}
	}
	if got := f.list(f.admin, support.TicketFilter{}); len(got) != 0 {
		t.Fatalf("refused creates left tickets: %v", got)
	}
	// The idempotency key of a refused create is free: it was not kept.
	tk := f.create(reporter, validInput(uaiA), support.CreateOptions{IdempotencyKey: "k1"})
	if got := tk.Number.String(); got != "CG42N1-1" || tk.Replayed {
		t.Errorf("first valid ticket after refusals = %s (replayed %v), want CG42N1-1", got, tk.Replayed)
	}
}

func TestCreateTicketIdempotency(t *testing.T) {
	f := newFixture(t, service.Config{})
	alice := f.user(support.RoleReporter, uaiA)
	bob := f.user(support.RoleReporter, uaiA)

	in := validInput(uaiA)
	pic := pngBytes(t, 0)
	opts := support.CreateOptions{IdempotencyKey: "retry-1", Attachments: []support.Upload{upload("capture.png", pic)}}
	first := f.create(alice, in, opts)
	again := f.create(alice, in, opts)
	if first.Replayed || !again.Replayed {
		t.Errorf("Replayed = %v then %v, want false then true", first.Replayed, again.Replayed)
	}
	if first.Number != again.Number {
		t.Errorf("replay number = %v, want %v", again.Number, first.Number)
	}
	again.Replayed = false
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("replay answer differs from the first (-first +replay):\n%s", diff)
	}

	// The same body, written differently, normalises to the same ticket.
	same := in
	same.Reporter.Phone = "+33 6 39 98 12 34"
	same.Priority = "MAJEURE"
	if tk := f.create(alice, same, opts); tk.Number != first.Number || !tk.Replayed {
		t.Errorf("replay of an equivalent body = %v (replayed %v), want %v", tk.Number, tk.Replayed, first.Number)
	}

	t.Run("same key, other body", func(t *testing.T) {
		other := in
		other.Subject = "Un tout autre problème"
		_, err := f.svc.CreateTicket(f.as(alice), other, opts)
		wantError(t, err, support.EINVALID, "error.idempotency_mismatch")
		wantFields(t, err, fieldRule{"idempotency_key", "idempotency_mismatch"})
	})
	t.Run("same key, other files", func(t *testing.T) {
		_, err := f.svc.CreateTicket(f.as(alice), in, support.CreateOptions{IdempotencyKey: "retry-1"})
		wantError(t, err, support.EINVALID, "error.idempotency_mismatch")
	})
	t.Run("same key, another user", func(t *testing.T) {
		tk := f.create(bob, in, opts)
		if tk.Replayed || tk.Number == first.Number || tk.CreatedBy != bob.ID {
			t.Errorf("another user's create = %v (replayed %v, by %d), want a new ticket by %d", tk.Number, tk.Replayed, tk.CreatedBy, bob.ID)
		}
	})
	if got, want := f.list(f.admin, support.TicketFilter{}), []string{"CG42N1-2", "CG42N1-1"}; !cmp.Equal(got, want) {
		t.Errorf("tickets = %v, want %v", got, want)
	}
}

func TestCreateTicketIdempotencyConcurrent(t *testing.T) {
	f := newFixture(t, service.Config{})
	reporter := f.user(support.RoleReporter, uaiA)
	const n = 20
	var wg sync.WaitGroup
	results := make([]*support.Ticket, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = f.svc.CreateTicket(f.as(reporter), validInput(uaiA),
				support.CreateOptions{IdempotencyKey: "one-key"})
		}()
	}
	close(start)
	wg.Wait()
	created := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("create %d: %v", i, errs[i])
		}
		if got := results[i].Number.String(); got != "CG42N1-1" {
			t.Errorf("create %d answered %s, want CG42N1-1", i, got)
		}
		if !results[i].Replayed {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d answers say they created the ticket, want 1", created)
	}
	if got := f.list(f.admin, support.TicketFilter{}); !cmp.Equal(got, []string{"CG42N1-1"}) {
		t.Errorf("tickets = %v, want one", got)
	}
	if tk := f.create(reporter, validInput(uaiA), support.CreateOptions{}); tk.Number.Seq != 2 {
		t.Errorf("next number = %v, want 2: the replays consumed numbers", tk.Number)
	}
}
