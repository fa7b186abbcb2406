package mailin

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"reflect"
	"strings"
	"testing"
)

// screenshot returns n bytes that start like a PNG file (signature and
// IHDR), the rest pseudo-random: what the parser sees of a screenshot.
func screenshot(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	copy(b, "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x04\x00\x00\x00\x03\x00\x08\x06\x00\x00\x00")
	return b
}

// bigMessage builds a message of about size bytes: a request in the text
// part and two screenshots attached, base64-encoded as clients send them.
func bigMessage(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From: Jeanne Dupont <jeanne.dupont@clg-pilat.example.org>\r\n" +
		"To: support@support.test\r\nSubject: Deux captures\r\nDate: Wed, 2 Dec 2026 09:00:00 +0100\r\n" +
		"Message-ID: <big@clg-pilat.example.org>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Nom et prénom : Jeanne Dupont\r\nDescription précise : voir les deux captures jointes, la page reste blanche.\r\n")
	each := (size - b.Len() - 600) / 2 * 3 / 4 // decoded bytes per screenshot
	for i := 1; i <= 2; i++ {
		fmt.Fprintf(&b, "--b1\r\nContent-Type: image/png; name=\"capture-%d.png\"\r\n"+
			"Content-Disposition: attachment; filename=\"capture-%d.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", i, i)
		enc := base64.StdEncoding.EncodeToString(screenshot(each, int64(i)))
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--b1--\r\n")
	return b.Bytes()
}

