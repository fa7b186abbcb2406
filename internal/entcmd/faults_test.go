package entcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/servertest"
)

// These tests cause the faults a school's network and a server's host
// really have — a server killed with SIGKILL and restarted, a connection
// reset in the middle of an upload, 503 answers with Retry-After — against
// the real binary and a real server process on loopback. Whatever happens,
// each ticket must end confirmed exactly once or kept in the outbox, and
// never be filed twice.

// serverProc is a reference server process (started by servertest) that
// can be killed and restarted on the same address and database, with what
// these tests give every server: the bootstrap admin, the prefix, an open
// directory.
type serverProc struct {
	*servertest.Proc
	t     testing.TB
	bin   string
	dir   string
	addr  string
	db    string // the --database DSN
	kills atomic.Int32
}

func newServerProc(t testing.TB) *serverProc {
	t.Helper()
	return newServerProcOn(t, "")
}

// newServerProcOn starts a server process on database db ("" for a SQLite
// file of its own), with more server flags.
func newServerProcOn(t testing.TB, db string, args ...string) *serverProc {
	t.Helper()
	return newServerProcOf(t, "", db, args...)
}

// newServerProcOf is newServerProcOn with the binary bin ("" for this
// one): benchmarks compare the server of another build.
func newServerProcOf(t testing.TB, bin, db string, args ...string) *serverProc {
	t.Helper()
	return newServerProcEnv(t, bin, db, nil, args...)
}

// newServerProcEnv is newServerProcOf with env added to the server's
// environment.
func newServerProcEnv(t testing.TB, bin, db string, env []string, args ...string) *serverProc {
	t.Helper()
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("ent-support"); err != nil {
			t.Fatal(err)
		}
	}
	// A fixed address, so that a restart comes back where the clients
	// and proxies point.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := servertest.Start(t, servertest.Options{Bin: bin, Token: bootstrapToken, Database: db, Addr: addr, Env: env,
		Args: append([]string{"--prefix", "CG42N1", "--open-directory"}, args...)})
	return &serverProc{Proc: p, t: t, bin: bin, dir: p.Dir, addr: addr, db: p.Database()}
}

func (s *serverProc) url() string { return s.URL() }

// pid is the running server's process ID.
func (s *serverProc) pid() int { return s.Pid() }

// start starts the server again after kill9 and waits until it listens;
// it may be called from any goroutine (failures are reported with Error).
func (s *serverProc) start() {
	if err := s.Restart(); err != nil {
		s.t.Error(err)
	}
}

// stop stops the server gracefully (SIGINT); start brings it back.
func (s *serverProc) stop() { s.Stop() }

// kill9 kills the server with SIGKILL and waits until it is gone.
func (s *serverProc) kill9() {
	if s.Kill() {
		s.kills.Add(1)
	}
}

// client is one person's machine: its own configuration and state
// (drafts, outbox), talking to server.
type client struct {
	t      testing.TB
	bin    string
	dir    string
	server string
	env    []string // more environment, e.g. ENT_SUPPORT_TIMEOUT
}

func newClient(t testing.TB, server string) *client {
	bin, err := exec.LookPath("ent-support")
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, bin: bin, dir: t.TempDir(), server: server}
	ticket := `reporter: {name: Marie Curie, function: chef_etablissement, phone: 06 39 98 12 34, email: marie.curie@example.org}
establishment: {uai: 0421234N, name: Collège du Pilat, city: Bourg-Argental}
subject: Le cahier de textes reste vide
population: [eleves]
description: Depuis ce matin, la page du cahier de textes reste blanche pour les élèves de 5e.
location: Accueil > Vie scolaire > Cahier de textes
priority: majeure
`
	if err := os.WriteFile(filepath.Join(c.dir, "ticket.yaml"), []byte(ticket), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

// run runs ent-support with args and returns its exit code and outputs.
func (c *client) run(args ...string) (int, string, string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "ENT_SUPPORT_SERVER="+c.server, "ENT_SUPPORT_TOKEN="+bootstrapToken,
		"ENT_SUPPORT_CONFIG_DIR="+filepath.Join(c.dir, "config"), "ENT_SUPPORT_STATE_DIR="+filepath.Join(c.dir, "state"),
		"ENT_SUPPORT_DATA_DIR="+filepath.Join(c.dir, "data"), "LANG=fr_FR.UTF-8", "CI=true")
	cmd.Env = append(cmd.Env, c.env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("ent-support %s: %v", strings.Join(args, " "), err)
	}
	return code, out.String(), errb.String()
}

