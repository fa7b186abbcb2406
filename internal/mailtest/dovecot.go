package mailtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Dovecot is a private Dovecot serving one mailbox user on loopback:
// IMAP with STARTTLS on IMAPPort, IMAP over TLS on IMAPSPort, both with a
// self-signed certificate (CAFile).
type Dovecot struct {
	User, Password       string
	IMAPPort, IMAPSPort  int
	CAFile               string // the certificate to trust
	Dir, Conf            string
	doveadm, dovecotPath string
	pid                  int
}

// StartDovecot starts Dovecot and stops it when the test ends.
func StartDovecot(tb testing.TB) *Dovecot {
	tb.Helper()
	bins := need(tb, "dovecot", "doveadm")
	d := &Dovecot{User: "support", Password: "mot-de-passe-de-test", Dir: PublicDir(tb, "dovecot"),
		dovecotPath: bins[0], doveadm: bins[1]}
	d.CAFile, _ = selfSigned(tb, d.Dir)
	mail := filepath.Join(d.Dir, "mail")
	for _, sub := range []string{"run", "state", "mail"} {
		if err := os.Mkdir(filepath.Join(d.Dir, sub), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	chown(tb, mail, "nobody")
	// passwd-file: user:{scheme}password:uid:gid::home::; nobody's ids.
	users := fmt.Sprintf("%s:{PLAIN}%s:65534:65534::%s/%s::\n", d.User, d.Password, mail, d.User)
	if err := os.WriteFile(filepath.Join(d.Dir, "users"), []byte(users), 0o644); err != nil {
		tb.Fatal(err)
	}
	d.IMAPPort, d.IMAPSPort = freePort(tb), freePort(tb)
	conf := fmt.Sprintf(`# A private Dovecot for one test: loopback, its own folders, no system service.
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
info_log_path = %[1]s/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = yes
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/users
}
userdb {
  driver = passwd-file
  args = username_format=%%u %[1]s/users
}
mail_location = maildir:~/Maildir
first_valid_uid = 1
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[3]d
    ssl = yes
  }
}
`, d.Dir, d.IMAPPort, d.IMAPSPort)
	d.Conf = filepath.Join(d.Dir, "dovecot.conf")
	if err := os.WriteFile(d.Conf, []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	d.Start(tb)
	tb.Cleanup(d.Stop)
	return d
}

// Start starts the daemon (again) and waits until it answers.
func (d *Dovecot) Start(tb testing.TB) {
	tb.Helper()
	startDaemon(tb, d.Dir, d.dovecotPath, "-c", d.Conf)
	addr := "127.0.0.1:" + strconv.Itoa(d.IMAPPort)
	if !waitPort(addr, 15*time.Second) {
		log, _ := os.ReadFile(filepath.Join(d.Dir, "dovecot.log"))
		tb.Fatalf("dovecot does not answer on %s; its log:\n%s", addr, log)
	}
	d.pid = waitPID(filepath.Join(d.Dir, "run", "master.pid"), 5*time.Second)
}

// Stop stops the daemon and waits for it to be gone.
func (d *Dovecot) Stop() {
	if d.pid == 0 {
		d.pid = readPID(filepath.Join(d.Dir, "run", "master.pid"))
	}
	if d.pid == 0 {
		return
	}
	_ = runQuiet(d.doveadm, "-c", d.Conf, "stop") // doveadm only asks: no daemon holds its output
	if !waitGone(d.pid, 15*time.Second) {
		_ = killPID(d.pid)
		waitGone(d.pid, 5*time.Second)
	}
	d.pid = 0
}

// Save stores a message in folder ("" = INBOX) of the user's mailbox.
func (d *Dovecot) Save(tb testing.TB, folder string, msg []byte) {
	tb.Helper()
	args := []string{"-c", d.Conf, "save", "-u", d.User}
	if folder != "" {
		args = append(args, "-m", folder)
	}
	run(tb, msg, d.doveadm, args...)
}

// Count is the number of messages in folder; -1 when it does not exist.
func (d *Dovecot) Count(tb testing.TB, folder string) int {
	tb.Helper()
	out, err := output(d.doveadm, "-c", d.Conf, "-f", "flow", "mailbox", "status", "-u", d.User, "messages", folder)
	if err != nil {
		if strings.Contains(out, "exist") {
			return -1
		}
		tb.Fatalf("doveadm mailbox status %s: %v\n%s", folder, err, out)
	}
	// "messages=12"
	_, v, _ := strings.Cut(strings.TrimSpace(out), "=")
	n, err := strconv.Atoi(v)
	if err != nil {
		tb.Fatalf("doveadm mailbox status %s: %q", folder, out)
	}
	return n
}

// Headers returns a header's values of every message of folder, in order
// (doveadm fetch), e.g. the Message-IDs of "Traités".
func (d *Dovecot) Headers(tb testing.TB, folder, header string) []string {
	tb.Helper()
	out := run(tb, nil, d.doveadm, "-c", d.Conf, "-f", "flow", "fetch", "-u", d.User,
		"hdr."+strings.ToLower(header), "mailbox", folder)
	var vals []string
	for _, line := range strings.Split(out, "\n") {
		if _, v, ok := strings.Cut(line, "="); ok {
			vals = append(vals, strings.TrimSpace(v))
		}
	}
	return vals
}

// URL is the --imap URL of the user's INBOX: tls is "imaps" (the TLS
// port), "imap" (STARTTLS) or "imap+plain".
func (d *Dovecot) URL(scheme string) string {
	port := d.IMAPPort
	if scheme == "imaps" {
		port = d.IMAPSPort
	}
	return fmt.Sprintf("%s://%s@127.0.0.1:%d/INBOX", scheme, d.User, port)
}
