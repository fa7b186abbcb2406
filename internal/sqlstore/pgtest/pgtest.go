// Package pgtest gives tests a real, throwaway PostgreSQL: a cluster started
// on loopback in a temporary folder (Debian's postgresql-15 binaries), or the
// server named by ENT_SUPPORT_TEST_POSTGRES, and a fresh database per test.
//
// When the binaries are missing the test is skipped, except under CI (CI set
// and not 0/false), where it fails: CI installs them (.ci/postgres).
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/ent-support/ent-support/internal/testenv"
)

// EnvDSN names an existing server to use instead of starting one: a
// superuser's DSN, e.g. postgres://postgres@127.0.0.1:5432/postgres.
const EnvDSN = "ENT_SUPPORT_TEST_POSTGRES"

// BinDir is where Debian installs the PostgreSQL 15 server programs.
var BinDir = "/usr/lib/postgresql/15/bin"

// Cluster is a PostgreSQL server tests create databases on.
type Cluster struct {
	// Admin is a superuser DSN of the cluster's "postgres" database.
	Admin string
	dir   string // "" for a server given by EnvDSN
	port  int
	// durable keeps fsync on.
	durable  bool
	settings []string
	mu       sync.Mutex
	admin    *sql.DB
}

// InCI says whether the tests run under CI, where a missing program fails.
func InCI() bool { return testenv.InCI() }

// unavailable skips the test, or fails it under CI.
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	testenv.Unavailable(tb, "PostgreSQL", ".ci/postgres", format, args...)
}

// Start returns the server of EnvDSN if set, else a cluster of its own,
// stopped when the test ends.
func Start(tb testing.TB) *Cluster {
	tb.Helper()
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		c := &Cluster{Admin: dsn}
		c.open(tb)
		return c
	}
	return StartPrivate(tb)
}

// StartPrivate starts a cluster of the test's own, even when EnvDSN is set:
// tests that stop and restart the server use it. fsync is off (see Start).
func StartPrivate(tb testing.TB) *Cluster {
	tb.Helper()
	return startPrivate(tb, false)
}

// StartDurable starts a cluster of the caller's own with PostgreSQL's
// default durability (fsync on, synchronous_commit on): what benchmarks of
// durable writes measure.
// settings are more server settings ("name=value").
func StartDurable(tb testing.TB, settings ...string) *Cluster {
	tb.Helper()
	return startPrivate(tb, true, settings...)
}

func startPrivate(tb testing.TB, durable bool, settings ...string) *Cluster {
	tb.Helper()
	initdb := filepath.Join(BinDir, "initdb")
	if _, err := os.Stat(initdb); err != nil {
		unavailable(tb, "%s not found", initdb)
	}
	dir, err := os.MkdirTemp("", "ent-pg-")
	if err != nil {
		tb.Fatal(err)
	}
	c := &Cluster{dir: dir, durable: durable, settings: settings}
	tb.Cleanup(func() {
		c.close()
		c.ctl("stop", "-m", "immediate")
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: the cluster belongs to postgres.
		u, err := user.Lookup("postgres")
		if err != nil {
			unavailable(tb, "no postgres user to run the server as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			tb.Fatal(err)
		}
	}
	if out, err := c.run(initdb, "-D", c.data(), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"); err != nil {
		tb.Fatalf("initdb: %v\n%s", err, out)
	}
	// A free port can be taken between the probe and the start: try a few.
	for attempt := 0; ; attempt++ {
		c.port = freePort(tb)
		if err := c.Start(); err == nil {
			break
		} else if attempt == 4 {
			tb.Fatal(err)
		}
	}
	c.Admin = c.DSN("postgres")
	c.open(tb)
	return c
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

// run runs a PostgreSQL program, as the postgres user when we are root.
func (c *Cluster) run(prog string, args ...string) ([]byte, error) {
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", prog}, args...)...)
	} else {
		cmd = exec.Command(prog, args...)
	}
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

func (c *Cluster) ctl(args ...string) ([]byte, error) {
	return c.run(filepath.Join(BinDir, "pg_ctl"), append([]string{"-D", c.data(), "-w"}, args...)...)
}

// Start starts the cluster (again, after Stop) and waits until it accepts
// connections. fsync is off unless made by StartDurable: a test cluster is
// thrown away, and durability is PostgreSQL's job, not what tests check.
func (c *Cluster) Start() error {
	if c.dir == "" {
		return errors.New("pgtest: the server of " + EnvDSN + " cannot be started")
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=300", c.port, c.dir)
	if !c.durable {
		opts += " -c fsync=off"
	} else {
		// A benchmark's database: room for a million tickets in memory.
		opts += " -c shared_buffers=256MB"
	}
	for _, kv := range c.settings {
		opts += " -c " + kv
	}
	out, err := c.ctl("start", "-l", filepath.Join(c.dir, "log"), "-o", opts)
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return nil
}

// Stop stops the cluster at once, as a crash or an operator's restart
// would: sessions are cut (fast mode, 57P01 to each).
func (c *Cluster) Stop() error {
	if c.dir == "" {
		return errors.New("pgtest: the server of " + EnvDSN + " cannot be stopped")
	}
	if out, err := c.ctl("stop", "-m", "fast"); err != nil {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

// DSN returns the URL of database name on the cluster.
func (c *Cluster) DSN(name string) string {
	if c.dir == "" {
		u, _ := url.Parse(c.Admin)
		u.Path = "/" + name
		return u.String()
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

func (c *Cluster) open(tb testing.TB) {
	db, err := sql.Open("pgx", c.Admin)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if err = db.PingContext(ctx); err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		db.Close()
		if c.dir == "" && !InCI() {
			tb.Skipf("PostgreSQL of %s: %v", EnvDSN, err)
		}
		tb.Fatalf("PostgreSQL: %v", err)
	}
	c.admin = db
	if c.dir == "" {
		tb.Cleanup(c.close)
	}
}

func (c *Cluster) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.admin != nil {
		c.admin.Close()
		c.admin = nil
	}
}

// NewDatabase creates an empty database, dropped when the test ends, and
// returns its DSN.
func (c *Cluster) NewDatabase(tb testing.TB) string {
	tb.Helper()
	dsn, drop, err := c.CreateDatabase()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(drop)
	return dsn
}

// CreateDatabase creates an empty database and returns its DSN and the
// function that drops it, for callers without a testing.TB (testscript's
// Setup).
func (c *Cluster) CreateDatabase() (dsn string, drop func(), err error) {
	b := make([]byte, 6)
	rand.Read(b)
	name := "ent_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := c.admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8'`); err != nil {
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	drop = func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.admin == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c.admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	}
	return c.DSN(name), drop, nil
}

// NewDatabase is Start(tb).NewDatabase(tb): a fresh database on a cluster
// of the test's own.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	return Start(tb).NewDatabase(tb)
}

// freePort returns a loopback TCP port nobody listens on now.
func freePort(tb testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// ServerLog returns what the cluster logged so far ("" for a server given
// by EnvDSN): benchmarks read the plans auto_explain writes there.
func (c *Cluster) ServerLog() string {
	if c.dir == "" {
		return ""
	}
	b, _ := os.ReadFile(filepath.Join(c.dir, "log"))
	return string(b)
}
