package servertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Checked(m).Run()) }

// fakeServer writes a script that behaves as `ent-support server` does
// for Start (writes its address to the --ready-file), after starting a
// child of its own that would outlive it.
func fakeServer(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	bin := filepath.Join(t.TempDir(), "fake-server")
	// $1 server, $2 --addr, $3 addr, $4 --ready-file, $5 path
	script := "#!/bin/sh\nsleep 300 &\necho 127.0.0.1:9 > \"$5\"\nwait\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// inGroup lists the live processes of the group pgid.
func inGroup(pgid int) []Process {
	var out []Process
	for _, p := range processes() {
		if p.PGid == pgid {
			out = append(out, p)
		}
	}
	return out
}

// TestStopKillsTheWholeGroup: a server that started a child of its own
// leaves nothing behind, whether it is stopped or killed; Leftovers sees
// both while they run.
func TestStopKillsTheWholeGroup(t *testing.T) {
	bin := fakeServer(t)
	p := Start(t, Options{Bin: bin})
	if p.Addr != "127.0.0.1:9" {
		t.Fatalf("Addr %q, want the ready file's", p.Addr)
	}
	pgid := p.Pid()
	if n := len(inGroup(pgid)); n != 2 {
		t.Fatalf("%d processes in the server's group, want 2 (it and its child): %v", n, inGroup(pgid))
	}
	if n := len(Leftovers()); n < 2 {
		t.Errorf("Leftovers sees %d processes while the server runs, want 2: %v", n, Leftovers())
	}
	p.Stop()
	if left := inGroup(pgid); len(left) != 0 {
		t.Errorf("after Stop, still running: %v", left)
	}

	if err := p.Restart(); err != nil {
		t.Fatal(err)
	}
	pgid = p.Pid()
	if !p.Kill() {
		t.Error("Kill says the server was not running")
	}
	if left := inGroup(pgid); len(left) != 0 {
		t.Errorf("after Kill, still running: %v", left)
	}
	if len(Leftovers()) != 0 {
		t.Errorf("Leftovers: %v", Leftovers())
	}
}

// TestRestartWhileRunningStartsNothing: restarting a running server
// neither starts a second process nor loses the first (how a server once
// outlived the test run).
func TestRestartWhileRunningStartsNothing(t *testing.T) {
	p := Start(t, Options{Bin: fakeServer(t)})
	pid := p.Pid()
	if err := p.Restart(); err != nil {
		t.Fatal(err)
	}
	if p.Pid() != pid {
		t.Errorf("Restart of a running server started pid %d (was %d)", p.Pid(), pid)
	}
	if n := len(Leftovers()); n != 2 {
		t.Errorf("%d processes, want the server and its child: %v", n, Leftovers())
	}
}

// TestLeftoversSeesAChild: a child of the test binary still running is
// reported, with its command line.
func TestLeftoversSeesAChild(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	cmd := exec.Command("sleep", "301")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range Leftovers() {
		if p.Pid == cmd.Process.Pid && p.Cmdline == "sleep 301" {
			found = true
		}
	}
	if !found {
		t.Errorf("Leftovers %v lacks sleep 301 (pid %d)", Leftovers(), cmd.Process.Pid)
	}
	cmd.Process.Kill()
	cmd.Wait()
	for _, p := range Leftovers() {
		if p.Pid == cmd.Process.Pid {
			t.Errorf("still listed once killed and waited for: %v", p)
		}
	}
}
