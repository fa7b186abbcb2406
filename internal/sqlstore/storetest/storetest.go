// Package storetest is the behaviour every support.Store must have, as a
// test suite: each database dialect's test runs it on a real database, so
// SQLite and PostgreSQL are held to the same contract.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
	"github.com/google/go-cmp/cmp"
)

// Run runs the suite. open returns a new, empty store for one subtest; it
// closes it itself (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) support.Store) {
	tests := []struct {
		name string
		f    func(t *testing.T, s support.Store)
	}{
		{"CreateAndGet", testCreateAndGet},
		{"GetUnknown", testGetUnknown},
		{"ConcurrentNumbersAreConsecutive", testConcurrentNumbers},
		{"PrefixesAreIndependent", testPrefixes},
		{"Idempotency", testIdempotency},
		{"IdempotencyConcurrent", testIdempotencyConcurrent},
		{"Attachments", testAttachments},
		{"AttachmentsAllOrNothing", testAttachmentsAllOrNothing},
		{"Comments", testComments},
		{"CommentsAllOrNothing", testCommentsAllOrNothing},
		{"CommentsTicketSizeConcurrent", testCommentsTicketSizeConcurrent},
		{"FiledBy", testFiledBy},
		{"ListFilters", testListFilters},
		{"ListVisibility", testListVisibility},
		{"ListSorts", testListSorts},
		{"ListPaging", testListPaging},
		{"ListBadCursor", testListBadCursor},
		{"ListAssigneeAndUpdated", testListAssigneeAndUpdated},
		{"Users", testUsers},
		{"UserDisabled", testUserDisabled},
		{"UserEmailConflict", testUserEmailConflict},
		{"TokenExpiry", testTokenExpiry},
		{"ListAndDisableUsers", testListAndDisableUsers},
		{"Audit", testAudit},
		{"SecretRotation", testSecretRotation},
		{"Establishments", testEstablishments},
		{"EstablishmentsBatch", testEstablishmentsBatch},
		{"SearchEstablishments", testSearchEstablishments},
		{"ChangeTicket", testChangeTicket},
		{"UserByEmail", testUserByEmail},
		{"UpdateUserContact", testUpdateUserContact},
		{"Events", testEvents},
		{"EventsConcurrentCreates", testEventsConcurrentCreates},
		{"MailRecords", testMailRecords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.f(t, open(t))
		})
	}
}

const prefix = "CG42N1"

// newTicket returns a valid, normalised ticket to create.
func newTicket(uai string, by int64, p support.Priority) *support.Ticket {
	return &support.Ticket{TicketSummary: support.TicketSummary{
		Number: support.Number{Prefix: prefix},
		TicketInput: support.TicketInput{
			Reporter: support.Reporter{Name: "Anne Dupré", Function: support.ChefEtablissement,
				Phone: "+33639981234", Email: "anne.dupre@example.fr"},
			Establishment: support.Establishment{UAI: uai, Name: "Lycée Claude Fauriel", City: "Saint-Étienne"},
			Subject:       "ENT inaccessible",
			Population:    []support.Population{"enseignants", "eleves"},
			Description:   "Depuis ce matin la page d'accueil affiche une erreur 502.",
			Location:      "https://ent.example.fr/accueil",
			Priority:      p,
		},
		CreatedBy: by,
	}}
}

func create(t *testing.T, s support.TicketStore, tk *support.Ticket, files ...support.FileData) *support.Ticket {
	t.Helper()
	created, err := s.CreateTicket(context.Background(), tk, files)
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	if !created {
		t.Fatalf("CreateTicket: created = false, want true")
	}
	return tk
}

func get(t *testing.T, s support.TicketStore, n support.Number) *support.Ticket {
	t.Helper()
	tk, err := s.GetTicket(context.Background(), n)
	if err != nil {
		t.Fatalf("GetTicket(%s): %v", n, err)
	}
	return tk
}

func list(t *testing.T, s support.TicketStore, q support.TicketQuery) *support.TicketPage {
	t.Helper()
	p, err := s.ListTickets(context.Background(), q)
	if err != nil {
		t.Fatalf("ListTickets(%+v): %v", q, err)
	}
	return p
}

// listAll pages through a whole list and returns the sequence numbers.
func listAll(t *testing.T, s support.TicketStore, q support.TicketQuery) []int64 {
	t.Helper()
	var seqs []int64
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("ListTickets: paging does not end")
		}
		p := list(t, s, q)
		for _, tk := range p.Tickets {
			seqs = append(seqs, tk.Number.Seq)
		}
		if p.NextCursor == "" {
			return seqs
		}
		q.Cursor = p.NextCursor
	}
}

// wantError checks err's code and message key.
func wantError(t *testing.T, err error, code, key string) {
	t.Helper()
	if got := support.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
	if key != "" {
		if got := support.AsError(err).Key; got != key {
			t.Fatalf("error key = %q, want %q", got, key)
		}
	}
}

