// Package rttest gives tests the Request Tracker that .ci/rt installed and
// seeded: its URL, queue and the tokens of a correspondent and an agent.
// ENT_SUPPORT_TEST_RT names the env file .ci/rt wrote. Without it a test
// is skipped on a developer's machine, and fails under CI: CI must run
// against the real RT.
package rttest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/testenv"
)

// EnvVar names the env file written by .ci/rt.
const EnvVar = "ENT_SUPPORT_TEST_RT"

// Env is the seeded RT.
type Env struct {
	URL, Queue                     string
	CorrToken, CorrEmail, CorrUser string
	CorrPassword                   string
	AgentToken, AgentUser          string
	ServerBin                      string
}

// Load reads the env file, or skips (fails under CI) without one.
func Load(t testing.TB) *Env {
	t.Helper()
	path := os.Getenv(EnvVar)
	if path == "" {
		if testenv.InCI() {
			t.Fatalf("%s is not set: .ci/run must install RT (bash .ci/rt) and export it", EnvVar)
		}
		t.Skipf("%s is not set: run `export %s=$(bash .ci/rt)` to test against Request Tracker", EnvVar, EnvVar)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	defer f.Close()
	kv := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			kv[k] = strings.Trim(v, `'"`)
		}
	}
	e := &Env{URL: kv["RT_URL"], Queue: kv["RT_QUEUE"], CorrToken: kv["RT_CORR_TOKEN"], CorrEmail: kv["RT_CORR_EMAIL"],
		CorrUser: kv["RT_CORR_USER"], CorrPassword: kv["RT_CORR_PASSWORD"], AgentToken: kv["RT_AGENT_TOKEN"],
		AgentUser: kv["RT_AGENT_USER"], ServerBin: kv["RT_SERVER_BIN"]}
	if e.URL == "" || e.CorrToken == "" || e.AgentToken == "" {
		t.Fatalf("%s (%s) lacks RT_URL or tokens", EnvVar, path)
	}
	return e
}

// Server is an RT server process of a test's own, on the seeded database:
// a test may stop it and start it again.
type Server struct {
	URL  string
	Port int
	bin  string
	cmd  *exec.Cmd
	t    testing.TB
}

// FreePort returns a loopback port free now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartServer starts rt-server on a free port and waits until REST2
// answers; it is stopped at the end of the test.
func (e *Env) StartServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{Port: FreePort(t), bin: e.ServerBin, t: t}
	s.URL = "http://127.0.0.1:" + strconv.Itoa(s.Port)
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start starts the process (again) and waits for REST2.
func (s *Server) Start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "--server", "Starlet", "--host", "127.0.0.1", "--port", strconv.Itoa(s.Port),
		"--max-workers", "2")
	ownGroup(s.cmd)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("rt-server: %v", err)
	}
	if err := WaitUp(s.URL, 30*time.Second); err != nil {
		s.Stop()
		s.t.Fatal(err)
	}
}

// Stop kills the server's process group (Starlet's workers with it).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	killGroup(s.cmd)
	s.cmd.Wait()
	s.cmd = nil
}

// WaitUp waits until RT's REST2 answers at url (401 without a token).
func WaitUp(url string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/REST/2.0/rt", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("RT at %s did not answer in %v", url, d)
}
