//go:build unix

package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/support"
)

// A client that opens a stream and never reads (a socket receive buffer of
// a few KiB, while the server publishes megabytes of events) is dropped
// within the write timeout: the server logs it and closes the connection,
// instead of keeping a handler blocked in a write forever.
func TestStreamDropsClientThatNeverReads(t *testing.T) {
	const writeTimeout = time.Second
	log := &syncBuffer{}
	f := newEventsFixtureWith(t, Options{Heartbeat: 200 * time.Millisecond,
		Timeouts: httpapi.Timeouts{Write: writeTimeout},
		Logger:   slog.New(slog.NewJSONHandler(log, nil))})
	ctx := context.Background()

	conn, err := smallBufferDialer().Dial("tcp", f.s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /api/v1/tickets/%s/events HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n",
		f.ticket, f.s.Addr(), f.reporterToken)

	// Each comment is 20,000 characters that JSON writes as 6 bytes each
	// (\u003c): 120 KB per event, 9.6 MB in all, more than the kernel's
	// buffers on both ends hold.
	big := strings.Repeat("<", 20000)
	for i := range 80 {
		if _, err := f.agent.AddComment(ctx, f.ticket, big, nil); err != nil {
			t.Fatalf("comment %d: %v", i, err)
		}
	}
	posted := time.Now()
	dropped := func() bool { return strings.Contains(string(log.Bytes()), `"msg":"event stream dropped"`) }
	for !dropped() {
		// The stalled write started at the latest when the last event
		// was committed; slack for a loaded machine.
		if time.Since(posted) > writeTimeout+5*time.Second {
			t.Fatalf("the stream of a client that reads nothing is still open %v after the last event (write timeout %v)",
				time.Since(posted), writeTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("dropped %v after the last event was posted", time.Since(posted))

	// The connection is closed: reading now drains what the kernels held,
	// then ends (EOF or reset) rather than waiting for more heartbeats.
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %d bytes: %v", n, err)
	}
	if err != nil && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, os.ErrClosed) {
		t.Fatalf("reading the dropped stream: %v", err)
	}
	t.Logf("read %d bytes before the end (%v)", n, err)
	if n >= 80*120_000 {
		t.Errorf("the whole stream (%d bytes) reached a client that read nothing", n)
	}
}

// A slow but steady download outlasts the server's read timeout and is
// not dropped by the write timeout: the file, read from the database range
// by range with the request's context as it goes out, arrives whole.
func TestSlowDownloadOutlastsReadTimeout(t *testing.T) {
	f := newEventsFixtureWith(t, Options{Timeouts: httpapi.Timeouts{Read: time.Second}})
	ctx := context.Background()
	content := pngBytes(8 << 20)
	tk, err := f.reporter.CreateTicket(ctx, benchTicket(1), support.CreateOptions{
		Attachments: []support.Upload{{Name: "capture.png", Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(content)), nil
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := smallBufferDialer().Dial("tcp", f.s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /api/v1/tickets/%s/attachments/%d HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n",
		tk.Number, tk.Attachments[0].ID, f.s.Addr(), f.reporterToken)
	conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("download: %v %v", resp, err)
	}
	start := time.Now()
	var got bytes.Buffer
	paused := 0
	buf := make([]byte, 256<<10)
	for {
		n, err := resp.Body.Read(buf)
		got.Write(buf[:n])
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("after %d bytes in %v: %v", got.Len(), time.Since(start), err)
		}
		if got.Len()-paused >= 256<<10 {
			paused = got.Len()
			time.Sleep(125 * time.Millisecond) // 2 MiB/s at most: 8 MiB take 4 s, the socket buffers hold 4 MiB
		}
	}
	if took := time.Since(start); took < 2*time.Second {
		t.Fatalf("the download took only %v: it did not outlast the 1 s read timeout", took)
	}
	if !bytes.Equal(got.Bytes(), content) {
		t.Fatalf("downloaded %d bytes, want the %d uploaded", got.Len(), len(content))
	}
}

// smallBufferDialer dials with a 4 KiB socket receive buffer, so that what
// the client does not read stays in the server.
func smallBufferDialer() *net.Dialer {
	return &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		}); err != nil {
			return err
		}
		return serr
	}}
}
