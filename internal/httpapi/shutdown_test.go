package httpapi

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestShutdownClosesConnectionsWithoutRequest: a connection on which no
// request came (an HTTP client's spare one) must not hold a stop: net/http
// alone waits 5 seconds for it.
func TestShutdownClosesConnectionsWithoutRequest(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewHTTPServer(ln.Addr().String(), http.NotFoundHandler(), Timeouts{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	spare, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer spare.Close()
	// A request on another connection, answered: the spare one stays new.
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a connection that sent nothing: %v", err)
	}
	if err := <-served; err != http.ErrServerClosed {
		t.Fatalf("Serve: %v", err)
	}
	// The spare connection was closed by the server.
	_ = spare.SetReadDeadline(time.Now().Add(time.Second))
	if n, err := spare.Read(make([]byte, 1)); err == nil {
		t.Fatalf("the spare connection is still open (read %d bytes)", n)
	}
}
