package sqlstore

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/sqlstore/storetest"
	"github.com/ent-support/ent-support/internal/support"
	"github.com/google/go-cmp/cmp"
)

func openTest(tb testing.TB, opts Options) (*DB, string) {
	tb.Helper()
	file := filepath.Join(tb.TempDir(), "data", "support.db")
	db, err := Open(context.Background(), "sqlite:"+file, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, file
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) support.Store {
		db, _ := openTest(t, Options{})
		return db
	})
}

// The suite again with group commit off: each create then runs without
// savepoints, a different code path.
func TestStoreOneTransactionPerCreate(t *testing.T) {
	storetest.Run(t, func(t *testing.T) support.Store {
		db, _ := openTest(t, Options{maxBatch: 1})
		return db
	})
}

func TestOpenCreatesPrivateFileAndDir(t *testing.T) {
	_, file := openTest(t, Options{})
	for path, want := range map[string]os.FileMode{filepath.Dir(file): 0o700, file: 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
	}
}

func TestOpenPragmas(t *testing.T) {
	db, _ := openTest(t, Options{})
	for _, c := range []struct {
		pragma, want string
	}{{"journal_mode", "wal"}, {"synchronous", "2"}, {"foreign_keys", "1"}, {"busy_timeout", "10000"}} {
		for _, pool := range []string{"write", "read", "blobs"} {
			checkPragma(t, db, pool, c.pragma, c.want)
		}
	}
	// Only the files' pool maps the file (a mapping is dropped at the
	// first read after each commit); the writer keeps its statement
	// journal in memory (2).
	checkPragma(t, db, "read", "mmap_size", "0")
	checkPragma(t, db, "blobs", "mmap_size", "2147418112")
	checkPragma(t, db, "write", "temp_store", "2")
}

func checkPragma(t *testing.T, db *DB, pool, pragma, want string) {
	t.Helper()
	conn := map[string]*sql.DB{"write": db.write, "read": db.read, "blobs": db.blobs}[pool]
	var got string
	if err := conn.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("%s pool: PRAGMA %s = %s, want %s", pool, pragma, got, want)
	}
}

func TestParseDSN(t *testing.T) {
	abs, _ := filepath.Abs("rel.db")
	tests := []struct {
		dsn      string
		file     string
		readOnly bool
		bad      bool
	}{
		{dsn: "sqlite:/tmp/x.db", file: "/tmp/x.db"},
		{dsn: "sqlite:///tmp/x.db", file: "/tmp/x.db"},
		{dsn: "/tmp/x.db", file: "/tmp/x.db"},
		{dsn: "sqlite:rel.db", file: abs},
		{dsn: "sqlite:/tmp/x.db?mode=ro", file: "/tmp/x.db", readOnly: true},
		{dsn: "sqlite:/tmp/x.db?_pragma=synchronous(OFF)", bad: true},
		{dsn: "sqlite:", bad: true},
	}
	for _, tt := range tests {
		file, ro, err := parseSQLiteDSN(tt.dsn)
		if tt.bad {
			if err == nil {
				t.Errorf("parseSQLiteDSN(%q): no error", tt.dsn)
			}
			continue
		}
		if err != nil || file != tt.file || ro != tt.readOnly {
			t.Errorf("parseSQLiteDSN(%q) = %q, %v, %v; want %q, %v", tt.dsn, file, ro, err, tt.file, tt.readOnly)
		}
	}
}

// A path with characters that mean something in a URI still opens the file
// it names. ("?" cannot be in a path: it starts the DSN's parameters.)
func TestOpenOddPath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a b#c%d&e=f", "x.db")
	db, err := Open(context.Background(), file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(file); err != nil {
		t.Errorf("file not where asked: %v", err)
	}
}

