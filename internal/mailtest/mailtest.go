// Package mailtest gives tests a real mail system on loopback: private
// instances of Dovecot (IMAP) and Postfix (SMTP, delivering to a pipe
// alias), each in a temporary folder of its own, started and stopped by
// the test, with no system service involved. Only tests import it.
//
// The programs come from Debian's packages (.ci/mail installs them).
// When they are missing the test is skipped, except under CI (CI set and
// not 0/false), where it fails. Both daemons start as root (they drop to
// their own users), so a test run by anyone else is skipped the same way.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/testenv"
)

// unavailable skips the test, or fails it under CI.
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	testenv.Unavailable(tb, "mail system", ".ci/mail", format, args...)
}

// need returns the path of each program, or skips/fails the test.
func need(tb testing.TB, progs ...string) []string {
	tb.Helper()
	if os.Geteuid() != 0 {
		unavailable(tb, "the daemons start as root; this test runs as uid %d", os.Geteuid())
	}
	paths := make([]string, len(progs))
	for i, p := range progs {
		path, err := exec.LookPath(p)
		if err != nil {
			for _, dir := range []string{"/usr/sbin", "/usr/bin", "/sbin"} {
				if _, serr := os.Stat(filepath.Join(dir, p)); serr == nil {
					path, err = filepath.Join(dir, p), nil
					break
				}
			}
		}
		if err != nil {
			unavailable(tb, "%s not found", p)
		}
		paths[i] = path
	}
	return paths
}

// freePort returns a loopback port free at the time of the call.
func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// PublicDir makes a folder every user can enter (0755 up to /tmp): the
// daemons' own users (nobody, dovecot, postfix) must reach what is in it,
// which t.TempDir's 0700 folders do not let them. Removed at the end.
func PublicDir(tb testing.TB, name string) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "ent-mail-"+name+"-")
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// run runs a command, failing the test with its output on error.
func run(tb testing.TB, stdin []byte, name string, args ...string) string {
	tb.Helper()
	cmd := exec.Command(name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// startDaemon runs a command that starts a daemon in the background. Its
// output goes to a file, not a pipe: the daemon inherits the command's
// stdout and stderr and would hold a pipe open, and the wait with it.
func startDaemon(tb testing.TB, dir, name string, args ...string) {
	tb.Helper()
	out, err := os.CreateTemp(dir, "start-*.out")
	if err != nil {
		tb.Fatal(err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(out.Name())
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, b)
	}
}

// chown gives path (and what is under it) to the named user.
func chown(tb testing.TB, path, user string) {
	tb.Helper()
	run(tb, nil, "chown", "-R", user+":", path)
}

// waitGone waits until no process has pid (the daemons stop
// asynchronously, in 2 to 3 s: the next start needs the ports free).
func waitGone(pid int, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if !alive(pid) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// waitPID waits for a daemon's pid file (written a moment after the
// daemon listens) and returns the pid.
func waitPID(path string, within time.Duration) int {
	deadline := time.Now().Add(within)
	for {
		if pid := readPID(path); pid > 0 || time.Now().After(deadline) {
			return pid
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readPID reads a daemon's pid file (the first field of its first line).
func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(f[0])
	return n
}

// waitPort waits until something listens on addr.
func waitPort(addr string, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return true
		}
		time.Sleep(30 * time.Millisecond)
	}
	return false
}

// selfSigned writes a certificate for 127.0.0.1 and localhost, and its
// key, in PEM (cert.pem, key.pem in dir): clients trust it through the
// CA options, as they would a territory's own authority.
func selfSigned(tb testing.TB, dir string) (certFile, keyFile string) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return certFile, keyFile
}

// Message builds a small RFC 5322 message, CRLF line endings.
func Message(from, to, subject, messageID, body string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\n", from, to, subject, messageID)
	fmt.Fprintf(&b, "Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n", time.Now().Format(time.RFC1123Z))
	b.WriteString("Content-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	return []byte(b.String())
}

// output runs a command and returns what it printed.
func output(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// runQuiet runs a command whose failure the caller handles otherwise.
func runQuiet(name string, args ...string) error {
	_, err := output(name, args...)
	return err
}

// killPID ends a daemon that did not stop when asked.
func killPID(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

// alive says whether a process has pid (signal 0 checks without sending).
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	return err == nil && p.Signal(syscall.Signal(0)) == nil
}
