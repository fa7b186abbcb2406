package entcmd

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/mailtest"
	"github.com/ent-support/ent-support/internal/servertest"
)

// mailRequest is a complete request by e-mail from Marie Curie, whose
// account gives the rest of the identity.
func mailRequest(id, subject string) []byte {
	return mailtest.Message("Marie Curie <marie.curie@example.org>", "support@"+mailtest.Domain, subject, id,
		"Bonjour,\n\nPopulation concernée : élèves\n"+
			"Description précise : Depuis ce matin, la page du cahier de textes reste blanche pour les 5e.\n"+
			"URL de l'établissement ou fil d'Ariane : Accueil > Vie scolaire > Cahier de textes\n"+
			"Degré de priorité : majeure\n\nMarie Curie\n")
}

// mailSetup makes the school, Marie's account and a mail gateway's token
// on srv; it returns the gateway's token.
func mailSetup(t *testing.T, srv *serverProc) string {
	t.Helper()
	admin := newClient(t, srv.url())
	must := func(args ...string) string {
		t.Helper()
		code, out, errs := admin.run(args...)
		if code != 0 {
			t.Fatalf("ent-support %s: exit %d\n%s", strings.Join(args, " "), code, errs)
		}
		return strings.TrimSpace(out)
	}
	must("admin", "establishment", "add", "--uai", "0421234N", "--name", "Collège du Pilat", "--city", "Bourg-Argental")
	must("admin", "user", "add", "--name", "Marie Curie", "--email", "marie.curie@example.org", "--phone", "06 39 98 12 34",
		"--role", "reporter", "--function", "chef_etablissement", "--uai", "0421234N")
	return must("admin", "user", "add", "--name", "Passerelle Postfix", "--email", "mailgate@support.example.org", "--role", "mailgate")
}

// waitTickets waits until the server holds n tickets, then a moment more
// to see that no more come.
func waitTickets(t *testing.T, srv *serverProc, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for len(ticketsAsAdmin(t, srv.url())) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d tickets after %s, want %d", len(ticketsAsAdmin(t, srv.url())), within, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if got := len(ticketsAsAdmin(t, srv.url())); got != n {
		t.Fatalf("%d tickets, want exactly %d", got, n)
	}
}

// showServerLog prints the server's log when the test failed.
func showServerLog(t *testing.T, srv *serverProc) {
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(srv.dir, "server.log"))
			t.Logf("server log:\n%s", b)
		}
	})
}

// Postfix on loopback, an alias piping to the real binary's mailgate as
// Postfix runs it (nobody, in the queue directory), fed by swaks: a
// complete request from a known correspondent becomes a ticket whose
// creation mail reaches Mailpit. With the server stopped, mailgate says
// 75 and Postfix keeps the message; once the server is back, a flush
// delivers it: exactly one ticket more.
func TestPostfixMailgateEndToEnd(t *testing.T) {
	mp := servertest.StartMailpit(t, 0)
	srv := newServerProcOn(t, "", "--smtp", fmt.Sprintf("smtp+plain://127.0.0.1:%d", mp.SMTPPort),
		"--mail-from", "support@example.org", "--public-url", "http://support.example.org")
	showServerLog(t, srv)
	gate := mailSetup(t, srv)

	// Postfix's pipe runs as nobody: the binary and the token in a folder
	// nobody can enter (the test's own are 0700).
	pub := mailtest.PublicDir(t, "mailgate")
	bin := filepath.Join(pub, "ent-support")
	copyExecutable(t, srv.bin, bin)
	tokenFile := filepath.Join(pub, "mailgate.token")
	if err := os.WriteFile(tokenFile, []byte(gate+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pf := mailtest.StartPostfix(t, map[string]string{
		"support": fmt.Sprintf(`"|%s mailgate --server %s --token-file %s"`, bin, srv.url(), tokenFile)})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("postfix log:\n%s", pf.Log())
		}
	})

	pf.Send(t, "marie.curie@example.org", "support@"+mailtest.Domain, mailRequest("postfix.1@mail.example.org", "Cahier de textes vide"))
	waitTickets(t, srv, 1, 60*time.Second)
	tk := ticketsAsAdmin(t, srv.url())[0]
	if tk.Reporter.Name != "Marie Curie" || tk.Subject != "Cahier de textes vide" {
		t.Errorf("ticket %+v", tk)
	}
	waitMailTo(t, mp, "marie.curie@example.org", tk.Number.String())
	pf.WaitLog(t, "status=sent", 10*time.Second)

	// The server stopped: deferred (75), kept in the queue.
	srv.stop()
	pf.Send(t, "marie.curie@example.org", "support@"+mailtest.Domain, mailRequest("postfix.2@mail.example.org", "Ordinateurs lents"))
	pf.WaitLog(t, "status=deferred", 60*time.Second)
	if n := pf.Queued(t); n != 1 {
		t.Fatalf("%d messages in Postfix's queue, want the deferred one", n)
	}
	srv.start()
	pf.Flush(t)
	waitTickets(t, srv, 2, 60*time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for pf.Queued(t) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the queue still holds %d messages", pf.Queued(t))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := strings.Count(pf.Log(), "status=sent"); got != 2 {
		t.Errorf("%d deliveries logged, want 2", got)
	}
}