// Two processes (here, two stores) opening a new database at once: both
// succeed and the schema is applied once.
func TestOpenConcurrentMigrations(t *testing.T) {
	file := filepath.Join(t.TempDir(), "x.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(context.Background(), file, Options{})
			if err == nil {
				err = db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := db.dialect.loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.read.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(ms) {
		t.Errorf("schema_migrations has %d rows (%v), want %d: each migration once", n, err, len(ms))
	}
}

func TestInjectedClock(t *testing.T) {
	at := time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.FixedZone("CET", 3600))
	db, _ := openTest(t, Options{Now: func() time.Time { return at }})
	tk := storetestTicket()
	if _, err := db.CreateTicket(context.Background(), tk, nil); err != nil {
		t.Fatal(err)
	}
	want := at.UTC().Truncate(time.Microsecond)
	if !tk.CreatedAt.Equal(want) || tk.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v", tk.CreatedAt, want)
	}
	got, err := db.GetTicket(context.Background(), tk.Number)
	if err != nil {
		t.Fatal(err)
	}
	if got.CreatedAt != want || got.History[0].At != want {
		t.Errorf("stored times = %v, %v; want %v", got.CreatedAt, got.History[0].At, want)
	}
}

func storetestTicket() *support.Ticket {
	return &support.Ticket{TicketSummary: support.TicketSummary{
		Number: support.Number{Prefix: "CG42N1"},
		TicketInput: support.TicketInput{
			Reporter:      support.Reporter{Name: "Anne Dupré", Function: support.Adjoint, Phone: "+33639981234", Email: "anne@example.fr"},
			Establishment: support.Establishment{UAI: "0420001N"},
			Subject:       "Messagerie en panne",
			Population:    []support.Population{"tous"},
			Description:   "La messagerie ne s'ouvre plus depuis hier soir.",
			Location:      "Accueil > Messagerie",
			Priority:      support.Majeure,
		},
		CreatedBy: 1,
	}}
}

func TestCreateAfterClose(t *testing.T) {
	db, _ := openTest(t, Options{})
	db.Close()
	_, err := db.CreateTicket(context.Background(), storetestTicket(), nil)
	if support.ErrorCode(err) != support.EUNAVAILABLE {
		t.Errorf("CreateTicket after Close: %v, want EUNAVAILABLE", err)
	}
}

