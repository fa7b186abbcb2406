package entcmd

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// testCA is a throwaway certificate authority.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// leaf issues a server certificate for the given IPs and names.
func (ca *testCA) leaf(t *testing.T, ips []net.IP, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "ent-support test server"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: ips, DNSNames: names,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsFront serves upstream over TLS on loopback with cert.
func tlsFront(t *testing.T, upstream string, cert tls.Certificate) string {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(u))
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	// The refused handshakes are the point of the test, not news.
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts.URL
}

// TestCAFile: the real binary against a real server behind real TLS on
// loopback, signed by a CA made here. Without its CA the client refuses
// the server and says why (exit 5: nothing was sent, `new` keeps the
// ticket in the outbox); with --ca-file or ENT_SUPPORT_CA_FILE it works;
// the flag wins over the variable; and the file adds to the system's
// roots instead of replacing them.
func TestCAFile(t *testing.T) {
	srv := newServerProc(t)
	ca := newTestCA(t, "Rectorat de test")
	loopback := []net.IP{net.ParseIP("127.0.0.1")}
	front := tlsFront(t, srv.url(), ca.leaf(t, loopback))
	c := newClient(t, front)
	write := func(name string, b []byte) string {
		p := filepath.Join(c.dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caFile := write("ca.pem", ca.pem)
	otherFile := write("other.pem", newTestCA(t, "Une autre autorité").pem)

	check := func(name string, wantCode int, wantOut, wantErr string, env []string, args ...string) {
		t.Helper()
		c.env = env
		code, out, errs := c.run(args...)
		if code != wantCode || !strings.Contains(out, wantOut) || !strings.Contains(errs, wantErr) {
			t.Errorf("%s: ent-support %s: exit %d (want %d)\nstdout: %s\nstderr: %s", name, strings.Join(args, " "), code, wantCode, out, errs)
		}
		if strings.Contains(out+errs, bootstrapToken) {
			t.Errorf("%s: the token was printed", name)
		}
	}
	unknown := "Le certificat du serveur " + front + " est signé par une autorité inconnue de ce poste (x509: certificate signed by unknown authority) : donnez le certificat de cette autorité avec --ca-file ou ENT_SUPPORT_CA_FILE."
	check("no CA", 5, "", unknown, nil, "auth", "status")
	check("no CA, list", 5, "", "autorité inconnue", nil, "list")
	check("--ca-file", 0, "Compte : Administrateur", "", nil, "--ca-file", caFile, "auth", "status")
	check("ENT_SUPPORT_CA_FILE", 0, "Compte : Administrateur", "", []string{"ENT_SUPPORT_CA_FILE=" + caFile}, "auth", "status")
	check("the flag wins", 5, "", "autorité inconnue", []string{"ENT_SUPPORT_CA_FILE=" + caFile}, "--ca-file", otherFile, "auth", "status")
	check("a file that is no PEM", 2, "", "Impossible d'utiliser le fichier de certificats", nil, "--ca-file", filepath.Join(c.dir, "ticket.yaml"), "list")

	// A certificate for another name is named as such.
	misnamed := tlsFront(t, srv.url(), ca.leaf(t, nil, "assistance.example.org"))
	c.server = misnamed
	check("wrong name", 5, "", "n'est pas fait pour ce nom", nil, "--ca-file", caFile, "list")
	c.server = front

	// Adds, never replaces: with a "system" store holding another CA
	// (SSL_CERT_FILE, read by Go's system pool on Linux), a server signed by
	// that CA still works when --ca-file names ours.
	if runtime.GOOS == "linux" {
		sys := newTestCA(t, "Autorité du système")
		sysFile := write("system.pem", sys.pem)
		sysFront := tlsFront(t, srv.url(), sys.leaf(t, loopback))
		env := []string{"SSL_CERT_FILE=" + sysFile, "SSL_CERT_DIR=" + t.TempDir()}
		c.server = sysFront
		check("system roots alone", 0, "Compte : Administrateur", "", env, "auth", "status")
		check("system roots kept with --ca-file", 0, "Compte : Administrateur", "", env, "--ca-file", caFile, "auth", "status")
		c.server = front
		check("system roots only", 5, "", "autorité inconnue", env, "auth", "status")
		check("--ca-file with a system store", 0, "Compte : Administrateur", "", env, "--ca-file", caFile, "auth", "status")
	}
}
