// Package servertest runs `ent-support server` as a process of its own,
// for the tests that drive the real binary against a real server (the
// end-to-end scripts, the fault tests, the terminal tests of the form).
// It is the one way tests start a server process, and it always stops what
// it started: each server runs in a process group of its own, killed as a
// whole at the end of the test, and Checked fails a test binary that
// leaves any child running. Only tests import it.
package servertest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Options say how to start a server. Every field may be left empty.
type Options struct {
	// Bin is the ent-support binary; "" looks it up on PATH.
	Bin string
	// Dir holds the server's log (server.log), its ready file, its data
	// directory and, unless Database says otherwise, its SQLite file; ""
	// is a fresh temporary directory of the test.
	Dir string
	// Env is added to the test's environment (a later entry wins).
	Env []string
	// Token is the bootstrap admin's token (ENT_SUPPORT_BOOTSTRAP_TOKEN).
	Token string
	// Database is the --database DSN; "" is a SQLite file in Dir.
	Database string
	// Addr is the address to listen on; "" lets the server pick a free
	// loopback port. Give one to restart the server where it was.
	Addr string
	// Args are more server flags.
	Args []string
}

// Proc is a running server process, which Kill and Restart can take down
// and bring back on the same address and database.
type Proc struct {
	Addr string // host:port it listens on
	Dir  string // where its log and data are
	opts Options

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil while down
	exited chan struct{} // closed once cmd has exited and been waited for
	log    *os.File
}

// Start starts a server, fails the test if it does not listen within 30 s,
// and stops it (with whatever it started) at the end of the test.
func Start(tb testing.TB, o Options) *Proc {
	tb.Helper()
	if o.Dir == "" {
		o.Dir = tb.TempDir()
	}
	p, err := Run(o, tb.Cleanup)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// Run starts a server and registers its stop with atEnd (a test's Cleanup,
// a testscript Env's Defer), for the callers that are not a testing.TB.
// o.Dir must be set.
func Run(o Options, atEnd func(func())) (*Proc, error) {
	if o.Dir == "" {
		return nil, errors.New("servertest.Run: no directory")
	}
	if o.Bin == "" {
		bin, err := exec.LookPath("ent-support")
		if err != nil {
			return nil, err
		}
		o.Bin = bin
	}
	if o.Database == "" {
		o.Database = "sqlite:" + filepath.Join(o.Dir, "server.db")
	}
	p := &Proc{Addr: o.Addr, Dir: o.Dir, opts: o}
	if err := p.Restart(); err != nil {
		return nil, err
	}
	atEnd(p.Stop)
	return p, nil
}

// URL is the server's base URL.
func (p *Proc) URL() string { return "http://" + p.Addr }

// Database is the server's --database DSN.
func (p *Proc) Database() string { return p.opts.Database }

// LogPath is the file that holds what the server wrote.
func (p *Proc) LogPath() string { return filepath.Join(p.Dir, "server.log") }

// Log is what the server wrote so far.
func (p *Proc) Log() string {
	b, _ := os.ReadFile(p.LogPath())
	return string(b)
}

// Pid is the running server's process ID (0 while it is down).
func (p *Proc) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Restart starts the server if it is down and waits until it listens;
// it does nothing while the server runs (starting a second process on
// the same address and losing track of the first is how servers leaked).
// A fixed address may still be held for a moment after a kill: the start
// is tried again until 30 s have passed.
func (p *Proc) Restart() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return nil
	}
	log, err := os.OpenFile(p.LogPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	ready := filepath.Join(p.Dir, "server-addr")
	addr := p.opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	env := append(os.Environ(), "ENT_SUPPORT_DATA_DIR="+filepath.Join(p.Dir, "server-data"), "TMPDIR="+p.Dir)
	if p.opts.Token != "" {
		env = append(env, "ENT_SUPPORT_BOOTSTRAP_TOKEN="+p.opts.Token)
	}
	env = append(env, p.opts.Env...)
	deadline := time.Now().Add(30 * time.Second)
	for {
		os.Remove(ready)
		cmd := exec.Command(p.opts.Bin, append([]string{"server", "--addr", addr, "--ready-file", ready,
			"--database", p.opts.Database}, p.opts.Args...)...)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = log, log
		ownGroup(cmd)
		if err := cmd.Start(); err != nil {
			log.Close()
			return err
		}
		track(cmd.Process.Pid)
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		for {
			if b, err := os.ReadFile(ready); err == nil && len(bytes.TrimSpace(b)) > 0 {
				p.Addr = string(bytes.TrimSpace(b))
				p.cmd, p.exited, p.log = cmd, exited, log
				return nil
			}
			if time.Now().After(deadline) {
				killGroup(cmd.Process)
				<-exited
				log.Close()
				return fmt.Errorf("the server did not listen within 30 s:\n%s", p.Log())
			}
			select {
			case <-exited:
			case <-time.After(10 * time.Millisecond):
				continue
			}
			break
		}
		// It exited before listening.
		if p.opts.Addr == "" || time.Now().After(deadline) {
			log.Close()
			return fmt.Errorf("the server exited before listening (%v):\n%s", cmd.ProcessState, p.Log())
		}
		time.Sleep(50 * time.Millisecond) // the address may still be held: try again
	}
}

// Kill kills the server and its process group with SIGKILL (no graceful
// shutdown) and waits until it is gone; it says whether it was running.
func (p *Proc) Kill() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	killGroup(p.cmd.Process)
	p.down()
	return true
}

// Stop asks the server to shut down gracefully (SIGINT), kills its whole
// process group if it is still there 10 s later, and in any case kills
// whatever else of its group remains once it exited.
func (p *Proc) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		killGroup(p.cmd.Process)
	}
	select {
	case <-p.exited:
		killGroup(p.cmd.Process)
	case <-time.After(10 * time.Second):
		killGroup(p.cmd.Process)
	}
	p.down()
}

// down waits for the process to be gone and forgets it; p.mu is held.
func (p *Proc) down() {
	<-p.exited
	p.log.Close()
	p.cmd, p.exited, p.log = nil, nil, nil
}
