package openapitest

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Proxy is a reverse proxy on loopback that forwards to one server and
// checks every exchange: put it between a program and a server process
// to check what the server sends that program. Event streams are
// forwarded as they come.
type Proxy struct {
	// Addr is the proxy's host:port; give "http://"+Addr to the client.
	Addr string
	srv  *http.Server
	done chan struct{}

	mu         sync.Mutex
	violations []string
}

// Violations returns what the proxy found so far, one line each.
func (p *Proxy) Violations() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.violations)
}

func (p *Proxy) record(found []string) {
	if len(found) > 0 {
		p.mu.Lock()
		p.violations = append(p.violations, found...)
		p.mu.Unlock()
	}
}

// NewProxy starts a proxy in front of target ("http://host:port") that
// checks with v; what it finds goes to its Violations, not v's, so that
// one Validator serves many proxies. Close stops it.
func NewProxy(v *Validator, target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: ln.Addr().String(), done: make(chan struct{})}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host // the server sees the address the client used
		},
		Transport: &transport{v: v, record: p.record,
			next: &http.Transport{Proxy: nil, DisableCompression: true, MaxIdleConnsPerHost: 16}},
		FlushInterval: -1, // event streams reach the client at once
	}
	p.srv = &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(p.done)
		p.srv.Serve(ln) // returns ErrServerClosed once Close is called
	}()
	return p, nil
}

// Close stops the proxy, cutting the streams still open.
func (p *Proxy) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := p.srv.Shutdown(ctx)
	if err != nil {
		err = p.srv.Close()
	}
	<-p.done
	return err
}
