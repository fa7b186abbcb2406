package entcmd

import (
	"io"
	"net"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// relay is a TCP relay to the script's server on an address of its own,
// which a script turns off and on: the same server address unreachable,
// then back, as a school's line goes down and up. `relay up` (again)
// listens on the same port and sets $RELAY to its URL; `relay down`
// refuses connections and cuts the open ones; `relay to HOST:PORT` sends
// the next connections to another server (a fail-over behind one name).
type relay struct {
	target string
	path   string // the server's base path, added to $RELAY (RT's /rt)

	mu    sync.Mutex
	addr  string
	ln    net.Listener
	conns map[net.Conn]bool
}

type relayKey struct{}

func (r *relay) up() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln != nil {
		return nil
	}
	addr := r.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	r.ln, r.addr = ln, ln.Addr().String()
	if r.conns == nil {
		r.conns = map[net.Conn]bool{}
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go r.serve(c)
		}
	}()
	return nil
}

func (r *relay) serve(c net.Conn) {
	r.mu.Lock()
	target := r.target
	r.mu.Unlock()
	s, err := net.Dial("tcp", target)
	if err != nil {
		c.Close()
		return
	}
	r.mu.Lock()
	r.conns[c], r.conns[s] = true, true
	r.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) { io.Copy(dst, src); done <- struct{}{} }
	go pipe(s, c)
	go pipe(c, s)
	<-done
	c.Close()
	s.Close()
	r.mu.Lock()
	delete(r.conns, c)
	delete(r.conns, s)
	r.mu.Unlock()
}

func (r *relay) down() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln != nil {
		r.ln.Close()
		r.ln = nil
	}
	for c := range r.conns {
		c.Close()
	}
}

// cmdRelay is `relay up|down|to HOST:PORT`.
func cmdRelay(ts *testscript.TestScript, neg bool, args []string) {
	r, _ := ts.Value(relayKey{}).(*relay)
	if neg || len(args) < 1 || r == nil {
		ts.Fatalf("usage: relay up|down|to HOST:PORT")
	}
	switch args[0] {
	case "to":
		if len(args) != 2 {
			ts.Fatalf("usage: relay to HOST:PORT")
		}
		r.mu.Lock()
		r.target = args[1]
		r.mu.Unlock()
	case "up":
		if err := r.up(); err != nil {
			ts.Fatalf("relay: %v", err)
		}
		ts.Setenv("RELAY", "http://"+r.addr+r.path)
	case "down":
		r.down()
	default:
		ts.Fatalf("usage: relay up|down|to HOST:PORT")
	}
}