func testCreateAndGet(t *testing.T, s support.Store) {
	before := time.Now().Add(-time.Second)
	tk := newTicket("0420001N", 7, support.Majeure)
	tk.IdempotencyKey, tk.BodyHash = "key-1", "hash-1"
	create(t, s, tk)

	if tk.Number != (support.Number{Prefix: prefix, Seq: 1}) {
		t.Errorf("Number = %v, want %s-1", tk.Number, prefix)
	}
	if tk.Status != support.StatusNew {
		t.Errorf("Status = %q, want %q", tk.Status, support.StatusNew)
	}
	if tk.CreatedAt.Before(before) || !tk.UpdatedAt.Equal(tk.CreatedAt) {
		t.Errorf("CreatedAt, UpdatedAt = %v, %v; want now and equal", tk.CreatedAt, tk.UpdatedAt)
	}
	wantHistory := []support.HistoryEntry{{At: tk.CreatedAt, Actor: "Anne Dupré <anne.dupre@example.fr>", To: support.StatusNew}}
	if diff := cmp.Diff(wantHistory, tk.History); diff != "" {
		t.Errorf("History (-want +got):\n%s", diff)
	}

	got := get(t, s, tk.Number)
	if diff := cmp.Diff(tk, got); diff != "" {
		t.Errorf("GetTicket differs from the created ticket (-created +got):\n%s", diff)
	}
	if got.IdempotencyKey != "key-1" || got.BodyHash != "hash-1" {
		t.Errorf("IdempotencyKey, BodyHash = %q, %q; want key-1, hash-1", got.IdempotencyKey, got.BodyHash)
	}

	// A status given by the caller is kept.
	tk2 := newTicket("0420001N", 7, support.Mineure)
	tk2.Status = support.StatusOpen
	create(t, s, tk2)
	if got := get(t, s, tk2.Number); got.Status != support.StatusOpen || got.History[0].To != support.StatusOpen {
		t.Errorf("Status = %q, history to %q; want %q", got.Status, got.History[0].To, support.StatusOpen)
	}
}

func testGetUnknown(t *testing.T, s support.Store) {
	create(t, s, newTicket("0420001N", 1, support.Mineure))
	ctx := context.Background()
	for _, n := range []support.Number{{Prefix: prefix, Seq: 2}, {Prefix: "OTHER", Seq: 1}, {Seq: 1}} {
		_, err := s.GetTicket(ctx, n)
		wantError(t, err, support.ENOTFOUND, "error.ticket_not_found")
	}
}

func testConcurrentNumbers(t *testing.T, s support.Store) {
	const n = 50
	seqs := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := newTicket("0420001N", int64(i+1), support.Mineure)
			_, errs[i] = s.CreateTicket(context.Background(), tk, nil)
			seqs[i] = tk.Number.Seq
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	slices.Sort(seqs)
	want := make([]int64, n)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if diff := cmp.Diff(want, seqs); diff != "" {
		t.Errorf("numbers are not 1..%d (-want +got):\n%s", n, diff)
	}
}

func testPrefixes(t *testing.T, s support.Store) {
	var got []string
	for _, p := range []string{"AAA", "BBB", "AAA", "BBB", "BBB"} {
		tk := newTicket("0420001N", 1, support.Mineure)
		tk.Number.Prefix = p
		create(t, s, tk)
		got = append(got, tk.Number.String())
	}
	want := []string{"AAA-1", "BBB-1", "AAA-2", "BBB-2", "BBB-3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("numbers (-want +got):\n%s", diff)
	}
	if tk := get(t, s, support.Number{Prefix: "BBB", Seq: 2}); tk.Number.Prefix != "BBB" {
		t.Errorf("GetTicket(BBB-2) = %v", tk.Number)
	}
}

func testIdempotency(t *testing.T, s support.Store) {
	ctx := context.Background()
	first := newTicket("0420001N", 1, support.Majeure)
	first.IdempotencyKey, first.BodyHash = "k", "body-1"
	create(t, s, first, file("a.txt", "some text"))

	replay := newTicket("0420001N", 1, support.Mineure)
	replay.IdempotencyKey, replay.BodyHash = "k", "body-2"
	created, err := s.CreateTicket(ctx, replay, []support.FileData{file("b.txt", "other")})
	if err != nil {
		t.Fatal(err)
	}
	if created {
		t.Error("replay: created = true, want false")
	}
	if diff := cmp.Diff(first, replay); diff != "" {
		t.Errorf("replay does not return the first ticket (-first +replay):\n%s", diff)
	}
	if replay.BodyHash != "body-1" {
		t.Errorf("replay BodyHash = %q, want the first one's", replay.BodyHash)
	}
	if got := listAll(t, s, support.TicketQuery{}); len(got) != 1 {
		t.Errorf("after a replay, %d tickets, want 1", len(got))
	}

	// The key is per user: another user's create is a new ticket.
	other := newTicket("0420001N", 2, support.Mineure)
	other.IdempotencyKey = "k"
	create(t, s, other)
	if other.Number.Seq != 2 {
		t.Errorf("other user's ticket = %v, want seq 2 (the replay took no number)", other.Number)
	}
}