func TestCreateCanceled(t *testing.T) {
	db, _ := openTest(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.CreateTicket(ctx, storetestTicket(), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateTicket with a canceled context: %v", err)
	}
}

// A read-only database refuses creates with EUNAVAILABLE and still serves
// reads. Tests run as root, which ignores file permissions, so the file is
// opened read-only by SQLite itself (mode=ro): the kernel is not asked.
func TestReadOnlyDatabase(t *testing.T) {
	db, file := openTest(t, Options{})
	tk := storetestTicket()
	if _, err := db.CreateTicket(context.Background(), tk, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	ro, err := Open(context.Background(), "sqlite:"+file+"?mode=ro", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.GetTicket(context.Background(), tk.Number); err != nil {
		t.Errorf("GetTicket on a read-only database: %v", err)
	}
	_, err = ro.CreateTicket(context.Background(), storetestTicket(), nil)
	t.Logf("create on read-only: %v", err)
	if got := support.AsError(err); got.Code != support.EUNAVAILABLE || got.Key != "error.storage_unavailable" {
		t.Errorf("CreateTicket on a read-only database: %v, want EUNAVAILABLE error.storage_unavailable", err)
	}
	err = ro.CreateUser(context.Background(), &support.User{Name: "X", Email: "x@example.fr", Role: support.RoleAgent}, "h")
	if support.ErrorCode(err) != support.EUNAVAILABLE {
		t.Errorf("CreateUser on a read-only database: %v, want EUNAVAILABLE", err)
	}
}

func TestMapError(t *testing.T) {
	db, _ := openTest(t, Options{})
	_, err := db.write.Exec(`INSERT INTO counters (prefix, last) VALUES ('A', 1), ('A', 2)`)
	if got := support.AsError(mapError(err)); got.Code != support.ECONFLICT {
		t.Errorf("unique violation maps to %v, want ECONFLICT", got)
	}
	_, err = db.write.Exec(`INSERT INTO history (ticket_id, at, actor, to_status) VALUES (999, 0, 'x', 'nouveau')`)
	mapped := mapError(err)
	if support.ErrorCode(mapped) != support.EINTERNAL || !strings.Contains(mapped.Error(), "FOREIGN KEY") {
		t.Errorf("foreign key violation maps to %v, want EINTERNAL keeping the cause", mapped)
	}
	_, err = db.read.Exec(`INSERT INTO counters (prefix, last) VALUES ('B', 1)`)
	if support.ErrorCode(mapError(err)) != support.EUNAVAILABLE {
		t.Errorf("write on a read-only connection maps to %v, want EUNAVAILABLE", mapError(err))
	}
	if err := mapError(context.Canceled); err != context.Canceled {
		t.Errorf("context.Canceled maps to %v", err)
	}
	nf := support.Errorf(support.ENOTFOUND, "x", nil)
	if err := mapError(nf); err != nf {
		t.Errorf("a support error is changed: %v", err)
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Lycée Claude-Fauriel":  "lycee claude fauriel",
		"SAINT-ÉTIENNE":         "saint etienne",
		"Collège  d’Œuvre":      "college d oeuvre",
		"  Çà et là, Noël  ":    "ca et la, noel",
		"L'Haÿ-les-Roses École": "l hay les roses ecole",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// childEnv names the database a re-executed test binary writes to before
// being killed.
const childEnv = "SQLSTORE_DURABILITY_CHILD_DB"

// TestDurabilityChild is the child of TestDurabilityKill: it creates
// tickets, prints each number once its create has returned, and waits to be
// killed.
func TestDurabilityChild(t *testing.T) {
	file := os.Getenv(childEnv)
	if file == "" {
		t.Skip("run by TestDurabilityKill")
	}
	db, err := Open(context.Background(), file, Options{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for {
		tk := storetestTicket()
		if _, err := db.CreateTicket(context.Background(), tk, nil); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("created", tk.Number.String())
	}
}

// A ticket whose number was returned survives the process being killed
// (SIGKILL: no deferred Close, no checkpoint). Power loss is the same bet on
// synchronous=FULL, which TestOpenPragmas checks.
func TestDurabilityKill(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	file := filepath.Join(t.TempDir(), "kill.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestDurabilityChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+file)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Let it create for a while, then kill it in the middle of its work.
	var last string
	sc := bufio.NewScanner(out)
	count := 0
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "created "); ok {
			last = n
			count++
			if count == 300 {
				break
			}
		} else if strings.HasPrefix(line, "error") {
			t.Fatalf("child: %s", line)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Numbers printed between our last read and the kill were durable too;
	// keep reading to the end so as to check the very last one.
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "created "); ok {
			last = n
		}
	}
	cmd.Wait()
	if last == "" {
		t.Fatal("the child created nothing")
	}

	db, err := Open(context.Background(), file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, fe := support.ParseNumber(last)
	if fe != nil {
		t.Fatalf("bad number %q", last)
	}
	got, err := db.GetTicket(context.Background(), n)
	if err != nil {
		t.Fatalf("ticket %s, returned before the kill, is lost: %v", last, err)
	}
	if diff := cmp.Diff(storetestTicket().Subject, got.Subject); diff != "" {
		t.Error(diff)
	}
	// And nothing before it is missing.
	page, err := db.ListTickets(context.Background(), support.TicketQuery{TicketFilter: support.TicketFilter{Limit: 1}})
	if err != nil || len(page.Tickets) == 0 || page.Tickets[0].Number.Seq < n.Seq {
		t.Fatalf("newest ticket after reopen: %+v, %v", page, err)
	}
	t.Logf("%s survived SIGKILL (child created %d+ tickets)", last, count)
}
