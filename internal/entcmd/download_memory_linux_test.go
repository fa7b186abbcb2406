package entcmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Downloads stream from the database chunk by chunk: 50 clients that
// open the same 10 MiB attachment and read nothing do not make the server
// process hold 50 copies of it. The bound, 200 MiB, is well under the
// 500 MiB that whole-file buffering takes; the figure goes to
// docs/benchmarks.md.
func TestUnreadDownloadsMemory(t *testing.T) {
	srv := newServerProc(t)
	c := newClient(t, srv.url())
	const size = 10 << 20
	var content bytes.Buffer
	for i := 0; content.Len() < size; i++ {
		fmt.Fprintf(&content, "%08d ligne du journal de l'application, assez longue pour remplir le fichier\n", i)
	}
	content.Truncate(size)
	if err := os.WriteFile(filepath.Join(c.dir, "journal.txt"), content.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	number := c.file("Journal de 10 Mio", "--attach", "journal.txt")
	if number == "" {
		t.Fatal("the ticket was not filed")
	}
	get := func(path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.url()+path, nil)
		req.Header.Set("Authorization", "Bearer "+bootstrapToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		return resp
	}
	resp := get("/api/v1/tickets/" + number)
	var tk struct {
		Attachments []struct {
			ID   int64 `json:"id"`
			Size int64 `json:"size"`
		} `json:"attachments"`
	}
	err := json.NewDecoder(resp.Body).Decode(&tk)
	resp.Body.Close()
	if err != nil || len(tk.Attachments) != 1 || tk.Attachments[0].Size != size {
		t.Fatalf("ticket attachments %+v, %v", tk.Attachments, err)
	}
	path := fmt.Sprintf("/api/v1/tickets/%s/attachments/%d", number, tk.Attachments[0].ID)

	// One whole download first, read to the end and checked: the content
	// is right, and what any download needs once is in the baseline.
	resp = get(path)
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(got, content.Bytes()) {
		t.Fatalf("download: %d bytes, %v; want the 10 MiB uploaded", len(got), err)
	}
	time.Sleep(500 * time.Millisecond)
	before := rssMiB(t, srv.pid())

	// 50 downloads that send their request and never read.
	const clients = 50
	for range clients {
		conn, err := net.Dial("tcp", srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n", path, srv.addr, bootstrapToken)
	}
	// Let the server go as far as it can (fill the sockets, then block):
	// the peak, once it held still for 2 s, or after 20 s.
	peak, still := before, time.Now()
	for start := time.Now(); time.Since(still) < 2*time.Second && time.Since(start) < 20*time.Second; {
		time.Sleep(100 * time.Millisecond)
		if rss := rssMiB(t, srv.pid()); rss > peak+1 {
			peak, still = rss, time.Now()
		}
	}
	grew := peak - before
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", srv.pid())); err == nil {
		for _, l := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(l, "RssAnon:") || strings.HasPrefix(l, "RssFile:") {
				t.Log(strings.Join(strings.Fields(l), " "))
			}
		}
	}
	t.Logf("server RSS %.1f MiB before, %.1f MiB with %d unread downloads of 10 MiB: +%.1f MiB", before, peak, clients, grew)
	if grew >= 200 {
		t.Errorf("server RSS grew by %.1f MiB with %d unread downloads of a 10 MiB file; want under 200 MiB", grew, clients)
	}
	if out, _ := os.ReadFile(filepath.Join(srv.dir, "server.log")); strings.Contains(string(out), "panic") {
		t.Errorf("server log:\n%s", out)
	}
}