func testIdempotencyConcurrent(t *testing.T, s support.Store) {
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	createdCount := 0
	numbers := map[support.Number]bool{}
	var errs []error
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := newTicket("0420001N", 9, support.Bloquante)
			tk.IdempotencyKey = "same"
			created, err := s.CreateTicket(context.Background(), tk, nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if created {
				createdCount++
			}
			numbers[tk.Number] = true
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if createdCount != 1 || len(numbers) != 1 {
		t.Errorf("%d created, %d distinct numbers; want 1 and 1", createdCount, len(numbers))
	}
	if got := listAll(t, s, support.TicketQuery{}); len(got) != 1 {
		t.Errorf("%d tickets stored, want 1", len(got))
	}
}

// file returns an attachment whose content is s.
func file(name, s string) support.FileData {
	sum := sha256.Sum256([]byte(s))
	return support.FileData{
		Attachment: support.Attachment{Name: name, ContentType: "text/plain", Size: int64(len(s)), SHA256: hex.EncodeToString(sum[:])},
		Open:       func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader([]byte(s))), nil },
	}
}

func testAttachments(t *testing.T, s support.Store) {
	ctx := context.Background()
	big := string(bytes.Repeat([]byte("0123456789abcdef"), 64<<10)) // 1 MiB
	tk := create(t, s, newTicket("0420001N", 1, support.Majeure), file("a.txt", "hello"), file("big.log", big))
	if tk.AttachmentCount != 2 || len(tk.Attachments) != 2 {
		t.Fatalf("AttachmentCount = %d, %d attachments; want 2", tk.AttachmentCount, len(tk.Attachments))
	}
	a := tk.Attachments[0]
	if a.ID == 0 || a.Name != "a.txt" || a.Size != 5 || a.CreatedAt.IsZero() || a.ContentType != "text/plain" {
		t.Errorf("attachment = %+v", a)
	}
	if got := get(t, s, tk.Number); !cmp.Equal(got.Attachments, tk.Attachments) {
		t.Errorf("GetTicket attachments (-created +got):\n%s", cmp.Diff(tk.Attachments, got.Attachments))
	}
	if p := list(t, s, support.TicketQuery{}); p.Tickets[0].AttachmentCount != 2 {
		t.Errorf("listed AttachmentCount = %d, want 2", p.Tickets[0].AttachmentCount)
	}

	for i, want := range []string{"hello", big} {
		meta, rc, err := s.OpenAttachment(ctx, tk.Number, tk.Attachments[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want {
			t.Errorf("attachment %d: content of %d bytes differs", i, len(b))
		}
		if diff := cmp.Diff(&tk.Attachments[i], meta); diff != "" {
			t.Errorf("OpenAttachment metadata (-want +got):\n%s", diff)
		}
	}

	// A file is reachable only through its own ticket.
	other := create(t, s, newTicket("0420001N", 1, support.Majeure))
	_, _, err := s.OpenAttachment(ctx, other.Number, tk.Attachments[0].ID)
	wantError(t, err, support.ENOTFOUND, "error.attachment_not_found")
	_, _, err = s.OpenAttachment(ctx, tk.Number, 999999)
	wantError(t, err, support.ENOTFOUND, "error.attachment_not_found")
	_, _, err = s.OpenAttachment(ctx, support.Number{Prefix: prefix, Seq: 99}, tk.Attachments[0].ID)
	wantError(t, err, support.ENOTFOUND, "")
}

// failingReader yields some bytes, then fails.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("disk went away")
	}
	k := min(len(p), r.n)
	clear(p[:k])
	r.n -= k
	return k, nil
}

func testAttachmentsAllOrNothing(t *testing.T, s support.Store) {
	ctx := context.Background()
	create(t, s, newTicket("0420001N", 1, support.Mineure))

	midway := support.FileData{
		Attachment: support.Attachment{Name: "b.png", ContentType: "image/png", Size: 1 << 20},
		Open:       func() (io.ReadCloser, error) { return io.NopCloser(&failingReader{n: 100 << 10}), nil },
	}
	cannotOpen := support.FileData{
		Attachment: support.Attachment{Name: "c.png", ContentType: "image/png", Size: 10},
		Open:       func() (io.ReadCloser, error) { return nil, errors.New("no such file") },
	}
	for _, bad := range []support.FileData{midway, cannotOpen} {
		tk := newTicket("0420001N", 1, support.Mineure)
		created, err := s.CreateTicket(ctx, tk, []support.FileData{file("a.txt", "fine"), bad})
		if err == nil || created {
			t.Fatalf("CreateTicket with %s: created = %v, err = %v; want an error", bad.Name, created, err)
		}
	}
	// A file whose content is not what the service checked is refused too.
	changed := file("d.txt", "original")
	changed.SHA256 = "0000"
	if _, err := s.CreateTicket(ctx, newTicket("0420001N", 1, support.Mineure), []support.FileData{changed}); err == nil {
		t.Fatal("CreateTicket with a changed file: no error")
	}

	if got := listAll(t, s, support.TicketQuery{}); !cmp.Equal(got, []int64{1}) {
		t.Errorf("tickets after failed creates = %v, want [1]", got)
	}
	// No number was consumed by the failures.
	if tk := create(t, s, newTicket("0420001N", 1, support.Mineure)); tk.Number.Seq != 2 {
		t.Errorf("next number = %d, want 2 (numbers are gapless)", tk.Number.Seq)
	}
}

