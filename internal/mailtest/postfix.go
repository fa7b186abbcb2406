package mailtest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Domain is the only domain the test Postfix delivers (mydestination).
const Domain = "support.test"

// Postfix is a private Postfix instance: SMTP on loopback (Port), mail
// for Domain delivered through its aliases file, nothing ever sent out
// (every other destination is an error). Every queue tool takes -c Dir.
type Postfix struct {
	Port                      int
	Dir                       string // configuration: main.cf, master.cf, aliases
	postfix, postalias, swaks string
	postqueue                 string
	pid                       int
}

// MainCf is the main.cf of the test instance, also the excerpt the
// operators' documentation shows (DIR is the instance's folder).
const MainCf = `compatibility_level = 3.6
queue_directory = {{DIR}}/queue
data_directory = {{DIR}}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.support.test
mydomain = support.test
myorigin = $mydomain
mydestination = support.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps = hash:{{DIR}}/aliases
alias_database = hash:{{DIR}}/aliases
# Nothing leaves this instance.
default_transport = error:the test instance delivers only to support.test
relay_transport = error:the test instance delivers only to support.test
maillog_file = {{DIR}}/log/postfix.log
maillog_file_prefixes = {{DIR}}/log
biff = no
append_dot_mydomain = no
smtpd_banner = $myhostname ESMTP
`

// MasterCf is its master.cf: SMTP on {{PORT}}, no chroot anywhere (in a
// chroot the pipe's command is not found), postlogd for maillog_file.
const MasterCf = `127.0.0.1:{{PORT}} inet n - n - - smtpd
pickup     unix  n - n 60 1 pickup
cleanup    unix  n - n -  0 cleanup
qmgr       unix  n - n 300 1 qmgr
rewrite    unix  - - n -  - trivial-rewrite
bounce     unix  - - n -  0 bounce
defer      unix  - - n -  0 bounce
trace      unix  - - n -  0 bounce
verify     unix  - - n -  1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -  - proxymap
proxywrite unix  - - n -  1 proxymap
smtp       unix  - - n -  - smtp
relay      unix  - - n -  - smtp
showq      unix  n - n -  - showq
error      unix  - - n -  - error
retry      unix  - - n -  - error
discard    unix  - - n -  - discard
local      unix  - n n -  - local
anvil      unix  - - n -  1 anvil
scache     unix  - - n -  1 scache
postlog    unix-dgram n - n - 1 postlogd
`

// StartPostfix starts an instance whose aliases file holds aliases
// (name: target, e.g. "support": `"|/usr/bin/ent-support mailgate"`),
// stopped when the test ends.
func StartPostfix(tb testing.TB, aliases map[string]string) *Postfix {
	tb.Helper()
	bins := need(tb, "postfix", "postalias", "postqueue", "swaks")
	p := &Postfix{Dir: PublicDir(tb, "postfix"), Port: freePort(tb),
		postfix: bins[0], postalias: bins[1], postqueue: bins[2], swaks: bins[3]}
	for _, sub := range []string{"queue", "data", "log"} {
		if err := os.Mkdir(filepath.Join(p.Dir, sub), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	chown(tb, filepath.Join(p.Dir, "data"), "postfix")
	r := strings.NewReplacer("{{DIR}}", p.Dir, "{{PORT}}", strconv.Itoa(p.Port))
	names := make([]string, 0, len(aliases))
	for n := range aliases {
		names = append(names, n)
	}
	sort.Strings(names)
	var al strings.Builder
	al.WriteString("postmaster: root\n")
	for _, n := range names {
		fmt.Fprintf(&al, "%s: %s\n", n, aliases[n])
	}
	for name, text := range map[string]string{"main.cf": r.Replace(MainCf), "master.cf": r.Replace(MasterCf), "aliases": al.String()} {
		if err := os.WriteFile(filepath.Join(p.Dir, name), []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	run(tb, nil, p.postalias, "-c", p.Dir, "hash:"+filepath.Join(p.Dir, "aliases"))
	p.Start(tb)
	tb.Cleanup(p.Stop)
	return p
}

// Start starts the instance (again) and waits until it answers SMTP.
func (p *Postfix) Start(tb testing.TB) {
	tb.Helper()
	startDaemon(tb, p.Dir, p.postfix, "-c", p.Dir, "start")
	addr := "127.0.0.1:" + strconv.Itoa(p.Port)
	if !waitPort(addr, 15*time.Second) {
		tb.Fatalf("postfix does not answer on %s; its log:\n%s", addr, p.Log())
	}
	p.pid = waitPID(filepath.Join(p.Dir, "queue", "pid", "master.pid"), 5*time.Second)
}

// Stop stops the instance and waits for its master to be gone.
func (p *Postfix) Stop() {
	if p.pid == 0 {
		p.pid = readPID(filepath.Join(p.Dir, "queue", "pid", "master.pid"))
	}
	if p.pid == 0 {
		return
	}
	_ = runQuiet(p.postfix, "-c", p.Dir, "stop")
	if !waitGone(p.pid, 15*time.Second) {
		_ = killPID(p.pid)
		waitGone(p.pid, 5*time.Second)
	}
	p.pid = 0
}

// Log is what the instance logged so far.
func (p *Postfix) Log() string {
	b, _ := os.ReadFile(filepath.Join(p.Dir, "log", "postfix.log"))
	return string(b)
}

// Send submits msg over SMTP with swaks, as a mail client would, from
// sender to rcpt.
func (p *Postfix) Send(tb testing.TB, sender, rcpt string, msg []byte) {
	tb.Helper()
	run(tb, msg, p.swaks, "--server", "127.0.0.1:"+strconv.Itoa(p.Port), "--from", sender, "--to", rcpt,
		"--data", "-", "--suppress-data", "--hide-all")
}

// Flush asks the queue manager to try every deferred message now.
func (p *Postfix) Flush(tb testing.TB) {
	tb.Helper()
	run(tb, nil, p.postqueue, "-c", p.Dir, "-f")
}

// Queued is the number of messages waiting in the queue.
func (p *Postfix) Queued(tb testing.TB) int {
	tb.Helper()
	out := run(tb, nil, p.postqueue, "-c", p.Dir, "-j")
	return bytes.Count([]byte(out), []byte("\n"))
}

// WaitLog waits until the log holds want (e.g. "status=deferred"), and
// returns the log; it fails the test after within.
func (p *Postfix) WaitLog(tb testing.TB, want string, within time.Duration) string {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		log := p.Log()
		if strings.Contains(log, want) {
			return log
		}
		if time.Now().After(deadline) {
			tb.Fatalf("postfix logged no %q within %s; its log:\n%s", want, within, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