var numberLine = regexp.MustCompile(`(?m)^CG42N1-\d+$`)

// file files one ticket; it returns the number printed, or "" when the
// ticket was kept in the outbox (exit 5). Any other outcome fails.
func (c *client) file(subject string, extra ...string) string {
	c.t.Helper()
	args := append([]string{"new", "--no-input", "--from-file", "ticket.yaml", "--subject", subject}, extra...)
	code, out, errs := c.run(args...)
	switch code {
	case 0:
		n := strings.TrimSpace(out)
		if !numberLine.MatchString(n) {
			c.t.Errorf("new printed %q, not a number", out)
		}
		return n
	case 5:
		return ""
	default:
		c.t.Errorf("new %q: exit %d\n%s", subject, code, errs)
		return ""
	}
}

// flush sends what waits in the outbox and returns the numbers printed.
func (c *client) flush() []string {
	c.t.Helper()
	code, out, errs := c.run("outbox", "send")
	if code != 0 {
		c.t.Fatalf("outbox send: exit %d\n%s", code, errs)
	}
	return numberLine.FindAllString(out, -1)
}

// tickets lists every ticket on the server, as the admin.
func tickets(t *testing.T, server string) map[string]string {
	t.Helper()
	req, _ := http.NewRequest("GET", server+"/api/v1/tickets?limit=500", nil)
	req.Header.Set("Authorization", "Bearer "+bootstrapToken)
	out := map[string]string{}
	for {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Tickets []struct {
				Number  string `json:"number"`
				Subject string `json:"subject"`
			} `json:"tickets"`
			Next string `json:"next_cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range page.Tickets {
			if prev, dup := out[tk.Number]; dup {
				t.Fatalf("number %s listed twice (%q, %q)", tk.Number, prev, tk.Subject)
			}
			out[tk.Number] = tk.Subject
		}
		if page.Next == "" {
			return out
		}
		req.URL.RawQuery = "limit=500&cursor=" + url.QueryEscape(page.Next)
	}
}

// checkExactlyOnce checks that the server holds exactly the subjects
// wanted, each once, and every number a client printed.
func checkExactlyOnce(t *testing.T, server string, subjects []string, printed []string) {
	t.Helper()
	got := tickets(t, server)
	bySubject := map[string][]string{}
	for n, s := range got {
		bySubject[s] = append(bySubject[s], n)
	}
	for _, s := range subjects {
		if ns := bySubject[s]; len(ns) != 1 {
			t.Errorf("%q filed %d times (%v), want once", s, len(ns), ns)
		}
	}
	if len(got) != len(subjects) {
		t.Errorf("%d tickets on the server, want %d", len(got), len(subjects))
	}
	for _, n := range printed {
		if _, ok := got[n]; !ok {
			t.Errorf("a client printed %s, which the server does not have", n)
		}
	}
}

// TestKill9WhileFourClientsFile: four clients file 30 tickets each while
// the server is killed with SIGKILL and restarted on the same database,
// again and again. After `outbox send`, exactly 120 tickets exist, and
// every number a client printed is among them.
func TestKill9WhileFourClientsFile(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a server many times: not in -short")
	}
	srv := newServerProc(t)
	const clients, each = 4, 30
	done := make(chan struct{})
	killerDone := make(chan struct{})
	go func() {
		defer close(killerDone)
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Duration(100+rand.IntN(150)) * time.Millisecond):
			}
			srv.kill9()
			// Down for a moment, and the first time and every fourth time
			// after for longer than the client's retries last, so that some
			// tickets go to the outbox however fast the clients are.
			down := time.Duration(rand.IntN(200)) * time.Millisecond
			if srv.kills.Load()%4 == 1 {
				down = 6 * time.Second
			}
			time.Sleep(down)
			srv.start()
		}
	}()

	var (
		mu       sync.Mutex
		printed  []string
		subjects []string
		kept     atomic.Int32
		wg       sync.WaitGroup
	)
	cs := make([]*client, clients)
	for i := range cs {
		cs[i] = newClient(t, srv.url())
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				subject := fmt.Sprintf("Client %d, ticket %d", i, j)
				n := cs[i].file(subject)
				mu.Lock()
				subjects = append(subjects, subject)
				if n != "" {
					printed = append(printed, n)
				} else {
					kept.Add(1)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(done)
	<-killerDone
	for _, c := range cs {
		printed = append(printed, c.flush()...)
	}
	t.Logf("%d kills; %d tickets confirmed at once, %d kept in an outbox and sent later",
		srv.kills.Load(), clients*each-int(kept.Load()), kept.Load())
	if srv.kills.Load() < 3 || kept.Load() == 0 {
		t.Errorf("%d kills, %d tickets kept: the test did not test much", srv.kills.Load(), kept.Load())
	}
	checkExactlyOnce(t, srv.url(), subjects, printed)
}

// faultProxy stands between the client and the server on loopback, and
// breaks the first upload in one of several ways.
type faultProxy struct {
	ln       net.Listener
	upstream string
	// onUpload is called once, when a connection has carried more than
	// trigger bytes towards the server (only an upload does); it returns
	// whether to reset the client's connection.
	trigger  int64
	onUpload func() (reset bool)
	fired    atomic.Bool
}

func newFaultProxy(t *testing.T, upstream string, trigger int64, onUpload func() bool) *faultProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{ln: ln, upstream: upstream, trigger: trigger, onUpload: onUpload}
	go p.serve()
	t.Cleanup(func() { ln.Close() })
	return p
}

func (p *faultProxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *faultProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.pipe(c.(*net.TCPConn))
	}
}

func (p *faultProxy) pipe(c *net.TCPConn) {
	defer c.Close()
	u, err := net.Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	defer u.Close()
	go func() { io.Copy(c, u); c.CloseWrite() }()
	buf := make([]byte, 32<<10)
	var sent int64
	for {
		n, err := c.Read(buf)
		if n > 0 {
			sent += int64(n)
			if sent > p.trigger && p.fired.CompareAndSwap(false, true) && p.onUpload() {
				c.SetLinger(0) // close with RST: a connection reset mid-upload
				return
			}
			if _, werr := u.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			u.(*net.TCPConn).CloseWrite()
			return
		}
	}
}

// pngFile writes a PNG of size bytes in dir.
func pngFile(t *testing.T, dir string, size int) string {
	t.Helper()
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	b = append(b, bytes.Repeat([]byte{0x42}, size-len(b))...)
	p := filepath.Join(dir, "capture.png")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFaultsEndConfirmedOnceOrKept: each fault ends with the ticket either
// confirmed once or kept in the outbox and sent later — never twice.
func TestFaultsEndConfirmedOnceOrKept(t *testing.T) {
	for _, tc := range []struct {
		name string
		// front returns the URL the client talks to, and sets hit when
		// the fault happened.
		front func(t *testing.T, srv *serverProc, hit *atomic.Bool) string
		env   []string
		// noFile sends the ticket without the 4 MiB screenshot (an upload's
		// deadline grows with its size); wantKept says the fault must end
		// in the outbox rather than be absorbed by a retry.
		noFile, wantKept bool
	}{
		{"server down, then back", func(t *testing.T, srv *serverProc, hit *atomic.Bool) string {
			srv.kill9()
			hit.Store(true)
			go func() { time.Sleep(1500 * time.Millisecond); srv.start() }()
			return srv.url()
		}, nil, false, false},
		{"server killed in the middle of an upload", func(t *testing.T, srv *serverProc, hit *atomic.Bool) string {
			return newFaultProxy(t, srv.addr, 1<<20, func() bool {
				hit.Store(true)
				srv.kill9()
				go func() { time.Sleep(300 * time.Millisecond); srv.start() }()
				return false
			}).url()
		}, nil, false, false},
		{"connection reset in the middle of an upload", func(t *testing.T, srv *serverProc, hit *atomic.Bool) string {
			return newFaultProxy(t, srv.addr, 1<<20, func() bool { hit.Store(true); return true }).url()
		}, nil, false, false},
		{"server slower than the client's timeout", func(t *testing.T, srv *serverProc, hit *atomic.Bool) string {
			// The server files the ticket, but its answer comes after the
			// client gave up: the response is lost, the ticket is not.
			up, _ := url.Parse(srv.url())
			proxy := httputil.NewSingleHostReverseProxy(up)
			proxy.Transport = slowTransport{hit: hit}
			return serveFront(t, proxy)
		}, []string{"ENT_SUPPORT_TIMEOUT=1s"}, true, true},
		{"503 with Retry-After", func(t *testing.T, srv *serverProc, hit *atomic.Bool) string {
			up, _ := url.Parse(srv.url())
			proxy := httputil.NewSingleHostReverseProxy(up)
			var refused atomic.Int32
			return serveFront(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == "POST" && refused.Add(1) <= 2 {
					hit.Store(true)
					io.Copy(io.Discard, r.Body)
					w.Header().Set("Retry-After", "1")
					w.Header().Set("Content-Type", "application/problem+json")
					w.WriteHeader(http.StatusServiceUnavailable)
					io.WriteString(w, `{"type":"urn:ent-support:problem:unavailable","title":"Indisponible","status":503,"code":"unavailable"}`)
					return
				}
				proxy.ServeHTTP(w, r)
			}))
		}, nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServerProc(t)
			var hit atomic.Bool
			front := tc.front(t, srv, &hit)
			c := newClient(t, front)
			c.env = tc.env
			var extra []string
			if !tc.noFile {
				extra = []string{"--attach", pngFile(t, c.dir, 4<<20)}
			}
			subject := "Panne : " + tc.name
			var printed []string
			if n := c.file(subject, extra...); n != "" {
				printed = append(printed, n)
				if tc.wantKept {
					t.Errorf("confirmed at once (%s), but this fault must end in the outbox", n)
				}
			} else {
				t.Logf("kept in the outbox")
			}
			// Whatever happened, sending the outbox (through the same
			// front, now passing) leaves exactly one ticket.
			srv.waitUp()
			printed = append(printed, c.flush()...)
			if !hit.Load() {
				t.Error("the fault never happened: the test tested nothing")
			}
			checkExactlyOnce(t, srv.url(), []string{subject}, printed)
		})
	}
}

// waitUp waits for a restart under way to finish.
func (s *serverProc) waitUp() {
	s.t.Helper()
	for range 400 {
		if resp, err := http.Get(s.url() + "/healthz"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatal("the server is not back after 20 s")
}

// serveFront serves h on loopback, in front of the server.
func serveFront(t testing.TB, h http.Handler) string {
	t.Helper()
	front := &http.Server{Handler: h}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go front.Serve(ln)
	t.Cleanup(func() { front.Close() })
	return "http://" + ln.Addr().String()
}

// slowTransport lets the first create reach the server whatever the client
// does, then holds its answer for longer than the client waits.
type slowTransport struct{ hit *atomic.Bool }

func (s slowTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	first := r.Method == "POST" && s.hit.CompareAndSwap(false, true)
	if first {
		r = r.WithContext(context.WithoutCancel(r.Context()))
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if first {
		time.Sleep(3 * time.Second)
	}
	return resp, err
}
