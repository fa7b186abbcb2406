package service_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/sqlstore"
	"github.com/ent-support/ent-support/internal/support"
)

// The directory every fixture starts with, and a valid UAI it lacks.
const (
	uaiA       = "0421234N" // Collège Jean Moulin, Saint-Étienne
	uaiB       = "0690001B" // Lycée du Parc, Lyon
	uaiUnknown = "0010001W"

	bootstrapToken = "bootstrap-token-0123456789abcdef"
)

var (
	estA = support.Establishment{UAI: uaiA, Name: "Collège Jean Moulin", City: "Saint-Étienne", Department: "042"}
	estB = support.Establishment{UAI: uaiB, Name: "Lycée du Parc", City: "Lyon", Department: "069"}
)

// clock is a test clock that moves one second at each reading, so that
// every write has its own time; safe for concurrent use.
func clock() func() time.Time {
	var n atomic.Int64
	t0 := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	return func() time.Time { return t0.Add(time.Duration(n.Add(1)) * time.Second) }
}

// openStore opens a new SQLite database in a temporary folder, closed at
// the end of the test.
func openStore(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	db, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(tb.TempDir(), "support.db"),
		sqlstore.Options{Now: clock()})
	if err != nil {
		tb.Fatalf("sqlstore.Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// fixture is a service on a real database, with its first admin and the
// establishments A and B in the directory.
type fixture struct {
	tb    testing.TB
	db    *sqlstore.DB
	svc   *service.Service
	admin *support.User
	users int // for unique e-mails
}

func newFixture(tb testing.TB, cfg service.Config) *fixture {
	tb.Helper()
	ctx := context.Background()
	db := openStore(tb)
	if cfg.Now == nil {
		cfg.Now = clock()
	}
	f := &fixture{tb: tb, db: db, svc: service.New(db, cfg)}
	if ok, err := f.svc.Bootstrap(ctx, bootstrapToken); err != nil || !ok {
		tb.Fatalf("Bootstrap = %v, %v; want true, nil", ok, err)
	}
	admin, err := f.svc.Authenticate(ctx, bootstrapToken)
	if err != nil {
		tb.Fatalf("Authenticate(bootstrap token): %v", err)
	}
	f.admin = admin
	for _, e := range []support.Establishment{estA, estB} {
		if _, err := f.svc.AddEstablishment(f.as(admin), e); err != nil {
			tb.Fatalf("AddEstablishment(%s): %v", e.UAI, err)
		}
	}
	return f
}

// as returns a context carrying u.
func (f *fixture) as(u *support.User) context.Context {
	return support.WithUser(context.Background(), u)
}

// user creates a person through the service, as the admin, and returns
// them as their token authenticates them (memberships included).
func (f *fixture) user(role support.Role, uais ...string) *support.User {
	f.tb.Helper()
	f.users++
	in := support.UserInput{
		Name:  "Personne " + string(rune('A'+f.users-1)),
		Email: fmt.Sprintf("user%d@example.fr", f.users),
		Role:  role,
		UAIs:  uais,
	}
	if role == support.RoleReporter {
		in.Function = support.ChefEtablissement
	}
	_, token, err := f.svc.CreateUser(f.as(f.admin), in)
	if err != nil {
		f.tb.Fatalf("CreateUser(%s): %v", role, err)
	}
	u, err := f.svc.Authenticate(context.Background(), token)
	if err != nil {
		f.tb.Fatalf("Authenticate(new %s): %v", role, err)
	}
	return u
}

// create files a ticket that must be accepted.
func (f *fixture) create(u *support.User, in support.TicketInput, opts support.CreateOptions) *support.Ticket {
	f.tb.Helper()
	t, err := f.svc.CreateTicket(f.as(u), in, opts)
	if err != nil {
		f.tb.Fatalf("CreateTicket: %v (fields %v)", err, fieldsOf(err))
	}
	return t
}

// stored writes a ticket of u straight into the store, with one PNG file:
// a ticket filed before a reporter could file only for their own
// establishments (or before they left the one it names).
func (f *fixture) stored(u *support.User, in support.TicketInput, png []byte) *support.Ticket {
	f.tb.Helper()
	in, errs := in.Normalize()
	if len(errs) > 0 {
		f.tb.Fatalf("Normalize: %v", errs)
	}
	for _, e := range []support.Establishment{estA, estB} {
		if e.UAI == in.Establishment.UAI {
			in.Establishment = e
		}
	}
	sum := sha256.Sum256(png)
	t := &support.Ticket{TicketSummary: support.TicketSummary{Number: support.Number{Prefix: f.svc.Prefix()},
		TicketInput: in, CreatedBy: u.ID, FiledBy: u.Mailbox()}}
	if _, err := f.db.CreateTicket(context.Background(), t, []support.FileData{{
		Attachment: support.Attachment{Name: "capture.png", ContentType: "image/png", Size: int64(len(png)), SHA256: hex.EncodeToString(sum[:])},
		Open:       func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(png)), nil },
	}}); err != nil {
		f.tb.Fatalf("store CreateTicket: %v", err)
	}
	return t
}

