package servertest

import (
	"fmt"
	"os"
	"sync"
)

// groups are the process groups Start created (each server leads its own).
var groups sync.Map // pid (= pgid) -> struct{}

func track(pgid int) { groups.Store(pgid, struct{}{}) }

func started(pgid int) bool { _, ok := groups.Load(pgid); return ok }

// TestingM is what a TestMain runs: *testing.M, or what testscript.Main takes.
type TestingM interface{ Run() int }

type checked struct{ m TestingM }

// Checked wraps the m of a TestMain so that, once every test ran, the run
// fails if a process the tests started is still running: a child of the
// test binary, or any member of a process group a server was started in.
// Such leftovers are named with their command lines, then killed so that
// they do not outlive the run. Use it in the TestMain of every package
// whose tests start processes:
//
//	func TestMain(m *testing.M) { os.Exit(servertest.Checked(m).Run()) }
func Checked(m TestingM) TestingM { return checked{m} }

func (c checked) Run() int {
	code := c.m.Run()
	if left := Leftovers(); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d process(es) the tests started are still running:\n", len(left))
		for _, p := range left {
			fmt.Fprintf(os.Stderr, "\tpid %d (parent %d, group %d): %s\n", p.Pid, p.PPid, p.PGid, p.Cmdline)
			p.kill()
		}
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Process is a process the tests left running.
type Process struct {
	Pid, PPid, PGid int
	Cmdline         string
}

// Leftovers lists the live processes whose parent is this test binary or
// whose process group is one Start created. Only Linux can tell (it reads
// /proc); elsewhere the list is empty.
func Leftovers() []Process {
	var out []Process
	self := os.Getpid()
	for _, p := range processes() {
		if p.Pid != self && (p.PPid == self || started(p.PGid)) {
			out = append(out, p)
		}
	}
	return out
}

func (p Process) kill() {
	if pr, err := os.FindProcess(p.Pid); err == nil {
		_ = pr.Kill()
	}
}
