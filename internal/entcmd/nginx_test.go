package entcmd

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/sqlstore/pgtest"
)

// nginxBin finds Debian's nginx; missing, the test fails under CI (which
// installs it, .ci/postgres) and is skipped elsewhere.
func nginxBin(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/sbin/nginx"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if pgtest.InCI() {
		t.Fatal("nginx not found: .ci/postgres installs it")
	}
	t.Skip("nginx not found (apt-get install nginx)")
	return ""
}

// startNginx starts nginx in front of backends with testdata/nginx.conf,
// its addresses and paths replaced, and returns its base URL and folder.
func startNginx(t *testing.T, backends [2]string) (string, string) {
	t.Helper()
	bin := nginxBin(t)
	conf, err := os.ReadFile("testdata/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	// nginx's workers run as nobody: the folder must be theirs to use.
	dir, err := os.MkdirTemp("", "ent-nginx-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	front := freeAddr(t)
	s := strings.NewReplacer("127.0.0.1:8080", front, "127.0.0.1:8081", backends[0], "127.0.0.1:8082", backends[1],
		"/var/lib/ent-support-nginx", dir).Replace(string(conf))
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-e", "stderr", "-p", dir, "-c", confPath, "-g", "daemon off;")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	url := "http://" + front
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("nginx exited:\n%s", out.String())
		default:
		}
		if code, err := statusOf(url + "/readyz"); err == nil && code == 200 {
			return url, dir
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not answer /readyz within 20 s:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// docs/server.md's set-up, run: two server processes on one PostgreSQL
// database behind nginx with testdata/nginx.conf. Clients only know nginx.
// Tickets filed through it are numbered without gaps whichever process
// takes them, both processes serve, follow sees changes whichever process
// they go through, and with one process stopped nginx sends everything to
// the other.
func TestNginxTwoProcesses(t *testing.T) {
	nginxBin(t) // before starting anything else
	dsn := pgtest.NewDatabase(t)
	a := newServerProcOn(t, dsn, noCreateLimit...)
	b := newServerProcOn(t, dsn, noCreateLimit...)
	front, dir := startNginx(t, [2]string{a.addr, b.addr})

	agent := newClient(t, front)
	var numbers []string
	for i := range 10 {
		num := agent.file("Derrière nginx " + string(rune('A'+i)))
		if num == "" {
			t.Fatal("a ticket was kept in the outbox")
		}
		numbers = append(numbers, num)
	}
	for i, num := range numbers {
		if seqOf(t, num) != i+1 {
			t.Errorf("ticket %d numbered %s", i+1, num)
		}
	}

	f := agent.follow(numbers[0])
	if l := f.next(t); !strings.Contains(l, "ticket créé") {
		t.Fatalf("first line = %q", l)
	}
	mustRun(t, agent, "assign", numbers[0])
	mustRun(t, agent, "reply", numbers[0], "--message", "Réponse à travers nginx")
	mustRun(t, agent, "status", numbers[0], "resolu")
	lines, code := f.rest(t)
	if code != 0 {
		t.Errorf("follow exit %d, want 0", code)
	}
	if text := strings.Join(lines, "\n"); !strings.Contains(text, "« Réponse à travers nginx »") || !strings.Contains(text, "en_cours → resolu") {
		t.Errorf("follow through nginx printed:\n%s", text)
	}

	log, err := os.ReadFile(filepath.Join(dir, "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*serverProc{a, b} {
		if !strings.Contains(string(log), " "+s.addr+" ") {
			t.Errorf("no request went to %s:\n%s", s.addr, log)
		}
	}

	// One process stopped: nginx sends everything to the other.
	a.stop()
	for i := range 5 {
		if num := agent.file("Un seul processus " + string(rune('A'+i))); num != "" && seqOf(t, num) != 11+i {
			t.Errorf("ticket numbered %s, want %d", num, 11+i)
		} else if num == "" {
			t.Errorf("with one process stopped, a ticket was kept in the outbox")
		}
	}
	if code, err := statusOf(front + "/readyz"); err != nil || code != 200 {
		t.Errorf("/readyz through nginx with one process: %d %v", code, err)
	}
}

// freeAddr returns a loopback address nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// statusOf GETs url and returns the status.
func statusOf(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