// list returns the numbers of the tickets u sees with filter fl.
func (f *fixture) list(u *support.User, fl support.TicketFilter) []string {
	f.tb.Helper()
	page, err := f.svc.ListTickets(f.as(u), fl)
	if err != nil {
		f.tb.Fatalf("ListTickets(%+v): %v", fl, err)
	}
	return numbers(page.Tickets)
}

func numbers(ts []support.TicketSummary) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Number.String())
	}
	return out
}

// validInput is a ticket that breaks no rule.
func validInput(uai string) support.TicketInput {
	return support.TicketInput{
		Reporter: support.Reporter{Name: "Marie Dupont", Function: support.ChefEtablissement,
			Phone: "06 39 98 12 34", Email: "marie.dupont@example.fr"},
		Establishment: support.Establishment{UAI: uai},
		Subject:       "La messagerie ne s'ouvre plus",
		Population:    []support.Population{"enseignants", "eleves"},
		Description:   "Depuis ce matin, la messagerie affiche une page blanche pour tous les comptes.",
		Location:      "Accueil > Messagerie",
		Priority:      support.Majeure,
	}
}

// fieldRule is what a test compares of a field error.
type fieldRule struct{ Field, Rule string }

// fieldsOf returns the field errors of err as (field, rule) pairs.
func fieldsOf(err error) []fieldRule {
	var e *support.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []fieldRule
	for _, fe := range e.Fields {
		out = append(out, fieldRule{fe.Field, fe.Rule})
	}
	return out
}

// wantError checks the code of err and, when key is not empty, its key.
func wantError(tb testing.TB, err error, code, key string) {
	tb.Helper()
	if got := support.ErrorCode(err); got != code {
		tb.Fatalf("error %v: code %q, want %q", err, got, code)
	}
	if key == "" {
		return
	}
	var e *support.Error
	errors.As(err, &e)
	if e.Key != key {
		tb.Fatalf("error %v: key %q, want %q", err, e.Key, key)
	}
}

// wantFields checks that err is EINVALID with exactly these field errors.
func wantFields(tb testing.TB, err error, want ...fieldRule) {
	tb.Helper()
	wantError(tb, err, support.EINVALID, "")
	if diff := cmp.Diff(want, fieldsOf(err)); diff != "" {
		tb.Fatalf("field errors (-want +got):\n%s", diff)
	}
}

// pngBytes returns a real PNG image, padded after its end to at least size
// bytes (the type is told by the first bytes).
func pngBytes(tb testing.TB, size int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	if b.Len() < size {
		b.Write(make([]byte, size-b.Len()))
	}
	return b.Bytes()
}

// elfBytes is the start of a Linux executable.
func elfBytes() []byte {
	return append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 200)...)
}

// upload makes an Upload of data in memory.
func upload(name string, data []byte) support.Upload {
	return support.Upload{Name: name, Size: int64(len(data)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}
