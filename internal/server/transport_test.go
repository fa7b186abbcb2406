package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/support"
)

// testCA is a throwaway certificate authority.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Académie de test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// leaf writes a server certificate for 127.0.0.1 signed by the CA, and
// its key, into dir; it returns both paths.
func (ca *testCA) leaf(t *testing.T, dir, name string, serial int64) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	write := func(path string, b []byte) {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	write(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
	return certFile, keyFile
}

// With a certificate and key the server speaks HTTPS only: the native
// client trusts it through CAFile (added to the system roots), not
// without; plain http:// against it fails; and the event stream works
// over TLS.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t)
	certFile, keyFile := ca.leaf(t, dir, "ent-support test", 2)
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	s := start(t, Options{BootstrapToken: benchAdmin, OpenDirectory: true, Prefix: "CG42N1", TLSCert: certFile, TLSKey: keyFile,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if !strings.HasPrefix(s.URL(), "https://") {
		t.Fatalf("URL %s", s.URL())
	}
	ctx := context.Background()
	client := func(base, ca string) *httpapi.Client {
		c, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: base, Token: benchAdmin, CAFile: ca, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := client(s.URL(), caFile)
	me, err := c.Me(ctx)
	if err != nil || me.Role != support.RoleAdmin {
		t.Fatalf("over TLS with the CA: %+v, %v", me, err)
	}
	tk, err := c.CreateTicket(ctx, benchTicket(1), support.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Without the CA the system roots do not know this server; asking
	// again would not change that, so the client does not.
	before := len(logs.Bytes())
	if _, err := client(s.URL(), "").Me(ctx); support.AsError(err).Key != "error.tls_unknown_authority" {
		t.Errorf("a client without the CA: %v", err)
	}
	// The server logs the refused handshake once it notices (as "bad
	// certificate" or EOF, depending on which side closes first): wait for
	// it, then check there was only one (no retry).
	handshakes := func() int { return bytes.Count(logs.Bytes()[before:], []byte("TLS handshake error")) }
	for deadline := time.Now().Add(5 * time.Second); handshakes() == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if n := handshakes(); n != 1 {
		t.Errorf("%d handshakes refused for an unknown CA, want 1 (no retry):\n%s", n, logs.Bytes()[before:])
	}

	// Plain HTTP on the TLS port: refused, nothing served.
	if _, err := client("http://"+s.Addr(), "").Me(ctx); support.AsError(err).Key != "error.server_speaks_https" {
		t.Errorf("http:// against the TLS server: %v", err)
	}
	resp, err := http.Get("http://" + s.Addr() + "/healthz")
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 || strings.Contains(string(b), `"ok"`) {
			t.Errorf("http:// got %d %s", resp.StatusCode, b)
		}
	}
	// TLS 1.1 is refused; HTTP/2 is not offered.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.pem)
	if conn, err := tls.Dial("tcp", s.Addr(), &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}); err == nil {
		conn.Close()
		t.Error("a TLS 1.1 handshake succeeded")
	}
	conn, err := tls.Dial("tcp", s.Addr(), &tls.Config{RootCAs: pool, NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if p := conn.ConnectionState().NegotiatedProtocol; p != "http/1.1" {
		t.Errorf("ALPN chose %q, want http/1.1", p)
	}
	conn.Close()
	// The event stream, over TLS.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, _ := http.NewRequest("GET", s.URL()+"/api/v1/tickets/"+tk.Number.String()+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+benchAdmin)
	resp, err = hc.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("events over TLS: %v %v", resp, err)
	}
	defer resp.Body.Close()
	if _, e := (&sseReader{resp: resp, sc: bufio.NewScanner(resp.Body)}).next(t); e.Kind != support.EventCreated {
		t.Errorf("first event over TLS: %+v", e)
	}
}

// A renewed certificate is picked up without a restart; a renewal that
// does not load keeps the previous one.
func TestTLSCertificateReload(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t)
	certFile, keyFile := ca.leaf(t, dir, "first", 10)
	cf, err := loadCertFiles(certFile, keyFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cf.now = func() time.Time { return now }
	serial := func() int64 {
		c, err := cf.GetCertificate(nil)
		if err != nil {
			t.Fatal(err)
		}
		x, _ := x509.ParseCertificate(c.Certificate[0])
		return x.SerialNumber.Int64()
	}
	ca.leaf(t, dir, "second", 11)
	if got := serial(); got != 10 {
		t.Errorf("within the minute: serial %d, want the first (10)", got)
	}
	now = now.Add(certCheckEvery)
	if got := serial(); got != 11 {
		t.Errorf("after a minute: serial %d, want the renewed one (11)", got)
	}
	if err := os.WriteFile(certFile, []byte("-----BEGIN CERTIFICATE-----\nhalf"), 0o600); err != nil {
		t.Fatal(err)
	}
	now = now.Add(certCheckEvery)
	if got := serial(); got != 11 {
		t.Errorf("after a broken renewal: serial %d, want the previous one (11)", got)
	}
	if _, err := loadCertFiles(certFile, keyFile, nil); err == nil || !strings.Contains(err.Error(), certFile) {
		t.Errorf("a broken certificate at start: %v", err)
	}
}

// Slow and idle clients are cut off: headers trickled in past
// ReadHeaderTimeout, a kept-alive connection idle past IdleTimeout;
// headers over the maximum get 431; an event stream outlives the
// ReadTimeout.
func TestSlowAndIdleClients(t *testing.T) {
	s := start(t, Options{BootstrapToken: benchAdmin, OpenDirectory: true, Prefix: "CG42N1",
		Timeouts: httpapi.Timeouts{ReadHeader: 300 * time.Millisecond, Read: time.Second, Idle: 400 * time.Millisecond, MaxHeaderBytes: 8 << 10}})
	closedWithin := func(conn net.Conn, d time.Duration) bool {
		conn.SetReadDeadline(time.Now().Add(d))
		_, err := io.Copy(io.Discard, conn)
		var ne net.Error
		return err == nil || !(errors.As(err, &ne) && ne.Timeout())
	}
	// Slowloris: half the headers, then nothing.
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "))
	if !closedWithin(conn, 5*time.Second) {
		t.Error("a client trickling its headers was not cut off")
	}
	// Idle keep-alive.
	conn2, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	conn2.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
	br := bufio.NewReader(conn2)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	if !closedWithin(conn2, 5*time.Second) {
		t.Error("an idle kept-alive connection was not closed")
	}
	// Headers over the maximum.
	req, _ := http.NewRequest("GET", s.URL()+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 16<<10))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("16 KiB of headers: %v %v, want 431", resp, err)
	}
	// An event stream lives past the 1 s ReadTimeout and still delivers.
	c, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: s.URL(), Token: benchAdmin})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tk, err := c.CreateTicket(ctx, benchTicket(1), support.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stream, status := openStream(t, s.URL()+"/api/v1/tickets/"+tk.Number.String()+"/events", benchAdmin, "")
	if status != 200 {
		t.Fatalf("stream: %d", status)
	}
	if _, e := stream.next(t); e.Kind != support.EventCreated {
		t.Fatalf("first event %+v", e)
	}
	time.Sleep(1500 * time.Millisecond)
	if _, err := c.AddComment(ctx, tk.Number, "Toujours là ?", nil); err != nil {
		t.Fatal(err)
	}
	if _, e := stream.next(t); e.Kind != support.EventComment {
		t.Errorf("after the ReadTimeout: event %+v, want a comment", e)
	}
}
