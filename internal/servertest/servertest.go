// Package servertest runs `ent-support server` as a process of its own,
// for the tests that drive the real binary against a real server (the
// end-to-end scripts, the terminal tests of the form). Only tests import it.
package servertest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// Proc is a running server process.
type Proc struct {
	Addr   string // host:port it listens on
	cmd    *exec.Cmd
	exited chan error
	log    *os.File
}

// Start runs `bin server --addr 127.0.0.1:0 --ready-file readyPath args...`
// with env, its output appended to logPath, and waits (30 s at most) until
// it listens.
func Start(bin string, env []string, logPath, readyPath string, args ...string) (*Proc, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	os.Remove(readyPath)
	cmd := exec.Command(bin, append([]string{"server", "--addr", "127.0.0.1:0", "--ready-file", readyPath}, args...)...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	p := &Proc{cmd: cmd, exited: make(chan error, 1), log: log}
	go func() { p.exited <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(readyPath); err == nil && len(bytes.TrimSpace(b)) > 0 {
			p.Addr = string(bytes.TrimSpace(b))
			return p, nil
		}
		select {
		case err := <-p.exited:
			log.Close()
			out, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("server exited before listening (%v):\n%s", err, out)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, errors.New("server did not write its ready file within 30 s")
		}
	}
}

// URL is the server's base URL.
func (p *Proc) URL() string { return "http://" + p.Addr }

// Stop sends SIGINT (the server must shut down gracefully), and kills it
// if it is still there 10 s later.
func (p *Proc) Stop() {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
	p.log.Close()
}
