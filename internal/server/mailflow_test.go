package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/httpapi"
	"github.com/ent-support/ent-support/internal/servertest"
	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/sqlstore/pgtest"
	"github.com/ent-support/ent-support/internal/support"
)

// flowFixture is a server that takes tickets by e-mail and mails through
// Mailpit: a reporter (Marie, head of school A), a reporter of another
// school (Paul, B), an agent, and a mail gateway's token.
type flowFixture struct {
	s                       *Server
	mp                      *servertest.Mailpit
	admin, marie, paul, agt *httpapi.Client
	gateToken               string
	seq                     int
}

const (
	marieMail = "marie.curie@example.org"
	paulMail  = "paul.durand@example.org"
	agentMail = "claire.martin@support.example.org"
	teamMail  = "equipe@support.example.org"
)

func newFlow(t *testing.T, dsn string, opt func(*Options)) *flowFixture {
	t.Helper()
	mp := servertest.StartMailpit(t, 0)
	if dsn == "" {
		dsn = "sqlite:" + filepath.Join(t.TempDir(), "server.db")
	}
	o := mailOptions(dsn, mp.SMTPPort, &clock{})
	o.OpenDirectory = false
	if opt != nil {
		opt(&o)
	}
	s, _ := serve(t, o)
	f := &flowFixture{s: s, mp: mp}
	conn := func(token string) *httpapi.Client {
		c, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: s.URL(), Token: token})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	f.admin = conn(benchAdmin)
	for _, e := range []support.Establishment{
		{UAI: "0421234N", Name: "Collège du Pilat", City: "Saint-Genest-Malifaux"},
		{UAI: "0690001B", Name: "Lycée du Parc", City: "Lyon"},
	} {
		if _, err := f.admin.AddEstablishment(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	user := func(in support.UserInput) *httpapi.Client {
		_, token, err := f.admin.CreateUser(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return conn(token)
	}
	f.marie = user(support.UserInput{Name: "Marie Curie", Email: marieMail, Phone: "06 39 98 12 34",
		Role: support.RoleReporter, Function: support.ChefEtablissement, UAIs: []string{"0421234N"}})
	f.paul = user(support.UserInput{Name: "Paul Durand", Email: paulMail, Phone: "06 39 98 12 35",
		Role: support.RoleReporter, Function: support.CorrespondantENT, UAIs: []string{"0690001B"}})
	f.agt = user(support.UserInput{Name: "Claire Martin", Email: agentMail, Role: support.RoleAgent})
	_, f.gateToken, _ = f.admin.CreateUser(ctx, support.UserInput{Name: "Passerelle Postfix", Email: "mailgate@support.example.org",
		Role: support.RoleMailgate})
	if f.gateToken == "" {
		t.Fatal("no mailgate token")
	}
	return f
}

// msg is one incoming e-mail.
type msg struct {
	from, subject, id, body string
	header                  []string // extra "Name: value" lines
	file                    []byte   // a PNG attached, if any
}

func (m msg) raw() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: support@example.org\r\nSubject: %s\r\nDate: Mon, 10 Mar 2025 09:00:00 +0100\r\n", m.from, m.subject)
	if m.id != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", m.id)
	}
	for _, h := range m.header {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	if m.file == nil {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		b.WriteString(strings.ReplaceAll(m.body, "\n", "\r\n"))
		return []byte(b.String())
	}
	b.WriteString("Content-Type: multipart/mixed; boundary=XYZ\r\n\r\n--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.body, "\n", "\r\n"))
	b.WriteString("\r\n--XYZ\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"capture.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(m.file)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--XYZ--\r\n")
	return []byte(b.String())
}

// handle gives m to the pipeline, as mailgate and the IMAP poller do.
func (f *flowFixture) handle(t *testing.T, m msg) support.MailResult {
	t.Helper()
	res, err := f.s.Service.HandleMail(context.Background(), bytes.NewReader(m.raw()))
	if err != nil {
		t.Fatalf("HandleMail(%q): %v", m.subject, err)
	}
	return res
}

func (f *flowFixture) id() string {
	f.seq++
	return fmt.Sprintf("m%d.%d@mail.example.org", f.seq, time.Now().UnixNano())
}

// waitMail waits for a message to to whose subject holds subj.
func (f *flowFixture) waitMail(t *testing.T, to, subj string) servertest.MailSummary {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range f.mp.Messages(t) {
			if len(m.To) == 1 && m.To[0].Address == to && strings.Contains(m.Subject, subj) {
				return m
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no mail to %s with %q in its subject; have %+v", to, subj, f.mp.Messages(t))
	return servertest.MailSummary{}
}

// headers returns a Mailpit message's headers.
func (f *flowFixture) headers(t *testing.T, id string) map[string][]string {
	t.Helper()
	h := map[string][]string{}
	f.mp.Get(t, "/api/v1/message/"+id+"/headers", &h)
	return h
}

// mailsTo counts the messages Mailpit holds for to.
func (f *flowFixture) mailsTo(t *testing.T, to string) int {
	n := 0
	for _, m := range f.mp.Messages(t) {
		if len(m.To) == 1 && m.To[0].Address == to {
			n++
		}
	}
	return n
}

func pngFile(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for x := range 64 {
		for y := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 4), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// noisyPNG is a PNG that does not compress: over 4 KiB.
func noisyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	x := uint32(2463534242)
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = byte(x)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const completeBody = `Bonjour,

Population concernée : élèves, enseignants
Description précise : Depuis ce matin, la page du cahier de textes reste blanche pour tous les élèves de 5e.
URL de l'établissement ou fil d'Ariane : Accueil > Vie scolaire > Cahier de textes
Degré de priorité : majeure

Cordialement,
Marie Curie`

// A known reporter's complete request becomes a ticket with the account's
// identity; its receipt carries the number and answers the request in its
// thread; the same message delivered again, with or without a
// Message-ID, is handled once.
func TestMailRequestBecomesTicket(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		f := newFlow(t, dsn, nil)
		ctx := context.Background()
		m := msg{from: "Marie Curie <Marie.Curie@example.org>", subject: "Cahier de textes vide", id: f.id(), body: completeBody, file: pngFile(t)}
		res := f.handle(t, m)
		if res.Result != support.MailTicket || res.Number == "" || res.Reply {
			t.Fatalf("result %+v, want a ticket and no answer", res)
		}
		n, _ := support.ParseNumber(res.Number)
		tk, err := f.marie.GetTicket(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Subject != "Cahier de textes vide" || tk.Reporter.Name != "Marie Curie" || tk.Reporter.Function != support.ChefEtablissement ||
			tk.Reporter.Phone != "+33639981234" || tk.Establishment.UAI != "0421234N" || tk.Priority != support.Majeure ||
			len(tk.Population) != 2 || tk.Location != "Accueil > Vie scolaire > Cahier de textes" || len(tk.Attachments) != 1 {
			t.Errorf("ticket %+v", tk)
		}
		receipt := f.waitMail(t, marieMail, res.Number)
		h := f.headers(t, receipt.ID)
		if got := h["In-Reply-To"]; len(got) != 1 || got[0] != "<"+m.id+">" {
			t.Errorf("receipt In-Reply-To %q, want <%s>", got, m.id)
		}
		if got := strings.Join(h["References"], " "); !strings.Contains(got, "<"+m.id+">") {
			t.Errorf("receipt References %q", got)
		}
		// Delivered again: the same ticket, nothing more.
		if again := f.handle(t, m); again.Result != support.MailDuplicate || again.Number != res.Number {
			t.Errorf("again: %+v", again)
		}
		noID := m
		noID.id = ""
		noID.subject = "Cahier de textes vide (2)"
		first := f.handle(t, noID)
		if first.Result != support.MailTicket {
			t.Fatalf("without Message-ID: %+v", first)
		}
		if again := f.handle(t, noID); again.Result != support.MailDuplicate || again.Number != first.Number {
			t.Errorf("without Message-ID, again: %+v", again)
		}
		page, err := f.agt.ListTickets(ctx, support.TicketFilter{})
		if err != nil || len(page.Tickets) != 2 {
			t.Errorf("tickets: %v, %v; want 2", page, err)
		}
	})
}

// An incomplete request makes no ticket: one answer lists each problem in
// the CLI's words with a template; answering it (in its thread) completes
// the request, with what the first message said.
func TestMailIncompleteRequestCompleted(t *testing.T) {
	f := newFlow(t, "", nil)
	ctx := context.Background()
	first := msg{from: marieMail, subject: "ENT inaccessible", id: f.id(),
		body: "Description précise : Plus personne ne peut se connecter à l'ENT depuis 8 h ce matin.\nDegré de priorité : bloquante\n"}
	res := f.handle(t, first)
	if res.Result != support.MailPending || !res.Reply {
		t.Fatalf("result %+v, want pending with an answer", res)
	}
	if page, _ := f.agt.ListTickets(ctx, support.TicketFilter{}); len(page.Tickets) != 0 {
		t.Fatalf("a ticket was made: %+v", page.Tickets)
	}
	ask := f.waitMail(t, marieMail, "ENT inaccessible")
	body := f.mp.Message(t, ask.ID).Text
	for _, want := range []string{"Population concernée (population)", "URL de l'établissement ou fil d'Ariane (location)",
		"ce champ est obligatoire", "30 jours", "Nom et prénom : Marie Curie", "Degré de priorité : bloquante", "\nPopulation concernée :", "Fonction : chef_etablissement"} {
		if !strings.Contains(body, want) {
			t.Errorf("answer lacks %q:\n%s", want, body)
		}
	}
	h := f.headers(t, ask.ID)
	if got := h["In-Reply-To"]; len(got) != 1 || got[0] != "<"+first.id+">" {
		t.Errorf("answer In-Reply-To %q", got)
	}
	if got := h["Auto-Submitted"]; len(got) != 1 || got[0] != "auto-replied" {
		t.Errorf("answer Auto-Submitted %q", got)
	}
	// The answer, quoting ours.
	quoted := "> " + strings.ReplaceAll(body, "\n", "\n> ")
	res = f.handle(t, msg{from: marieMail, subject: "Re: " + ask.Subject, id: f.id(),
		header: []string{"In-Reply-To: <" + ask.MessageID + ">", "References: <" + first.id + "> <" + ask.MessageID + ">"},
		body:   "Population concernée : tous\nURL de l'établissement ou fil d'Ariane : https://ent.example.org\n\nLe 10/03/2025 à 09:00, Support a écrit :\n" + quoted})
	if res.Result != support.MailTicket {
		t.Fatalf("answer: %+v", res)
	}
	n, _ := support.ParseNumber(res.Number)
	tk, err := f.marie.GetTicket(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Subject != "ENT inaccessible" || tk.Priority != support.Bloquante || tk.Location != "https://ent.example.org" ||
		!strings.HasPrefix(tk.Description, "Plus personne") || len(tk.Population) != 1 || tk.Population[0] != "tous" {
		t.Errorf("ticket %+v", tk.TicketInput)
	}
}

// Unknown and not allowed senders get the procedure (who may contact
// support, the channels), an audit entry, and no ticket; robots, lists and
// bounces get nothing; two robots answering each other stop after five.
func TestMailSendersRefusedAndLoopsStopped(t *testing.T) {
	f := newFlow(t, "", nil)
	ctx := context.Background()
	res := f.handle(t, msg{from: "inconnu@example.net", subject: "Problème ENT", id: f.id(), body: completeBody})
	if res.Result != support.MailRefused || !res.Reply {
		t.Fatalf("unknown sender: %+v", res)
	}
	proc := f.waitMail(t, "inconnu@example.net", "Problème ENT")
	text := f.mp.Message(t, proc.ID).Text
	for _, want := range []string{"chef d'établissement", "correspondants ENT", support.DefaultContactEmail, support.DefaultContactPhone} {
		if !strings.Contains(text, want) {
			t.Errorf("procedure lacks %q:\n%s", want, text)
		}
	}
	if page, _ := f.agt.ListTickets(ctx, support.TicketFilter{}); len(page.Tickets) != 0 {
		t.Errorf("tickets: %+v", page.Tickets)
	}
	audit, err := f.admin.Audit(ctx, support.AuditFilter{Action: service.AuditMailRefused})
	if err != nil || len(audit) != 1 || audit[0].Target != "inconnu@example.net" {
		t.Errorf("audit: %+v, %v", audit, err)
	}

	// A disabled account, and the mail gateway's own account: not people
	// who may contact support.
	if _, err := f.admin.SetUserDisabled(ctx, paulMail, true); err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{paulMail, "mailgate@support.example.org"} {
		if res := f.handle(t, msg{from: from, subject: "Demande", id: f.id(), body: completeBody}); res.Result != support.MailRefused || !res.Reply {
			t.Errorf("%s: %+v", from, res)
		}
		f.waitMail(t, from, "Demande")
	}

	// Robots: nothing, whatever they say.
	for i, h := range []string{"Auto-Submitted: auto-replied", "Precedence: bulk", "List-Id: <annonces.example.net>", "Return-Path: <>"} {
		res := f.handle(t, msg{from: fmt.Sprintf("robot%d@example.net", i), subject: "Absence", id: f.id(), header: []string{h}, body: "Je suis absent."})
		if res.Reply {
			t.Errorf("%s: answered: %+v", h, res)
		}
	}
	// Our own address: nothing either.
	if res := f.handle(t, msg{from: "support@example.org", subject: "Retour", id: f.id(), body: "x"}); res.Result != support.MailIgnored || res.Reply {
		t.Errorf("our own mail: %+v", res)
	}
	// A robot that does not say so answers each of our answers: five, then silence.
	for i := range 8 {
		res := f.handle(t, msg{from: "autre-robot@example.net", subject: fmt.Sprintf("Re: Re: Problème %d", i), id: f.id(), body: "Message reçu."})
		if res.Reply != (i < service.DefaultMailReplyLimit) {
			t.Errorf("message %d: %+v", i, res)
		}
	}
	time.Sleep(1500 * time.Millisecond) // the notifier's polls
	for i := range 4 {
		if n := f.mailsTo(t, fmt.Sprintf("robot%d@example.net", i)); n != 0 {
			t.Errorf("robot%d got %d mails", i, n)
		}
	}
	if n := f.mailsTo(t, "autre-robot@example.net"); n != service.DefaultMailReplyLimit {
		t.Errorf("the looping robot got %d answers, want %d", n, service.DefaultMailReplyLimit)
	}
}

// Replies to a ticket's mail: a comment of their sender, quote and
// signature removed, files kept; a resolved ticket reopens; someone who
// may not see the ticket is told so and the ticket is untouched; an
// agent's reply is an agent's, mailed to the reporter; the team gets a
// copy of the new ticket, of the reporter's comment and of the reopening.
func TestMailRepliesToTickets(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) { testMailReplies(t, dsn) })
}

// eachDB runs test on SQLite, then on PostgreSQL.
func eachDB(t *testing.T, test func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, "") })
	t.Run("postgres", func(t *testing.T) { test(t, pgtest.NewDatabase(t)) })
}

func testMailReplies(t *testing.T, dsn string) {
	f := newFlow(t, dsn, func(o *Options) { o.TeamMail = teamMail })
	ctx := context.Background()
	res := f.handle(t, msg{from: marieMail, subject: "Cahier de textes vide", id: f.id(), body: completeBody, file: pngFile(t)})
	if res.Result != support.MailTicket {
		t.Fatalf("%+v", res)
	}
	num := res.Number
	n, _ := support.ParseNumber(num)
	receipt := f.waitMail(t, marieMail, num)
	team := f.waitMail(t, teamMail, "Nouveau ticket")
	var teamMsg struct {
		Text        string
		Attachments []struct{ FileName string }
	}
	f.mp.Get(t, "/api/v1/message/"+team.ID, &teamMsg)
	if !strings.Contains(teamMsg.Text, "Collège du Pilat") || !strings.Contains(teamMsg.Text, "Marie Curie") ||
		len(teamMsg.Attachments) != 1 || teamMsg.Attachments[0].FileName != "capture.png" {
		t.Errorf("team copy: %+v", teamMsg)
	}

	// By the subject's number, quoted text and signature removed, with a file.
	res = f.handle(t, msg{from: marieMail, subject: "Re: [" + num + "] Ticket enregistré", id: f.id(), file: pngFile(t),
		body: "Voici une capture de l'écran blanc.\n\n-- \nMarie Curie\nCollège du Pilat\n\nLe 10/03/2025 à 09:00, Support ENT a écrit :\n> Votre ticket est enregistré"})
	if res.Result != support.MailComment || res.Number != num {
		t.Fatalf("reply: %+v", res)
	}
	// By our Message-ID only.
	res = f.handle(t, msg{from: marieMail, subject: "Re: votre message", id: f.id(),
		header: []string{"In-Reply-To: <" + receipt.MessageID + ">"}, body: "Et cela touche aussi les 4e."})
	if res.Result != support.MailComment || res.Number != num {
		t.Fatalf("reply by In-Reply-To: %+v", res)
	}
	tk, err := f.marie.GetTicket(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(tk.Comments) != 2 || tk.Comments[0].Body != "Voici une capture de l'écran blanc." || len(tk.Comments[0].Attachments) != 1 ||
		tk.Comments[1].Body != "Et cela touche aussi les 4e." || tk.Comments[0].Role != support.RoleReporter {
		t.Errorf("comments %+v", tk.Comments)
	}
	f.waitMail(t, teamMail, "Complément du déclarant")

	// Paul, of another school, may not see it.
	res = f.handle(t, msg{from: paulMail, subject: "Re: [" + num + "] Ticket enregistré", id: f.id(), body: "Chez nous aussi."})
	if res.Result != support.MailRefused || !res.Reply {
		t.Errorf("someone else's reply: %+v", res)
	}
	denied := f.waitMail(t, paulMail, num)
	if text := f.mp.Message(t, denied.ID).Text; !strings.Contains(text, "n'a pas été modifié") || strings.Contains(text, "cahier") {
		t.Errorf("not allowed answer:\n%s", text)
	}
	if again, _ := f.marie.GetTicket(ctx, n); len(again.Comments) != 2 {
		t.Errorf("the ticket changed: %+v", again.Comments)
	}

	// The agent answers by mail: an agent's reply, mailed to Marie.
	res = f.handle(t, msg{from: agentMail, subject: "Re: [" + num + "] Nouveau ticket", id: f.id(), body: "Videz le cache puis reconnectez-vous.\n\n> Nouveau ticket"})
	if res.Result != support.MailComment {
		t.Fatalf("agent's reply: %+v", res)
	}
	tk, _ = f.marie.GetTicket(ctx, n)
	if last := tk.Comments[len(tk.Comments)-1]; last.Role != support.RoleAgent || last.Body != "Videz le cache puis reconnectez-vous." {
		t.Errorf("agent's comment %+v", last)
	}
	f.waitMail(t, marieMail, "Réponse du support")

	// Resolved, then answered: reopened.
	if _, err := f.agt.ChangeStatus(ctx, n, support.StatusOpen, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agt.ChangeStatus(ctx, n, support.StatusResolved, "Cache vidé."); err != nil {
		t.Fatal(err)
	}
	res = f.handle(t, msg{from: marieMail, subject: "Re: [" + num + "] Ticket résolu", id: f.id(), body: "Le problème est revenu ce matin."})
	if res.Result != support.MailReopened {
		t.Fatalf("reply to a resolved ticket: %+v", res)
	}
	tk, _ = f.marie.GetTicket(ctx, n)
	if tk.Status != support.StatusOpen || tk.History[len(tk.History)-1].Message != "Le problème est revenu ce matin." {
		t.Errorf("after the reopening: %s %+v", tk.Status, tk.History[len(tk.History)-1])
	}
	f.waitMail(t, teamMail, "Ticket rouvert")
}

// Through HTTP: a mailgate token posts mail and nothing else; no other
// account posts mail; a message over the limit is 413, not mail is 422.
func TestMailRoute(t *testing.T) {
	f := newFlow(t, "", func(o *Options) { o.MailMaxSize = 64 << 10 })
	ctx := context.Background()
	gate, err := httpapi.NewClient(httpapi.ClientConfig{BaseURL: f.s.URL(), Token: f.gateToken})
	if err != nil {
		t.Fatal(err)
	}
	res, err := gate.PostMail(ctx, msg{from: marieMail, subject: "Cahier de textes vide", id: f.id(), body: completeBody}.raw())
	if err != nil || res.Result != support.MailTicket {
		t.Fatalf("PostMail: %+v, %v", res, err)
	}
	if _, err := gate.ListTickets(ctx, support.TicketFilter{}); support.ErrorCode(err) != support.EFORBIDDEN {
		t.Errorf("mailgate token listing tickets: %v", err)
	}
	if _, err := f.marie.PostMail(ctx, msg{from: marieMail, subject: "x", id: f.id(), body: completeBody}.raw()); support.ErrorCode(err) != support.EFORBIDDEN {
		t.Errorf("reporter posting mail: %v", err)
	}
	big := msg{from: marieMail, subject: "gros", id: f.id(), body: strings.Repeat("x", 70<<10)}
	if _, err := gate.PostMail(ctx, big.raw()); support.ErrorCode(err) != support.ETOOLARGE {
		t.Errorf("too large: %v", err)
	}
	if _, err := gate.PostMail(ctx, []byte("\x00\x01 ceci n'est pas un message")); support.ErrorCode(err) != support.EINVALID {
		t.Errorf("not mail: %v", err)
	}
}

// A file over the server's limit is not taken: the request waits, and
// the answer names the file; the answer without it makes the ticket.
func TestMailFileOverLimit(t *testing.T) {
	f := newFlow(t, "", func(o *Options) { o.Limits = support.Limits{MaxFileSize: 4 << 10, MaxTicketSize: 1 << 20} })
	file := noisyPNG(t)
	if len(file) <= 4<<10 {
		t.Fatalf("the test file is %d bytes: not over the limit", len(file))
	}
	first := msg{from: marieMail, subject: "Cahier de textes vide", id: f.id(), body: completeBody, file: file}
	res := f.handle(t, first)
	if res.Result != support.MailPending || !res.Reply {
		t.Fatalf("%+v", res)
	}
	ask := f.waitMail(t, marieMail, "Cahier de textes vide")
	if text := f.mp.Message(t, ask.ID).Text; !strings.Contains(text, "capture.png") {
		t.Errorf("the answer does not name the file:\n%s", text)
	}
	res = f.handle(t, msg{from: marieMail, subject: "Re: " + ask.Subject, id: f.id(),
		header: []string{"In-Reply-To: <" + ask.MessageID + ">"}, body: "Tant pis pour la capture."})
	if res.Result != support.MailTicket {
		t.Fatalf("answer: %+v", res)
	}
	n, _ := support.ParseNumber(res.Number)
	if tk, err := f.marie.GetTicket(context.Background(), n); err != nil || len(tk.Attachments) != 0 || tk.Priority != support.Majeure {
		t.Errorf("ticket %+v, %v", tk, err)
	}
}

// With --mail-require-auth, only mail our MTA found to pass SPF or DMARC
// is taken; the rest is refused without an answer (it may be forged).
func TestMailRequireAuth(t *testing.T) {
	f := newFlow(t, "", func(o *Options) { o.MailRequireAuth, o.MailAuthHost = true, "mx.support.example.org" })
	for _, c := range []struct {
		name, header, want string
	}{
		{"none", "", support.MailRefused},
		{"fail", "Authentication-Results: mx.support.example.org; spf=fail smtp.mailfrom=example.org; dmarc=fail", support.MailRefused},
		{"written by the sender", "Authentication-Results: mx.example.net; dmarc=pass header.from=example.org", support.MailRefused},
		{"pass", "Authentication-Results: mx.support.example.org; spf=pass smtp.mailfrom=example.org; dmarc=pass header.from=example.org", support.MailTicket},
	} {
		m := msg{from: marieMail, subject: "Cahier de textes vide", id: f.id(), body: completeBody}
		if c.header != "" {
			m.header = []string{c.header}
		}
		if res := f.handle(t, m); res.Result != c.want || res.Reply {
			t.Errorf("%s: %+v, want %s and no answer", c.name, res, c.want)
		}
	}
}
