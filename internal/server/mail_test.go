package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/notify"
	"github.com/ent-support/ent-support/internal/servertest"
	"github.com/ent-support/ent-support/internal/support"
)

// clock is a settable test clock.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// mailFixture is a server that mails through Mailpit, with a reporter and
// an agent.
type mailFixture struct {
	s               *Server
	stop            func()
	clock           *clock
	admin, agent    *httpapi.Client
	reporter        *httpapi.Client
	dsn             string
	smtpPort        int
	reporterAddress string
}

func mailOptions(dsn string, smtpPort int, c *clock) Options {
	return Options{Addr: "127.0.0.1:0", Database: dsn, BootstrapToken: benchAdmin, OpenDirectory: true, Prefix: "CG42N1",
		SMTP: fmt.Sprintf("smtp://127.0.0.1:%d?tls=none", smtpPort), MailFrom: "Support ENT <support@example.org>",
		Now: c.now, Notify: notify.Config{MinBackoff: 50 * time.Millisecond, MaxBackoff: 300 * time.Millisecond, Poll: 200 * time.Millisecond}}
}

// serve runs a server until the returned stop is called.
func serve(t *testing.T, o Options) (*Server, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, 5*time.Second) }()
	var stopped atomic.Bool
	stop := func() {
		if stopped.Swap(true) {
			return
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(stop)
	return s, stop
}

func newMailFixture(t *testing.T, smtpPort int) *mailFixture {
	t.Helper()
	f := &mailFixture{clock: &clock{}, dsn: "sqlite:" + filepath.Join(t.TempDir(), "server.db"), smtpPort: smtpPort}
	f.s, f.stop = serve(t, mailOptions(f.dsn, smtpPort, f.clock))
	f.connect(t)
	ctx := context.Background()
	_, token, err := f.admin.CreateUser(ctx, support.UserInput{Name: "Marie Curie", Email: "marie.curie@example.org",
		Role: support.RoleReporter, Function: support.ChefEtablissement, UAIs: []string{"0421234N"}})
	if err != nil {
		t.Fatal(err)
	}
	f.reporter = f.client(t, token)
	_, token, err = f.admin.CreateUser(ctx, support.UserInput{Name: "Claire Martin", Email: "claire.martin@support.example.org", Role: support.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	f.agent = f.client(t, token)
	return f
}

func (f *mailFixture) client(t *testing.T, token string) *httpapi.Client {
	t.Helper()
	c, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: f.s.URL(), Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *mailFixture) connect(t *testing.T) { f.admin = f.client(t, benchAdmin) }

func (f *mailFixture) create(t *testing.T, in support.TicketInput) support.Number {
	t.Helper()
	tk, err := f.reporter.CreateTicket(context.Background(), in, support.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tk.Number
}

var linkRE = regexp.MustCompile(`http://[^\s"<>]+/t/[^\s"<>]+`)

func httpGet(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// One e-mail at creation (a receipt of every field, text and HTML, with
// the number in the subject), one per agent reply, status change and the
// resolution, none for the reporter's own comment or a priority change;
// what was typed is escaped in the HTML; the link opens the ticket's page
// and a tampered or expired one does not.
func TestMailAtEachStep(t *testing.T) {
	mp := servertest.StartMailpit(t, 0)
	f := newMailFixture(t, mp.SMTPPort)
	ctx := context.Background()
	in := benchTicket(1)
	in.Subject = "Cahier <script>alert(1)</script> vide"
	n := f.create(t, in)

	msgs := mp.WaitFor(t, 1)
	if !strings.Contains(msgs[0].Subject, n.String()) || len(msgs[0].To) != 1 || msgs[0].To[0].Address != "marie.curie@example.org" {
		t.Fatalf("creation mail: %+v", msgs[0])
	}
	if want := fmt.Sprintf("ev-%d.%s@127.0.0.1", 1, n); !strings.HasPrefix(msgs[0].MessageID, "ev-") || !strings.HasSuffix(msgs[0].MessageID, "@127.0.0.1") {
		t.Errorf("Message-ID %q, want the shape %q", msgs[0].MessageID, want)
	}
	m := mp.Message(t, msgs[0].ID)
	for _, v := range []string{n.String(), "Marie Curie", "Chef d'établissement", "+33639981234", "marie.curie@example.org",
		"0421234N", "Collège du Pilat", "Saint-Genest-Malifaux", "Élèves", "Enseignants", in.Description,
		"Accueil > Vie scolaire > Cahier de textes", string(in.Priority)} {
		if !strings.Contains(m.Text, v) {
			t.Errorf("text part lacks %q:\n%s", v, m.Text)
		}
		if !strings.Contains(m.HTML, strings.NewReplacer("'", "&#39;", ">", "&gt;", "+", "&#43;").Replace(v)) {
			t.Errorf("HTML part lacks %q", v)
		}
	}
	if !strings.Contains(m.Text, in.Subject) {
		t.Errorf("text part lacks the subject as typed")
	}
	if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("HTML does not escape the subject:\n%s", m.HTML)
	}

	// The link opens the page.
	links := linkRE.FindAllString(m.Text, -1)
	if len(links) != 1 {
		t.Fatalf("links in the text part: %q", links)
	}
	link := links[0]
	resp, body := httpGet(t, link)
	if resp.StatusCode != 200 || !strings.Contains(body, n.String()) || strings.Contains(body, "<script>") ||
		resp.Header.Get("Content-Security-Policy") != "default-src 'none'; style-src 'unsafe-inline'" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("page: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
	for _, v := range []string{"Marie Curie", in.Description, "&lt;script&gt;"} {
		if !strings.Contains(body, v) {
			t.Errorf("page lacks %q", v)
		}
	}
	// Tampered: another ticket's number, a changed expiry, a changed MAC.
	tok := link[strings.LastIndex(link, "/t/")+3:]
	parts := strings.Split(tok, ".")
	base := link[:strings.LastIndex(link, "/t/")+3]
	for _, bad := range []string{
		strings.Replace(parts[0], fmt.Sprint(n.Seq), fmt.Sprint(n.Seq+1), 1) + "." + parts[1] + "." + parts[2],
		parts[0] + "." + parts[1] + "0." + parts[2],
		parts[0] + "." + parts[1] + "." + strings.ToUpper(parts[2][:4]) + parts[2][4:] + "x",
		"x", "",
	} {
		resp, body := httpGet(t, base+bad)
		if resp.StatusCode != 404 || strings.Contains(body, "Marie") {
			t.Errorf("tampered %q: %d %s", bad, resp.StatusCode, body)
		}
	}

	// The steps: status, reply, status twice, resolution: one mail each;
	// the reporter's comment and a priority change: none.
	if _, err := f.agent.ChangeStatus(ctx, n, support.StatusOpen, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.AddComment(ctx, n, "Videz le cache <b>puis</b> reconnectez-vous.", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reporter.AddComment(ctx, n, "Merci, j'essaie.", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.ChangePriority(ctx, n, support.Bloquante, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.ChangeStatus(ctx, n, support.StatusWaiting, "Pouvez-vous envoyer une capture ?"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.ChangeStatus(ctx, n, support.StatusOpen, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.ChangeStatus(ctx, n, support.StatusResolved, "Corrigé côté serveur."); err != nil {
		t.Fatal(err)
	}
	msgs = mp.WaitFor(t, 6)
	wantSubjects := []string{"Ticket enregistré", "En cours", "Réponse du support", "En attente", "En cours", "Ticket résolu"}
	for i, s := range msgs {
		if !strings.Contains(s.Subject, wantSubjects[i]) || !strings.Contains(s.Subject, n.String()) {
			t.Errorf("mail %d: subject %q, want %q", i, s.Subject, wantSubjects[i])
		}
	}
	reply := mp.Message(t, msgs[2].ID)
	if !strings.Contains(reply.Text, "Videz le cache <b>puis</b>") || !strings.Contains(reply.HTML, "&lt;b&gt;puis&lt;/b&gt;") {
		t.Errorf("reply mail:\n%s\n%s", reply.Text, reply.HTML)
	}
	if res := mp.Message(t, msgs[5].ID); !strings.Contains(res.Text, "Corrigé côté serveur.") || !strings.Contains(res.Text, "résolu") {
		t.Errorf("resolution mail:\n%s", res.Text)
	}

	// The page shows the history and the comments.
	_, body = httpGet(t, link)
	for _, v := range []string{"Videz le cache &lt;b&gt;puis&lt;/b&gt;", "Merci, j&#39;essaie.", "Pouvez-vous envoyer une capture ?", "Résolu"} {
		if !strings.Contains(body, v) {
			t.Errorf("page lacks %q", v)
		}
	}

	// Expired: 91 days later the same link is 410, with no ticket in it.
	f.clock.advance(notify.LinkValidity + 24*time.Hour)
	resp, body = httpGet(t, link)
	if resp.StatusCode != 410 || strings.Contains(body, n.String()) || !strings.Contains(body, "expiré") {
		t.Errorf("expired link: %d %s", resp.StatusCode, body)
	}
}

// SMTP down while tickets are created: each mail arrives once SMTP is
// back, exactly once, in order.
func TestMailWaitsForSMTP(t *testing.T) {
	servertest.MailpitBin(t)
	port := servertest.FreePort(t)
	f := newMailFixture(t, port) // nothing listens on port yet
	var nums []support.Number
	for i := range 3 {
		nums = append(nums, f.create(t, benchTicket(i)))
	}
	time.Sleep(500 * time.Millisecond) // several failed attempts
	mp := servertest.StartMailpit(t, port)
	msgs := mp.WaitFor(t, 3)
	for i, m := range msgs {
		if !strings.Contains(m.Subject, nums[i].String()) {
			t.Errorf("mail %d: %q, want %s", i, m.Subject, nums[i])
		}
	}
	// Down again in the middle of the story: the reply waits, then comes once.
	mp.Stop()
	if _, err := f.agent.AddComment(context.Background(), nums[0], "Nous regardons.", nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	mp2 := servertest.StartMailpit(t, port)
	if got := mp2.WaitFor(t, 1); !strings.Contains(got[0].Subject, "Réponse du support") {
		t.Errorf("after the second outage: %q", got[0].Subject)
	}
}

// A restart in the middle of the queue loses no mail and repeats none.
func TestMailAcrossRestart(t *testing.T) {
	mp := servertest.StartMailpit(t, 0)
	f := newMailFixture(t, mp.SMTPPort)
	const n = 20
	for i := range n {
		f.create(t, benchTicket(i))
	}
	f.stop() // mid-queue: some sent, some not
	sent := len(mp.Messages(t))
	t.Logf("%d of %d sent before the stop", sent, n)
	f.s, f.stop = serve(t, mailOptions(f.dsn, mp.SMTPPort, f.clock))
	mp.WaitFor(t, n)
}

// An English-speaking account's tickets are mailed in English, and the
// page of the link is in English too.
func TestMailInEnglish(t *testing.T) {
	mp := servertest.StartMailpit(t, 0)
	f := newMailFixture(t, mp.SMTPPort)
	_, token, err := f.admin.CreateUser(context.Background(), support.UserInput{Name: "Jane Doe", Email: "jane.doe@example.org",
		Role: support.RoleReporter, Function: support.ChefEtablissement, UAIs: []string{"0421234N"}, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	f.reporter = f.client(t, token)
	in := benchTicket(2)
	in.Reporter.Email = "jane.doe@example.org"
	n := f.create(t, in)
	msgs := mp.WaitFor(t, 1)
	m := mp.Message(t, msgs[0].ID)
	if !strings.Contains(m.Subject, "Ticket received") || !strings.Contains(m.Subject, n.String()) ||
		!strings.Contains(m.Text, "Receipt of your request") || !strings.Contains(m.Text, "Phone number") ||
		!strings.Contains(m.HTML, `lang="en"`) {
		t.Errorf("English mail:\n%s\n%s", m.Subject, m.Text)
	}
	if msgs[0].To[0].Address != "jane.doe@example.org" {
		t.Errorf("to %+v", msgs[0].To)
	}
	_, body := httpGet(t, linkRE.FindString(m.Text))
	if !strings.Contains(body, "History") || !strings.Contains(body, n.String()) {
		t.Errorf("English page:\n%s", body)
	}
	// A language the templates do not have is refused.
	if _, _, err := f.admin.CreateUser(context.Background(), support.UserInput{Name: "X Y", Email: "x.y@example.org",
		Role: support.RoleAgent, Lang: "de"}); support.ErrorCode(err) != support.EINVALID {
		t.Errorf("lang=de: %v", err)
	}
}

// Mail goes to the account a ticket is filed for, never to an address a
// request carried: an agent who files for a caller with no account, typing
// the caller's e-mail, gets the ticket's mail themselves; a reporter who
// types another address gets it at their account's.
func TestMailGoesToTheAccountNotTheBody(t *testing.T) {
	mp := servertest.StartMailpit(t, 0)
	f := newMailFixture(t, mp.SMTPPort)
	ctx := context.Background()
	in := benchTicket(1)
	in.Reporter.Email = "victim@other-school.test"
	byAgent, err := f.agent.CreateTicket(ctx, in, support.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if byAgent.Reporter.Email != "victim@other-school.test" {
		t.Errorf("the agent's typed contact was not kept: %+v", byAgent.Reporter)
	}
	byReporter := f.create(t, in)
	msgs := mp.WaitFor(t, 2)
	want := map[string]string{byAgent.Number.String(): "claire.martin@support.example.org", byReporter.String(): "marie.curie@example.org"}
	for _, m := range msgs {
		for n, to := range want {
			if strings.Contains(m.Subject, n) && (len(m.To) != 1 || m.To[0].Address != to) {
				t.Errorf("mail %q went to %+v, want %s only", m.Subject, m.To, to)
			}
		}
	}
}
