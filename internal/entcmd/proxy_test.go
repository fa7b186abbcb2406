package entcmd

import (
	"context"
	"crypto/rand"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fromAddr is an HTTP client whose connections leave from the loopback
// address ip (127.0.0.0/8 is all loopback on Linux): two such clients
// are two machines to the server, or to nginx.
func fromAddr(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// getMe asks GET /api/v1/me with token and, when given, a forged
// X-Forwarded-For, and returns the status.
func getMe(t *testing.T, c *http.Client, base, token, xff string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), "GET", base+"/api/v1/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// badToken is a wrong token with a prefix of its own, so that only the
// client's address, not a shared token prefix, collects the failures.
func badToken() string { return "ents_" + rand.Text() }

// Behind nginx with testdata/nginx.conf and --trusted-proxy 127.0.0.1/32,
// two clients at 127.0.0.2 and 127.0.0.3 are told apart by the
// X-Forwarded-For nginx sets: the first one's bad tokens lock it out
// (429, even with a good token), the second one still gets in. The
// request log names each client, not nginx; neither nginx's access log
// nor the server's holds a signed link's token.
func TestNginxTrustedProxyLimitsPerClient(t *testing.T) {
	nginxBin(t)
	s := newServerProcOn(t, "", "--trusted-proxy", "127.0.0.1/32")
	front, dir := startNginx(t, [2]string{s.addr, s.addr})
	mallory, alice := fromAddr(t, "127.0.0.2"), fromAddr(t, "127.0.0.3")

	if code := getMe(t, alice, front, bootstrapToken, ""); code != 200 {
		t.Fatalf("a good token through nginx: %d", code)
	}
	var locked bool
	for i := range 25 {
		// The client's own X-Forwarded-For is kept by nginx, to the
		// left of the address nginx saw: it must not help.
		code := getMe(t, mallory, front, badToken(), "198.51.100."+string(rune('1'+i%9)))
		if code == 429 {
			locked = true
			break
		}
		if code != 401 || i >= 20 {
			t.Fatalf("bad token %d: %d", i+1, code)
		}
	}
	if !locked {
		t.Fatal("25 bad tokens from 127.0.0.2 did not lock it out")
	}
	if code := getMe(t, mallory, front, bootstrapToken, ""); code != 429 {
		t.Errorf("the locked-out client with a good token: %d, want 429", code)
	}
	if code := getMe(t, alice, front, bootstrapToken, ""); code != 200 {
		t.Errorf("another client behind the same nginx with a good token: %d, want 200", code)
	}
	// A signed link's token is in neither log.
	code, err := statusOf(front + "/t/CG42N1-1.zzzz.SECRETLINKTOKEN")
	if err != nil || code != 404 {
		t.Errorf("a forged link through nginx: %d %v", code, err)
	}
	// nginx writes its line once the request is over, a moment after
	// the answer.
	var access []byte
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if access, err = os.ReadFile(filepath.Join(dir, "access.log")); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(access), "/t/") {
			break
		}
	}
	if strings.Contains(string(access), "SECRETLINKTOKEN") || !strings.Contains(string(access), "/t/(redacted)") {
		t.Errorf("nginx's access log and a link's token:\n%s", access)
	}
	log, err := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(log), "SECRETLINKTOKEN") {
		t.Errorf("the server's log holds a link's token:\n%s", log)
	}
	for _, want := range []string{"client=127.0.0.2", "client=127.0.0.3"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("the server's log does not say %s:\n%s", want, log)
		}
	}
	for _, l := range strings.Split(string(log), "\n") {
		if strings.Contains(l, "path=/api/v1/me") && (strings.Contains(l, "client=127.0.0.1 ") || strings.Contains(l, "client=198.51.100.")) {
			t.Errorf("the server's log names nginx or a forged address as the client: %s", l)
		}
	}
}

// Without --trusted-proxy, X-Forwarded-For from a client that talks to
// the server directly is ignored: changing it at each bad token does not
// dodge the lockout of the client's real address, and other addresses
// are not locked out by it.
func TestForgedForwardedForIgnored(t *testing.T) {
	s := newServerProcOn(t, "")
	mallory, alice := fromAddr(t, "127.0.0.2"), fromAddr(t, "127.0.0.3")
	var locked bool
	for i := range 25 {
		code := getMe(t, mallory, s.url(), badToken(), "127.0.0."+string(rune('4'+i%6)))
		if code == 429 {
			locked = true
			break
		}
		if code != 401 || i >= 20 {
			t.Fatalf("bad token %d: %d", i+1, code)
		}
	}
	if !locked {
		t.Fatal("bad tokens with a new X-Forwarded-For each time were not locked out")
	}
	if code := getMe(t, mallory, s.url(), bootstrapToken, "127.0.0.3"); code != 429 {
		t.Errorf("the locked-out client claiming another address: %d, want 429", code)
	}
	if code := getMe(t, alice, s.url(), bootstrapToken, "127.0.0.2"); code != 200 {
		t.Errorf("a client whose address was forged by the locked-out one: %d, want 200", code)
	}
}
