// Package redminetest finds the real Redmine that .ci/redmine installed,
// started and seeded, for the tests that run against it, and starts or
// stops private instances of it (same database, another port) for the
// tests that stop a server mid-run.
package redminetest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/testenv"
)

// Env is a seeded Redmine: its address, the correspondent's key (role
// Rapporteur), an agent's (Manager), the admin's, the project and tracker.
type Env struct {
	URL, Key, AgentKey, AdminKey, Project, Tracker string
}

// root is the repository's root.
func root() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "..")
}

// Real returns the Redmine that .ci/redmine started, from the environment
// (REDMINE_URL…) or the env file it wrote (ENT_REDMINE_ENV, else
// .ci/redmine.env). Without one the test is skipped locally, and FAILS
// under CI, where .ci/run must have started it.
func Real(t testing.TB) Env {
	t.Helper()
	vals := map[string]string{}
	file := os.Getenv("ENT_REDMINE_ENV")
	if file == "" {
		file = filepath.Join(root(), ".ci", "redmine.env")
	}
	if b, err := os.ReadFile(file); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
				vals[k] = v
			}
		}
	}
	get := func(k string) string { return cmpOr(os.Getenv(k), vals[k]) }
	e := Env{URL: get("REDMINE_URL"), Key: get("REDMINE_KEY"), AgentKey: get("REDMINE_AGENT_KEY"),
		AdminKey: get("REDMINE_ADMIN_KEY"), Project: get("REDMINE_PROJECT"), Tracker: get("REDMINE_TRACKER")}
	if e.URL == "" || e.Key == "" {
		if testenv.InCI() {
			t.Fatalf("no Redmine under CI: .ci/run must run .ci/redmine first (%s)", file)
		}
		t.Skip("no Redmine: run .ci/redmine first")
	}
	if err := answers(e.URL); err != nil {
		t.Fatalf("Redmine at %s does not answer (bash .ci/redmine start): %v", e.URL, err)
	}
	return e
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func answers(url string) error {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url + "/")
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// Instance is a private Redmine process (thin) on the shared database.
type Instance struct {
	URL  string
	Port int
	pid  int
}

// Start starts a thin on port (a free one when 0) and waits until it
// answers (about 4 s).
func Start(port int) (*Instance, error) {
	if port == 0 {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		port = p
	}
	cmd := exec.Command("bash", filepath.Join(root(), ".ci", "redmine"), "serve", strconv.Itoa(port))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf(".ci/redmine serve %d: %v\n%s", port, err, errb.String())
	}
	pid, err := strconv.Atoi(strings.TrimSpace(out.String()))
	if err != nil {
		return nil, fmt.Errorf(".ci/redmine serve printed %q", out.String())
	}
	return &Instance{URL: "http://127.0.0.1:" + strconv.Itoa(port), Port: port, pid: pid}, nil
}

// Stop kills the instance (SIGKILL: a crash, not a goodbye) and waits
// until its port refuses connections.
func (i *Instance) Stop() error {
	if i == nil || i.pid == 0 {
		return nil
	}
	if p, err := os.FindProcess(i.pid); err == nil {
		p.Kill() // SIGKILL where there are signals
	}
	i.pid = 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if answers(i.URL) != nil {
			return nil
		}
	}
	return fmt.Errorf("redmine on %s still answers after SIGKILL", i.URL)
}

func freePort() (int, error) {
	// Ask the kernel for a free port, then let it go for thin to take.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
