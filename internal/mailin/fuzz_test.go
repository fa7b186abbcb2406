package mailin

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var foundKeys = map[string]bool{
	"reporter.name": true, "reporter.function": true, "reporter.phone": true, "establishment.uai": true,
	"establishment.name": true, "establishment.city": true, "subject": true, "population": true,
	"description": true, "location": true, "priority": true,
}

// FuzzParse feeds any bytes to Parse, then Request, Reply and the files:
// nothing may panic or hang, texts stay valid UTF-8, files read back their
// Size, and Close removes every temporary file. Its seeds (the mail corpus
// and a few broken shapes) run as a normal test; .ci/bench fuzzes it for
// two minutes.
func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"From: a@b\n\n",
		"From x\nFrom: a@b\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: multipart/mixed; boundary=x\n\n--x--\n",
		"From: a@b\nContent-Type: multipart/alternative\n\nno boundary\n",
		"From: a@b\nContent-Type: text/plain; format=flowed; delsp=yes\n\n> a \n>> b \nc \n",
		"From: a@b\nContent-Type: text/html\n\n<blockquote><blockquote><a href=x>y",
		"From: a@b\nContent-Transfer-Encoding: base64\n\n!!!!\n",
		"Subject: =?utf-8?b?////?=\nFrom: =?x?q?=FF?= <a@b>\n\nNom : \n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir() // one per worker process: the fuzz function runs one input at a time there
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(bytes.NewReader(raw), Options{MaxSize: 1 << 20, MaxFile: 256 << 10, TempDir: dir})
		if err != nil {
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Fatalf("temporary files left after an error: %d", len(ents))
			}
			return
		}
		if m.Size != int64(len(raw)) && !bytes.HasPrefix(raw, []byte("From ")) {
			t.Fatalf("size %d, read %d", m.Size, len(raw))
		}
		for _, s := range []string{m.Text, m.Subject, m.From.Name} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8: %q", s)
			}
		}
		r := m.Request()
		for k := range r.Found {
			if !foundKeys[k] {
				t.Fatalf("unknown Found key %q", k)
			}
		}
		for _, s := range []string{r.Name, r.Description, r.Subject, r.Establishment, r.City} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in the request: %q", s)
			}
		}
		reply := Reply(m.Text)
		if len(reply) > len(m.Text) || !utf8.ValidString(reply) {
			t.Fatalf("Reply grew or broke the text: %q -> %q", m.Text, reply)
		}
		_ = m.IsAutomatic()
		_ = TicketNumber(m.Subject)
		for _, file := range m.Files {
			rc, err := file.Open()
			if err != nil {
				if file.Size <= 256<<10 {
					t.Fatalf("open %s (%d bytes): %v", file.Name, file.Size, err)
				}
				continue
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil || n != file.Size {
				t.Fatalf("%s: read %d (%v), Size %d", file.Name, n, err, file.Size)
			}
			if strings.ContainsAny(file.Name, "/\\\x00") {
				t.Fatalf("file name with a path: %q", file.Name)
			}
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Fatalf("temporary files left after Close: %d", len(ents))
		}
	})
}