func testComments(t *testing.T, s support.Store) {
	ctx := context.Background()
	tk := create(t, s, newTicket("0420001N", 1, support.Majeure), file("first.txt", "at creation"))

	c := &support.Comment{Author: "Anne Dupré <anne.dupre@example.fr>", Role: support.RoleReporter, Body: "Toujours en panne.\nVoir capture."}
	if err := s.AddComment(ctx, tk.Number, c, []support.FileData{file("later.txt", "a file sent later")}, 0); err != nil {
		t.Fatalf("AddComment: %v", err)
	}
	if c.ID == 0 || c.CreatedAt.IsZero() || len(c.Attachments) != 1 {
		t.Fatalf("comment = %+v, want an ID, a time and one attachment", c)
	}
	a := c.Attachments[0]
	if a.ID == 0 || a.CommentID != c.ID || a.Name != "later.txt" || a.Size != int64(len("a file sent later")) {
		t.Errorf("comment attachment = %+v", a)
	}
	plain := &support.Comment{Author: "Agent <agent@example.fr>", Role: support.RoleAgent, Body: "Pris en compte."}
	if err := s.AddComment(ctx, tk.Number, plain, nil, 0); err != nil {
		t.Fatalf("AddComment without files: %v", err)
	}
	if plain.Attachments != nil {
		t.Errorf("comment without files has attachments %v", plain.Attachments)
	}

	got := get(t, s, tk.Number)
	if diff := cmp.Diff([]support.Comment{*c, *plain}, got.Comments); diff != "" {
		t.Errorf("GetTicket comments (-added +got):\n%s", diff)
	}
	if len(got.Attachments) != 2 || got.Attachments[1] != a || got.AttachmentCount != 2 {
		t.Errorf("ticket attachments = %+v (count %d), want the ticket's and the comment's", got.Attachments, got.AttachmentCount)
	}
	if !got.UpdatedAt.Equal(plain.CreatedAt) {
		t.Errorf("UpdatedAt = %v, want the last comment's time %v", got.UpdatedAt, plain.CreatedAt)
	}
	// The comment's file is reached through its ticket, like the others.
	_, rc, err := s.OpenAttachment(ctx, tk.Number, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "a file sent later" {
		t.Errorf("comment file content = %q", b)
	}

	err = s.AddComment(ctx, support.Number{Prefix: prefix, Seq: 99}, &support.Comment{Author: "x", Role: support.RoleReporter, Body: "x"}, nil, 0)
	wantError(t, err, support.ENOTFOUND, "error.ticket_not_found")
}

func testCommentsAllOrNothing(t *testing.T, s support.Store) {
	ctx := context.Background()
	tk := create(t, s, newTicket("0420001N", 1, support.Mineure))

	midway := support.FileData{
		Attachment: support.Attachment{Name: "b.png", ContentType: "image/png", Size: 1 << 20},
		Open:       func() (io.ReadCloser, error) { return io.NopCloser(&failingReader{n: 100 << 10}), nil },
	}
	cannotOpen := support.FileData{
		Attachment: support.Attachment{Name: "c.png", ContentType: "image/png", Size: 10},
		Open:       func() (io.ReadCloser, error) { return nil, errors.New("no such file") },
	}
	changed := file("d.txt", "original")
	changed.SHA256 = "0000"
	for _, bad := range []support.FileData{midway, cannotOpen, changed} {
		c := &support.Comment{Author: "a", Role: support.RoleReporter, Body: "avec " + bad.Name}
		if err := s.AddComment(ctx, tk.Number, c, []support.FileData{file("a.txt", "fine"), bad}, 0); err == nil {
			t.Fatalf("AddComment with %s: no error", bad.Name)
		}
	}
	got := get(t, s, tk.Number)
	if len(got.Comments) != 0 || len(got.Attachments) != 0 || !got.UpdatedAt.Equal(tk.UpdatedAt) {
		t.Errorf("after failed comments: %d comments, %d files, updated %v (created %v); want nothing changed",
			len(got.Comments), len(got.Attachments), got.UpdatedAt, tk.UpdatedAt)
	}
}

func testListFilters(t *testing.T, s support.Store) {
	type spec struct {
		uai    string
		by     int64
		p      support.Priority
		status support.Status
	}
	specs := []spec{
		{"0420001N", 1, support.Bloquante, support.StatusNew},     // 1
		{"0420002P", 2, support.Majeure, support.StatusOpen},      // 2
		{"0420001N", 2, support.Mineure, support.StatusResolved},  // 3
		{"0420003R", 3, support.Majeure, support.StatusNew},       // 4
		{"0420002P", 1, support.Bloquante, support.StatusWaiting}, // 5
	}
	var created []*support.Ticket
	for _, sp := range specs {
		tk := newTicket(sp.uai, sp.by, sp.p)
		tk.Status = sp.status
		created = append(created, create(t, s, tk))
		time.Sleep(2 * time.Millisecond) // distinct creation times, for Since
	}
	f := func(f support.TicketFilter) support.TicketQuery { return support.TicketQuery{TicketFilter: f} }
	tests := []struct {
		name string
		q    support.TicketQuery
		want []int64
	}{
		{"all", f(support.TicketFilter{}), []int64{5, 4, 3, 2, 1}},
		{"status", f(support.TicketFilter{Status: []support.Status{support.StatusNew}}), []int64{4, 1}},
		{"statuses", f(support.TicketFilter{Status: []support.Status{support.StatusOpen, support.StatusWaiting}}), []int64{5, 2}},
		{"priority", f(support.TicketFilter{Priority: []support.Priority{support.Bloquante}}), []int64{5, 1}},
		{"priorities", f(support.TicketFilter{Priority: []support.Priority{support.Majeure, support.Mineure}}), []int64{4, 3, 2}},
		{"uai", f(support.TicketFilter{UAI: "0420001N"}), []int64{3, 1}},
		{"since", f(support.TicketFilter{Since: created[3].CreatedAt}), []int64{5, 4}},
		{"limit", f(support.TicketFilter{Limit: 2}), []int64{5, 4}},
		{"combined", f(support.TicketFilter{UAI: "0420002P", Priority: []support.Priority{support.Bloquante}}), []int64{5}},
		{"none", f(support.TicketFilter{Status: []support.Status{support.StatusClosed}}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int64
			for _, tk := range list(t, s, tt.q).Tickets {
				got = append(got, tk.Number.Seq)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	// A listed summary is the ticket's summary.
	p := list(t, s, f(support.TicketFilter{Limit: 1}))
	if diff := cmp.Diff(created[4].TicketSummary, p.Tickets[0]); diff != "" {
		t.Errorf("summary (-created +listed):\n%s", diff)
	}
	if p.NextCursor == "" {
		t.Error("NextCursor is empty on a page that is not the last")
	}
	if p := list(t, s, f(support.TicketFilter{})); p.NextCursor != "" {
		t.Errorf("NextCursor = %q on the last page", p.NextCursor)
	}
}

func testListVisibility(t *testing.T, s support.Store) {
	for _, sp := range []struct {
		uai string
		by  int64
	}{{"0420001N", 1}, {"0420002P", 2}, {"0420003R", 1}, {"0420001N", 3}} {
		create(t, s, newTicket(sp.uai, sp.by, support.Mineure))
	}
	tests := []struct {
		name string
		q    support.TicketQuery
		want []int64
	}{
		{"only uais", support.TicketQuery{OnlyUAIs: []string{"0420001N", "0420003R"}}, []int64{4, 3, 1}},
		{"no establishment", support.TicketQuery{OnlyUAIs: []string{}}, nil},
		{"created by", support.TicketQuery{CreatedBy: 1}, []int64{3, 1}},
		{"both", support.TicketQuery{OnlyUAIs: []string{"0420001N"}, CreatedBy: 1}, []int64{1}},
		{"uai outside visibility", support.TicketQuery{OnlyUAIs: []string{"0420001N"},
			TicketFilter: support.TicketFilter{UAI: "0420002P"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, listAll(t, s, tt.q)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func testListSorts(t *testing.T, s support.Store) {
	for _, p := range []support.Priority{support.Mineure, support.Bloquante, support.Majeure, support.Bloquante, support.Mineure} {
		create(t, s, newTicket("0420001N", 1, p))
	}
	newest := listAll(t, s, support.TicketQuery{})
	if diff := cmp.Diff([]int64{5, 4, 3, 2, 1}, newest); diff != "" {
		t.Errorf("newest first (-want +got):\n%s", diff)
	}
	byPriority := listAll(t, s, support.TicketQuery{TicketFilter: support.TicketFilter{Sort: "priority"}})
	// Most urgent first, then oldest first.
	if diff := cmp.Diff([]int64{2, 4, 3, 1, 5}, byPriority); diff != "" {
		t.Errorf("priority sort (-want +got):\n%s", diff)
	}
}

func testListPaging(t *testing.T, s support.Store) {
	const n = 120
	prios := []support.Priority{support.Mineure, support.Majeure, support.Bloquante}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.CreateTicket(context.Background(), newTicket("0420001N", 1, prios[i%3]), nil)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for _, sortBy := range []string{"", "priority"} {
		for _, limit := range []int{1, 7, 50, 500} {
			t.Run(fmt.Sprintf("sort=%q/limit=%d", sortBy, limit), func(t *testing.T) {
				q := support.TicketQuery{TicketFilter: support.TicketFilter{Sort: sortBy, Limit: limit}}
				// Compare with one unpaged read of the same order.
				all := listAll(t, s, support.TicketQuery{TicketFilter: support.TicketFilter{Sort: sortBy, Limit: 500}})
				got := listAll(t, s, q)
				if diff := cmp.Diff(all, got); diff != "" {
					t.Errorf("paged list differs from the whole list (-whole +paged):\n%s", diff)
				}
				seen := map[int64]bool{}
				for _, seq := range got {
					seen[seq] = true
				}
				if len(got) != n || len(seen) != n {
					t.Errorf("%d tickets, %d distinct; want %d", len(got), len(seen), n)
				}
				if sortBy == "" && !sort.SliceIsSorted(got, func(i, j int) bool { return got[i] > got[j] }) {
					t.Errorf("not newest first: %v", got)
				}
			})
		}
	}
}

func testListBadCursor(t *testing.T, s support.Store) {
	create(t, s, newTicket("0420001N", 1, support.Mineure))
	create(t, s, newTicket("0420001N", 1, support.Mineure))
	p := list(t, s, support.TicketQuery{TicketFilter: support.TicketFilter{Limit: 1}})
	b64 := base64.RawURLEncoding.EncodeToString
	for _, c := range []string{"!!!", b64([]byte("garbage")), b64([]byte("i.-4")), "a" + p.NextCursor} {
		_, err := s.ListTickets(context.Background(), support.TicketQuery{TicketFilter: support.TicketFilter{Cursor: c}})
		wantError(t, err, support.EINVALID, "")
		want := []support.FieldError{{Field: "cursor", Rule: support.RuleSyntax}}
		if diff := cmp.Diff(want, support.AsError(err).Fields); diff != "" {
			t.Errorf("cursor %q: fields (-want +got):\n%s", c, diff)
		}
	}
	// A cursor is valid only for the sort it was made for.
	_, err := s.ListTickets(context.Background(), support.TicketQuery{TicketFilter: support.TicketFilter{Cursor: p.NextCursor, Sort: "priority"}})
	wantError(t, err, support.EINVALID, "")
}

func testUsers(t *testing.T, s support.Store) {
	ctx := context.Background()
	u := &support.User{Name: "Anne Dupré", Email: "Anne.Dupre@example.fr", Phone: "+33639981234", Role: support.RoleReporter,
		Establishments: []support.Membership{{UAI: "0420001N", Function: support.ChefEtablissement}, {UAI: "0420002P", Function: support.Adjoint}}}
	if err := s.CreateUser(ctx, u, "hash-anne"); err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.CreatedAt.IsZero() {
		t.Errorf("ID, CreatedAt = %d, %v; want them set", u.ID, u.CreatedAt)
	}
	got, err := s.UserByTokenHash(ctx, "hash-anne")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("UserByTokenHash (-created +got):\n%s", diff)
	}

	agent := &support.User{Name: "Paul Agent", Email: "paul@example.fr", Role: support.RoleAgent}
	if err := s.CreateUser(ctx, agent, "hash-paul"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UserByTokenHash(ctx, "hash-paul"); err != nil || got.Establishments == nil || len(got.Establishments) != 0 {
		t.Errorf("agent = %+v, %v; want no establishments (empty, not nil)", got, err)
	}

	_, err = s.UserByTokenHash(ctx, "hash-nobody")
	wantError(t, err, support.EUNAUTHENTICATED, "error.bad_token")
	_, err = s.UserByTokenHash(ctx, "")
	wantError(t, err, support.EUNAUTHENTICATED, "error.bad_token")

	for role, want := range map[support.Role]int{"": 2, support.RoleReporter: 1, support.RoleAgent: 1, support.RoleAdmin: 0} {
		if n, err := s.CountUsers(ctx, role); err != nil || n != want {
			t.Errorf("CountUsers(%q) = %d, %v; want %d", role, n, err, want)
		}
	}
}

func testUserDisabled(t *testing.T, s support.Store) {
	ctx := context.Background()
	u := &support.User{Name: "Old Admin", Email: "old@example.fr", Role: support.RoleAdmin, Disabled: true}
	if err := s.CreateUser(ctx, u, "hash-old"); err != nil {
		t.Fatal(err)
	}
	_, err := s.UserByTokenHash(ctx, "hash-old")
	wantError(t, err, support.EUNAUTHENTICATED, "error.bad_token")
	if n, err := s.CountUsers(ctx, support.RoleAdmin); err != nil || n != 1 {
		t.Errorf("CountUsers(admin) = %d, %v; want 1 (disabled users count)", n, err)
	}
}

func testUserEmailConflict(t *testing.T, s support.Store) {
	ctx := context.Background()
	if err := s.CreateUser(ctx, &support.User{Name: "A", Email: "same@example.fr", Role: support.RoleAgent}, "h1"); err != nil {
		t.Fatal(err)
	}
	err := s.CreateUser(ctx, &support.User{Name: "B", Email: "SAME@Example.fr", Role: support.RoleAgent}, "h2")
	wantError(t, err, support.ECONFLICT, "error.email_taken")
	if n, _ := s.CountUsers(ctx, ""); n != 1 {
		t.Errorf("%d users after a conflict, want 1", n)
	}
	if _, err := s.UserByTokenHash(ctx, "h2"); support.ErrorCode(err) != support.EUNAUTHENTICATED {
		t.Errorf("the refused user's token works: %v", err)
	}
}

func testEstablishments(t *testing.T, s support.Store) {
	ctx := context.Background()
	e := support.Establishment{UAI: "0420001N", Name: "Lycée Claude Fauriel", City: "Saint-Étienne", Department: "42", Territory: "Loire"}
	steps := []struct {
		e    support.Establishment
		want string
	}{
		{e, "added"},
		{e, "unchanged"},
		{support.Establishment{UAI: e.UAI, Name: e.Name, City: "Saint-Etienne", Department: "42", Territory: "Loire"}, "updated"},
	}
	for i, st := range steps {
		got, err := s.UpsertEstablishment(ctx, st.e)
		if err != nil || got != st.want {
			t.Errorf("step %d: UpsertEstablishment = %q, %v; want %q", i, got, err, st.want)
		}
	}
	got, err := s.GetEstablishment(ctx, "0420001N")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&steps[2].e, got); diff != "" {
		t.Errorf("GetEstablishment (-want +got):\n%s", diff)
	}
	_, err = s.GetEstablishment(ctx, "0010001W")
	wantError(t, err, support.ENOTFOUND, "error.establishment_not_found")
}

// A batch gives, row by row, what single upserts in the same order would
// give, including a UAI given twice, and spans several statements.
func testEstablishmentsBatch(t *testing.T, s support.Store) {
	ctx := context.Background()
	fauriel := support.Establishment{UAI: "0420001N", Name: "Lycée Claude Fauriel", City: "Saint-Étienne"}
	valles := support.Establishment{UAI: "0420002P", Name: "Collège Jules Vallès", City: "La Ricamarie"}
	if _, err := s.UpsertEstablishment(ctx, fauriel); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpsertEstablishment(ctx, valles); err != nil {
		t.Fatal(err)
	}
	vallesRenamed := valles
	vallesRenamed.Name = "Collège Jules-Vallès"
	parc := support.Establishment{UAI: "0690003R", Name: "Lycée du Parc", City: "Lyon"}
	parcRenamed := parc
	parcRenamed.City = "Lyon 6e"
	batch := []support.Establishment{fauriel, vallesRenamed, parc, parc, parcRenamed, vallesRenamed}
	want := []string{"unchanged", "updated", "added", "unchanged", "updated", "unchanged"}
	// Enough new rows to need several IN lists and INSERT statements.
	for i := range 1234 {
		digits := fmt.Sprintf("075%04d", i)
		batch = append(batch, support.Establishment{UAI: digits + string(support.UAIKey(digits)), Name: fmt.Sprintf("École %d", i), City: "Paris"})
		want = append(want, "added")
	}
	got, err := s.UpsertEstablishments(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UpsertEstablishments (-want +got):\n%s", diff)
	}
	for _, e := range []support.Establishment{fauriel, vallesRenamed, parcRenamed, batch[len(batch)-1]} {
		if got, err := s.GetEstablishment(ctx, e.UAI); err != nil || *got != e {
			t.Errorf("GetEstablishment(%s) = %+v, %v; want %+v", e.UAI, got, err, e)
		}
	}
	again, err := s.UpsertEstablishments(ctx, batch[6:])
	if err != nil || len(again) != 1234 || slices.ContainsFunc(again, func(r string) bool { return r != "unchanged" }) {
		t.Errorf("the same rows again: %v, %v", again, err)
	}
	if got, err := s.UpsertEstablishments(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("UpsertEstablishments(nil) = %v, %v", got, err)
	}
}

func testSearchEstablishments(t *testing.T, s support.Store) {
	ctx := context.Background()
	for _, e := range []support.Establishment{
		{UAI: "0420001N", Name: "Lycée Claude Fauriel", City: "Saint-Étienne"},
		{UAI: "0420002P", Name: "Collège Jules Vallès", City: "La Ricamarie"},
		{UAI: "0690003R", Name: "LYCÉE DU PARC", City: "Lyon"},
		{UAI: "0010001W", Name: "École 100% numérique", City: "Bourg-en-Bresse"},
	} {
		if _, err := s.UpsertEstablishment(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		q     string
		limit int
		want  []string
	}{
		{"lycee", 0, []string{"0420001N", "0690003R"}},
		{"LYCÉE", 0, []string{"0420001N", "0690003R"}},
		{"valles", 0, []string{"0420002P"}},
		{"saint etienne", 0, []string{"0420001N"}},
		// Words in any order, across the name and the town.
		{"lycée saint-étienne", 0, []string{"0420001N"}},
		{"etienne fauriel", 0, []string{"0420001N"}},
		{"lycee lyon", 0, []string{"0690003R"}},
		{"lycee ricamarie", 0, nil},
		{"  ", 0, []string{"0010001W", "0420001N", "0420002P", "0690003R"}},
		{"042", 0, []string{"0420001N", "0420002P"}},
		{"0420001n", 0, []string{"0420001N"}},
		{"100%", 0, []string{"0010001W"}},
		{"10_%", 0, nil},
		{"lycee", 1, []string{"0420001N"}},
		{"nowhere", 0, nil},
	}
	for _, tt := range tests {
		got, err := s.SearchEstablishments(ctx, tt.q, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		var uais []string
		for _, e := range got {
			uais = append(uais, e.UAI)
		}
		if diff := cmp.Diff(tt.want, uais); diff != "" {
			t.Errorf("SearchEstablishments(%q, %d) (-want +got):\n%s", tt.q, tt.limit, diff)
		}
	}
}

// testCommentsTicketSizeConcurrent: comments racing each other with files
// cannot together pass the ticket's total. Each comment alone fits; only
// as many as the limit holds are stored, the others are ETOOLARGE, and the
// ticket's files stay within the limit.
func testCommentsTicketSizeConcurrent(t *testing.T, s support.Store) {
	ctx := context.Background()
	tk := create(t, s, newTicket("0420001N", 1, support.Mineure), file("first.txt", strings.Repeat("a", 100)))
	const (
		n     = 8
		each  = 300
		limit = 100 + 3*each // room for three comments' files
	)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &support.Comment{Author: "Anne <anne@example.fr>", Role: support.RoleReporter, Body: fmt.Sprint("capture ", i)}
			errs[i] = s.AddComment(ctx, tk.Number, c, []support.FileData{file(fmt.Sprintf("c%d.txt", i), strings.Repeat("b", each))}, limit)
		}()
	}
	wg.Wait()
	stored := 0
	for i, err := range errs {
		switch support.ErrorCode(err) {
		case "":
			stored++
		case support.ETOOLARGE:
			e := support.AsError(err)
			if len(e.Fields) != 1 || e.Fields[0].Rule != support.RuleTicketSize {
				t.Errorf("comment %d refused with %+v, want one %s field error", i, e, support.RuleTicketSize)
			}
		default:
			t.Errorf("comment %d: %v", i, err)
		}
	}
	got := get(t, s, tk.Number)
	var total int64
	for _, a := range got.Attachments {
		total += a.Size
	}
	if stored != 3 || total != limit || len(got.Comments) != 3 {
		t.Errorf("%d comments stored, %d in the ticket, files total %d bytes; want 3, 3 and %d", stored, len(got.Comments), total, limit)
	}
	// Without files, the limit does not stop a comment.
	if err := s.AddComment(ctx, tk.Number, &support.Comment{Author: "a", Role: support.RoleAgent, Body: "ok"}, nil, limit); err != nil {
		t.Errorf("comment without files on a full ticket: %v", err)
	}
}

// testFiledBy: who filed a ticket is kept apart from whom it speaks for,
// in the one-by-one and batched creates alike.
func testFiledBy(t *testing.T, s support.Store) {
	var wg sync.WaitGroup
	tks := make([]*support.Ticket, 6)
	for i := range tks {
		tks[i] = newTicket("0420001N", 7, support.Mineure)
		tks[i].FiledBy = fmt.Sprintf("Agent %d <agent%d@example.fr>", i, i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.CreateTicket(context.Background(), tks[i], nil); err != nil {
				t.Errorf("CreateTicket %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	for i, tk := range tks {
		got := get(t, s, tk.Number)
		if got.FiledBy != tk.FiledBy || got.CreatedBy != 7 {
			t.Errorf("ticket %d: filed by %q for %d; want %q for 7", i, got.FiledBy, got.CreatedBy, tk.FiledBy)
		}
	}
	page := list(t, s, support.TicketQuery{})
	for _, sum := range page.Tickets {
		if !strings.HasPrefix(sum.FiledBy, "Agent ") {
			t.Errorf("listed %s filed by %q", sum.Number, sum.FiledBy)
		}
	}
}