func parseString(t *testing.T, raw string, o Options) *Message {
	t.Helper()
	m, err := Parse(strings.NewReader(raw), o)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func readFile(t *testing.T, f File) []byte {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatalf("open %s: %v", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLargeFilesSpillAndClose: a large file goes to a temporary file that
// reads back the same bytes (twice), and Close removes it.
func TestLargeFilesSpillAndClose(t *testing.T) {
	raw := bigMessage(1 << 20)
	dir := t.TempDir()
	m, err := Parse(bytes.NewReader(raw), Options{TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 2 {
		t.Fatalf("files: %+v", m.Files)
	}
	for i, f := range m.Files {
		want := screenshot(int(f.Size), int64(i+1))
		for range 2 {
			if got := readFile(t, f); !bytes.Equal(got, want) {
				t.Fatalf("%s: content differs (%d bytes, want %d)", f.Name, len(got), len(want))
			}
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Fatalf("temporary files: %d, want 2", len(ents))
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("temporary files left after Close: %d", len(ents))
	}
	if _, err := m.Files[0].Open(); err == nil {
		t.Fatal("Open after Close should fail")
	}
	sum := sha256.Sum256(raw)
	if m.Hash != hex.EncodeToString(sum[:]) || m.Size != int64(len(raw)) {
		t.Fatalf("hash %s size %d, want %x %d", m.Hash, m.Size, sum, len(raw))
	}
}

// TestLimits: MaxSize stops the read with ErrTooLarge (and leaves no
// temporary file); a file over MaxFile is listed with its size but not kept.
func TestLimits(t *testing.T) {
	raw := bigMessage(1 << 20)
	dir := t.TempDir()
	_, err := Parse(bytes.NewReader(raw), Options{MaxSize: 512 << 10, TempDir: dir})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("temporary files left after ErrTooLarge: %d", len(ents))
	}
	// Exactly at the limit is fine.
	m, err := Parse(bytes.NewReader(raw), Options{MaxSize: int64(len(raw)), MaxFile: 100 << 10, TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if len(m.Files) != 2 || m.Files[0].Size < 300<<10 {
		t.Fatalf("files: %+v", m.Files)
	}
	if _, err := m.Files[0].Open(); !errors.Is(err, ErrFileTooLarge) {
		t.Fatalf("Open of a file over MaxFile: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("a file over MaxFile was written to disk")
	}
	if r := m.Request(); r.Name != "Jeanne Dupont" {
		t.Fatalf("request after the files: %+v", r)
	}
}

func TestNotMail(t *testing.T) {
	for _, raw := range []string{"", "\x89PNG\r\n\x1a\n\x00\x00", "{\"subject\": \"x\"}\n", "Bonjour,\nvoici ma demande.\n", "X-Foo: bar\n\nbody\n"} {
		if _, err := Parse(strings.NewReader(raw), Options{}); !errors.Is(err, ErrNotMail) {
			t.Errorf("Parse(%q) = %v, want ErrNotMail", raw, err)
		}
	}
}

// TestMboxLine: Postfix's pipe puts an mbox "From " line first; it is
// skipped, gives the envelope sender when there is no Return-Path, and is
// not part of the hash (the same message fetched by IMAP hashes the same).
func TestMboxLine(t *testing.T) {
	body := "From: a@example.org\nSubject: x\n\nhello\n"
	m1 := parseString(t, "From a@example.org  Wed Dec  2 18:45:01 2026\n"+body, Options{})
	m2 := parseString(t, body, Options{})
	if m1.Hash != m2.Hash || m1.Size != int64(len(body)) {
		t.Fatalf("hash/size with the mbox line: %s/%d, without: %s/%d", m1.Hash, m1.Size, m2.Hash, m2.Size)
	}
	if m1.ReturnPath != "a@example.org" || m2.ReturnPath != "" {
		t.Fatalf("return path %q %q", m1.ReturnPath, m2.ReturnPath)
	}
	if m := parseString(t, "From MAILER-DAEMON Wed Dec  2 18:45:01 2026\n"+body, Options{}); m.IsAutomatic() != "null-sender" {
		t.Fatalf("bounce: %q", m.IsAutomatic())
	}
	if m := parseString(t, "From <>  Wed Dec  2 18:45:01 2026\n"+body, Options{}); m.ReturnPath != "<>" {
		t.Fatalf("From <>: %q", m.ReturnPath)
	}
	if _, err := Parse(strings.NewReader("From "+strings.Repeat("x", 10000)+"\n"+body), Options{}); !errors.Is(err, ErrNotMail) {
		t.Fatalf("endless From line: %v", err)
	}
	if m := parseString(t, "Return-Path: <>\n"+body, Options{}); m.ReturnPath != "<>" || m.IsAutomatic() != "null-sender" {
		t.Fatalf("Return-Path <>: %q %q", m.ReturnPath, m.IsAutomatic())
	}
}

func TestIsAutomatic(t *testing.T) {
	for hdr, want := range map[string]string{
		"Auto-Submitted: no\n":             "",
		"Auto-Submitted: auto-generated\n": "auto-submitted",
		"Precedence: bulk\n":               "precedence",
		"Precedence: junk\n":               "precedence",
		"List-Id: <x.example.org>\n":       "list",
		"X-Autoreply: yes\n":               "auto-reply",
		"":                                 "",
	} {
		m := parseString(t, "From: Marie <marie@example.org>\nSubject: x\n"+hdr+"\nhello\n", Options{})
		if got := m.IsAutomatic(); got != want {
			t.Errorf("%q: IsAutomatic = %q, want %q", hdr, got, want)
		}
	}
	if m := parseString(t, "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\nSubject: x\n\nhello\n", Options{}); m.IsAutomatic() != "mailer-daemon" {
		t.Errorf("mailer-daemon: %q", m.IsAutomatic())
	}
}

// TestHeaders: ids without brackets, In-Reply-To then References
// deduplicated, tolerant address parsing, decoded subject.
func TestHeaders(t *testing.T) {
	m := parseString(t, "From: \"Dupont, Jeanne\" <Jeanne.Dupont@Example.ORG>\n"+
		"Reply-To: secretariat@example.org\n"+
		"Subject: =?utf-8?q?Re=C3=A7u?= [cg42n1-7]\n"+
		"Message-ID: <abc@x>\nIn-Reply-To: <b@x> (comment)\nReferences: <a@x>\n <b@x>\tc@x\n\nhi\n", Options{})
	if m.MessageID != "abc@x" || !reflect.DeepEqual(m.InReplyTo, []string{"b@x", "a@x"}) {
		t.Errorf("ids: %q %q", m.MessageID, m.InReplyTo)
	}
	if m.From != (Address{"Dupont, Jeanne", "jeanne.dupont@example.org"}) || m.ReplyTo.Email != "secretariat@example.org" {
		t.Errorf("addresses: %+v %+v", m.From, m.ReplyTo)
	}
	if m.Subject != "Reçu [cg42n1-7]" || TicketNumber(m.Subject) != "CG42N1-7" {
		t.Errorf("subject %q number %q", m.Subject, TicketNumber(m.Subject))
	}
	// An address the strict parser refuses still gives its e-mail.
	m = parseString(t, "From: Jean (Collège) Martin <jean.martin@example.org>>\nSubject: x\n\nhi\n", Options{})
	if m.From.Email != "jean.martin@example.org" {
		t.Errorf("broken From: %+v", m.From)
	}
}

func TestTicketNumber(t *testing.T) {
	checkTable(t, "TicketNumber", TicketNumber, map[string]string{
		"Re: [CG42N1-1042] Cahier de textes": "CG42N1-1042",
		"TR: RE: [ cg42n1-12 ] x":            "CG42N1-12",
		"CG42N1-1042 sans crochets":          "",
		"[Lettre ENT] Les nouveautés":        "",
		"[1234] x":                           "",
	})
}

// TestFiles: inline images vs signature logos, unnamed images, TNEF,
// signatures, a text attachment, a path in a file name.
func TestFiles(t *testing.T) {
	big := base64.StdEncoding.EncodeToString(screenshot(6000, 1))
	small := base64.StdEncoding.EncodeToString(screenshot(900, 2))
	raw := "From: a@example.org\nSubject: x\nContent-Type: multipart/mixed; boundary=B\n\n" +
		"--B\nContent-Type: multipart/related; boundary=R\n\n" +
		"--R\nContent-Type: text/html; charset=utf-8\n\n<p>Voir <img src=\"cid:shot\"> et le logo <img src=\"cid:logo\"></p>\n" +
		"--R\nContent-Type: image/png\nContent-ID: <shot>\nContent-Transfer-Encoding: base64\n\n" + big + "\n" +
		"--R\nContent-Type: image/png\nContent-ID: <logo>\nContent-Transfer-Encoding: base64\n\n" + small + "\n" +
		"--R--\n" +
		"--B\nContent-Type: text/plain; name=\"journal.log\"\nContent-Disposition: attachment; filename=\"C:\\\\Users\\\\jd\\\\journal.log\"\n\nerreur 42\n" +
		"--B\nContent-Type: application/ms-tnef\nContent-Transfer-Encoding: base64\n\neJ8+IgEAAQ==\n" +
		"--B\nContent-Type: application/pkcs7-signature; name=smime.p7s\nContent-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHAqCAMIACAQE=\n" +
		"--B\nContent-Type: image/png; name=tiny.png\nContent-Disposition: attachment; filename=tiny.png\nContent-Transfer-Encoding: base64\n\n" + small + "\n" +
		"--B--\n"
	m := parseString(t, raw, Options{})
	var got []string
	for _, f := range m.Files {
		got = append(got, fmt.Sprintf("%s %s %v %d", f.Name, f.ContentType, f.Inline, f.Size))
	}
	want := []string{"image-1.png image/png true 6000", "journal.log text/plain false 9", "tiny.png image/png false 900"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files:\n got %q\nwant %q", got, want)
	}
	if !reflect.DeepEqual(m.Refused, []string{"winmail.dat"}) {
		t.Errorf("refused: %q", m.Refused)
	}
	if m.Text != "Voir et le logo" {
		t.Errorf("text: %q", m.Text)
	}
	if string(readFile(t, m.Files[1])) != "erreur 42" {
		t.Errorf("log content: %q", readFile(t, m.Files[1]))
	}
}

// TestAlternative: text/plain is preferred whatever the order; HTML is used
// when the plain part is empty.
func TestAlternative(t *testing.T) {
	alt := func(parts ...string) string {
		s := "From: a@example.org\nSubject: x\nContent-Type: multipart/alternative; boundary=A\n\n"
		for _, p := range parts {
			s += "--A\n" + p + "\n"
		}
		return s + "--A--\n"
	}
	html := "Content-Type: text/html; charset=utf-8\n\n<p>version <b>HTML</b></p>"
	plain := "Content-Type: text/plain; charset=utf-8\n\nversion texte"
	empty := "Content-Type: text/plain; charset=utf-8\n\n  "
	checkTable(t, "text", textOf(t), map[string]string{
		alt(plain, html): "version texte",
		alt(html, plain): "version texte",
		alt(empty, html): "version HTML",
	})
}

// TestCharsets: text labelled ISO-8859-1 that holds windows-1252's
// characters (as Outlook sends) decodes them; an unknown charset still
// gives the text; 8-bit text without a charset is read.
func TestCharsets(t *testing.T) {
	h := "From: a@example.org\nSubject: x\n"
	checkTable(t, "text", textOf(t), map[string]string{
		h + "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nC=92est 10 =80, =E9t=E9\n": "C’est 10 €, été\n",
		h + "Content-Type: text/plain; charset=iso-8859-15\n\n\xa4 \xe9\n":                                                           "€ é\n",
		h + "Content-Type: text/plain; charset=x-unknown-42\n\nplain ascii\n":                                                        "plain ascii\n",
		// Without a declared charset: windows-1252 for plain text, the
		// <meta> tag for HTML; control characters go.
		h + "\nD\xe9j\xe0 vu \x80\x00\n": "Déjà vu €\n",
		h + "Content-Type: text/html\n\n<html><head><meta charset=\"iso-8859-15\"></head><body>co\xfbt \xa4</body></html>\n": "coût €",
		// Declared UTF-8 that is not: replacement characters.
		h + "Content-Type: text/plain; charset=utf-8\n\nd\xe9j\xe0\n": "d\uFFFDj\uFFFD\n",
	})
}

// textOf parses a message and returns its Text.
func textOf(t *testing.T) func(string) string {
	return func(raw string) string { return parseString(t, raw, Options{}).Text }
}

func TestUnflow(t *testing.T) {
	for _, c := range []struct {
		in    string
		delSp bool
		want  string
	}{
		{"un deux \ntrois\nquatre", false, "un deux trois\nquatre"},
		{"un deux \ntrois", true, "un deuxtrois"},
		{" From here\n >not quoted", false, "From here\n>not quoted"},
		{"> cité \n> suite\nréponse \n> autre", false, "> cité suite\nréponse \n> autre"},
		{"-- \nsignature", false, "-- \nsignature"},
		{"fin \n", false, "fin "},
	} {
		if got := unflow(c.in, c.delSp); got != c.want {
			t.Errorf("unflow(%q, %v) = %q, want %q", c.in, c.delSp, got, c.want)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	for in, want := range map[string]string{
		"<html><head><title>T</title><style>p{}</style></head><body><script>x()</script><p>Un</p><p>Deux<br>Trois</p></body></html>":    "Un\nDeux\nTrois",
		"<ul><li>a</li><li>b</li></ul><ol><li>c</li><li>d</li></ol>":                                                                    "• a\n• b\n1. c\n2. d",
		`<a href="https://x.example.org/p">la page</a> <a href="https://x.example.org/">x.example.org</a> <a href="mailto:a@b">a@b</a>`: "la page (https://x.example.org/p) x.example.org a@b",
		"<p>Réponse</p><blockquote><p>cité</p><blockquote>très cité</blockquote></blockquote><p>fin</p>":                                "Réponse\n> cité\n>> très cité\nfin",
		"<p>a&nbsp;:&nbsp;b</p><p>&nbsp;</p><p>c &amp; d</p>":                                                                           "a : b\n\nc & d",
		"<table><tr><td>Fonction</td><td>Principal</td></tr></table>":                                                                   "Fonction\tPrincipal",
		"<pre>  code\n  indenté</pre>": "  code\n  indenté",
	} {
		if got := htmlToText(in); got != want {
			t.Errorf("htmlToText(%q) =\n%q, want\n%q", in, got, want)
		}
	}
}

func TestHeadersAll(t *testing.T) {
	m := parseString(t, "Authentication-Results: mx.support.test; dkim=pass\nReceived: x\nAuthentication-Results: =?utf-8?q?autre=C3=A9?=\nFrom: a@b\nSubject: x\n\nhi\n", Options{})
	got := m.Headers("authentication-results")
	if !reflect.DeepEqual(got, []string{"mx.support.test; dkim=pass", "autreé"}) {
		t.Errorf("Headers: %q", got)
	}
	if m.Header("Authentication-Results") != "mx.support.test; dkim=pass" || m.Headers("X-None") != nil {
		t.Errorf("Header: %q", m.Header("Authentication-Results"))
	}
}

// TestForwardedAttachment: a message/rfc822 part is read into the text
// under a forwarding header in the language asked, and its files kept.
func TestForwardedAttachment(t *testing.T) {
	raw := "From: a@example.org\nSubject: TR: panne\nContent-Type: multipart/mixed; boundary=B\n\n" +
		"--B\nContent-Type: text/plain\n\nVoir le message joint.\n" +
		"--B\nContent-Type: message/rfc822\n\nFrom: Prof <p@example.org>\nSubject: panne\n" +
		"Content-Type: multipart/mixed; boundary=C\n\n--C\nContent-Type: text/plain\n\nLa page est blanche.\n" +
		"--C\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=note.pdf\n\n%PDF-1.4\n--C--\n" +
		"--B--\n"
	for lang, want := range map[string]string{
		"":   "Voir le message joint.\n\n-------- Message transféré --------\nDe : Prof <p@example.org>\nObjet : panne\n\nLa page est blanche.",
		"en": "Voir le message joint.\n\n---------- Forwarded message ----------\nFrom: Prof <p@example.org>\nSubject: panne\n\nLa page est blanche.",
	} {
		m := parseString(t, raw, Options{Lang: lang})
		if m.Text != want {
			t.Errorf("%q: text %q", lang, m.Text)
		}
		if len(m.Files) != 1 || m.Files[0].Name != "note.pdf" {
			t.Errorf("files: %+v", m.Files)
		}
		if Reply(m.Text) != want {
			t.Errorf("Reply cut the forwarded message: %q", Reply(m.Text))
		}
	}
}

// TestManySmallFiles: small files stay in memory only up to a budget for
// the message; past it they go to temporary files too.
func TestManySmallFiles(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@example.org\nSubject: x\nContent-Type: multipart/mixed; boundary=B\n\n")
	part := base64.StdEncoding.EncodeToString(screenshot(60<<10, 3))
	for i := range 20 {
		fmt.Fprintf(&b, "--B\nContent-Type: image/png; name=s%d.png\nContent-Disposition: attachment\nContent-Transfer-Encoding: base64\n\n%s\n", i, part)
	}
	b.WriteString("--B--\n")
	dir := t.TempDir()
	m := parseString(t, b.String(), Options{TempDir: dir})
	if len(m.Files) != 20 {
		t.Fatalf("files: %d", len(m.Files))
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) < 2 || len(ents) > 5 {
		t.Errorf("%d of 20 small files in temporary files, want the few past the 1 MiB budget", len(ents))
	}
	for _, f := range m.Files {
		if got := readFile(t, f); !bytes.Equal(got, screenshot(60<<10, 3)) {
			t.Fatalf("%s: content differs", f.Name)
		}
	}
}

// TestDataImages: a screenshot pasted into HTML as a data: URL is a file;
// a tiny one (a logo) is not.
func TestDataImages(t *testing.T) {
	shot := screenshot(5000, 4)
	enc := base64.StdEncoding.EncodeToString(shot)
	logo := base64.StdEncoding.EncodeToString(screenshot(300, 5))
	raw := "From: a@example.org\nSubject: x\nContent-Type: text/html; charset=utf-8\n\n" +
		"<p>Voici :</p><img src='data:image/gif;base64," + logo + "'><img src=\"data:image/png;base64," + enc[:100] + "\n" + enc[100:] + "\"><p>Fin</p>\n"
	m := parseString(t, raw, Options{})
	if len(m.Files) != 1 || m.Files[0].Name != "image-1.png" || !m.Files[0].Inline || !bytes.Equal(readFile(t, m.Files[0]), shot) {
		t.Fatalf("files: %+v", m.Files)
	}
	if m.Text != "Voici :\nFin" {
		t.Errorf("text: %q", m.Text)
	}
}

// TestBrokenHeaderLines: a header line that is not a field (a broken
// mailer's) is dropped with its continuation, not the whole message.
func TestBrokenHeaderLines(t *testing.T) {
	raw := "From: Marie <marie@example.org>\r\nthis is not a field\r\n  nor its continuation\r\nX-Bad Key: v\r\nSubject: =?utf-8?q?D=C3=A9j=C3=A0?=\r\n folded\r\n\r\nCorps\r\n"
	m := parseString(t, raw, Options{})
	if m.From.Email != "marie@example.org" || m.Subject != "Déjà folded" || m.Text != "Corps\n" {
		t.Errorf("from %q subject %q text %q", m.From.Email, m.Subject, m.Text)
	}
	if sum := sha256.Sum256([]byte(raw)); m.Hash != hex.EncodeToString(sum[:]) {
		t.Errorf("hash is not over the raw bytes")
	}
	// A header alone, without body nor final line break.
	if m := parseString(t, "From: a@example.org\nSubject: seul", Options{}); m.Subject != "seul" || m.Text != "" {
		t.Errorf("header alone: %q %q", m.Subject, m.Text)
	}
}