// copyExecutable copies the binary to dst, executable by everyone.
func copyExecutable(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// waitMailTo waits for a mail to rcpt whose subject names number.
func waitMailTo(t *testing.T, mp *servertest.Mailpit, rcpt, number string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, m := range mp.Messages(t) {
			for _, to := range m.To {
				if to.Address == rcpt && strings.Contains(m.Subject, number) {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s about %s; Mailpit holds %+v", rcpt, number, mp.Messages(t))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The server takes mail from a real Dovecot over TLS (--imap, the CA
// through --ca-file): 45 requests and 5 replies to the first ticket are
// loaded, and the server is killed with SIGKILL twice while it works and
// started again. Every message ends as exactly one ticket or comment,
// and in "Traités"; the INBOX is empty, nothing was put aside.
func TestIMAPKill9EndToEnd(t *testing.T) {
	d := mailtest.StartDovecot(t)
	pw := filepath.Join(t.TempDir(), "imap-password")
	if err := os.WriteFile(pw, []byte(d.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := newServerProcOn(t, "", "--imap", d.URL("imaps"), "--imap-password-file", pw, "--ca-file", d.CAFile,
		"--create-limit", "off", "--comment-limit", "off")
	showServerLog(t, srv)
	mailSetup(t, srv)
	// Every message in the mailbox before the server looks: the kills
	// then fall in the middle of the work, not of the loading.
	srv.stop()
	const requests, replies = 45, 5
	for i := 1; i <= requests; i++ {
		d.Save(t, "", mailRequest(fmt.Sprintf("imap.%d@mail.example.org", i), fmt.Sprintf("Demande %d", i)))
	}
	for i := 1; i <= replies; i++ {
		d.Save(t, "", mailtest.Message("Marie Curie <marie.curie@example.org>", "support@"+mailtest.Domain,
			"Re: [CG42N1-1] Demande 1", fmt.Sprintf("reply.%d@mail.example.org", i), fmt.Sprintf("Précision %d : toujours pas.\n", i)))
	}
	total := requests + replies
	srv.start()
	for _, at := range []int{8, 25} {
		deadline := time.Now().Add(60 * time.Second)
		for d.Count(t, "Traités") < at {
			if time.Now().After(deadline) {
				t.Fatalf("Traités holds %d messages after 60 s", d.Count(t, "Traités"))
			}
			time.Sleep(20 * time.Millisecond)
		}
		srv.kill9()
		t.Logf("SIGKILL with %d of %d messages in Traités", d.Count(t, "Traités"), total)
		srv.start()
	}
	deadline := time.Now().Add(120 * time.Second)
	for d.Count(t, "Traités") < total || d.Count(t, "INBOX") > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after 120 s: INBOX %d, Traités %d", d.Count(t, "INBOX"), d.Count(t, "Traités"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := d.Count(t, "Traités"); n != total {
		t.Errorf("Traités holds %d messages, want %d", n, total)
	}
	if n := d.Count(t, "À examiner"); n > 0 {
		t.Errorf("%d messages put aside", n)
	}
	waitTickets(t, srv, requests, 10*time.Second)
	subjects := map[string]int{}
	for _, tk := range ticketsAsAdmin(t, srv.url()) {
		subjects[tk.Subject]++
	}
	for i := 1; i <= requests; i++ {
		if s := fmt.Sprintf("Demande %d", i); subjects[s] != 1 {
			t.Errorf("%q: %d tickets", s, subjects[s])
		}
	}
	if c := ticketAsAdmin(t, srv.url(), "CG42N1-1").Comments; len(c) != replies {
		t.Errorf("CG42N1-1 has %d comments, want %d", len(c), replies)
	}
	if srv.kills.Load() != 2 {
		t.Errorf("%d kills", srv.kills.Load())
	}
}
