package filecheck_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/filecheck"
	"github.com/ent-support/ent-support/internal/support"
)

// img is a small picture to encode in each format.
func img() image.Image {
	m := image.NewRGBA(image.Rect(0, 0, 4, 3))
	for x := 0; x < 4; x++ {
		m.Set(x, 1, color.RGBA{R: 200, G: 30, B: 90, A: 255})
	}
	return m
}

func encode(tb testing.TB, f func(io.Writer) error) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := f(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// webp1x1 is a complete 1×1 lossless WebP (RIFF header, VP8L chunk): the
// standard library has no WebP encoder.
var webp1x1 = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

// minimalPDF is a small but well-formed PDF document.
const minimalPDF = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
	"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n" +
	"trailer\n<< /Root 1 0 R >>\n%%EOF\n"

// peHeader is the start of a Windows executable: the DOS stub with the
// offset of the "PE\0\0" signature, then a COFF header for x86-64.
func peHeader() []byte {
	b := make([]byte, 512)
	copy(b, "MZ")
	b[0x3c] = 0x80
	copy(b[0x80:], "PE\x00\x00\x64\x86")
	return b
}

// writeFile writes content to a file named name in a temporary
// directory and opens it, so that Inspect reads a real file.
func writeFile(tb testing.TB, name string, content []byte) *os.File {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, content, 0o600); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestInspect(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	exe = exe[:64<<10]
	french := strings.Repeat("Le cahier de textes n'affiche plus les séances : « erreur 500 ».\n", 60)
	tests := []struct {
		name     string
		file     string
		content  []byte
		wantType string // "" when refused
		wantName string // "" when the name is kept
		rule     string
	}{
		{name: "PNG", file: "capture.png", content: encode(t, func(w io.Writer) error { return png.Encode(w, img()) }), wantType: "image/png"},
		{name: "JPEG", file: "photo.jpg", content: encode(t, func(w io.Writer) error { return jpeg.Encode(w, img(), nil) }), wantType: "image/jpeg"},
		{name: "GIF", file: "anim.gif", content: encode(t, func(w io.Writer) error { return gif.Encode(w, img(), nil) }), wantType: "image/gif"},
		{name: "WebP", file: "capture.webp", content: webp1x1, wantType: "image/webp"},
		{name: "PDF", file: "procedure.pdf", content: []byte(minimalPDF), wantType: "application/pdf"},
		{name: "UTF-8 text", file: "notes.txt", content: []byte(french), wantType: "text/plain"},
		{name: "text with multi-byte character cut by the sniff window", file: "notes.txt", content: []byte("a" + strings.Repeat("é", 2000)), wantType: "text/plain"},
		{name: "log", file: "ent.log", content: []byte(strings.Repeat("2024-05-02 10:00:01 ERROR cahier-de-textes: délai dépassé\n", 100)), wantType: "text/plain"},
		// Python's logging writes "10:00:01,123": a log looks like CSV.
		{name: "log with commas", file: "app.log", content: []byte(strings.Repeat("2024-05-02 10:00:01,123 ERROR main: échec de connexion\n", 80)), wantType: "text/plain"},
		{name: "JSON lines log", file: "app.log", content: []byte(strings.Repeat(`{"level":"error","msg":"timeout","ms":5000}`+"\n", 50)), wantType: "text/plain"},
		// By content, not by name; the name then ends as the content is.
		{name: "text with a PNG name", file: "notes.png", content: []byte(french), wantType: "text/plain", wantName: "notes.png.txt"},
		{name: "text named like a program", file: "facture.pdf.bat", content: []byte(french), wantType: "text/plain", wantName: "facture.pdf.bat.txt"},
		{name: "text with no extension", file: "LISEZMOI", content: []byte(french), wantType: "text/plain", wantName: "LISEZMOI.txt"},
		{name: "PDF named .exe", file: "facture.exe", content: []byte("%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"), wantType: "application/pdf", wantName: "facture.exe.pdf"},
		{name: "extension in capitals", file: "NOTES.TXT", content: []byte(french), wantType: "text/plain"},
		{name: "ELF named .png", file: "capture.png", content: exe, rule: support.RuleFileType},
		{name: "ELF header named .png", file: "capture.png", content: append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 120)...), rule: support.RuleFileType},
		{name: "PE named .png", file: "capture.png", content: peHeader(), rule: support.RuleFileType},
		{name: "SVG with a script", file: "logo.svg", content: []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>`), rule: support.RuleFileType},
		{name: "SVG named .png", file: "logo.png", content: []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), rule: support.RuleFileType},
		{name: "HTML saved as .txt", file: "page.txt", content: []byte("<!DOCTYPE html>\n<html><head><title>ENT</title></head><body><script>alert(1)</script></body></html>\n"), rule: support.RuleFileType},
		{name: "HTML fragment as .txt", file: "page.txt", content: []byte("<html><body onload=\"x()\">bonjour</body></html>"), rule: support.RuleFileType},
		{name: "ZIP named .pdf", file: "doc.pdf", content: []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00" + strings.Repeat("\x00", 40)), rule: support.RuleFileType},
		{name: "empty", file: "vide.png", content: nil, rule: support.RuleFileEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, fe := filecheck.Inspect(tt.file, writeFile(t, tt.file, tt.content), 10<<20)
			if tt.rule != "" {
				if fe == nil || fe.Rule != tt.rule || fe.Field != "attachments" {
					t.Fatalf("got %+v (%s), want rule %s", fe, res.ContentType, tt.rule)
				}
				if fe.Params["name"] != tt.file {
					t.Errorf("error names %q", fe.Params["name"])
				}
				return
			}
			if fe != nil {
				t.Fatalf("refused: %+v", *fe)
			}
			name := tt.file
			if tt.wantName != "" {
				name = tt.wantName
			}
			want := filecheck.Result{Name: name, ContentType: tt.wantType, Size: int64(len(tt.content)), SHA256: sha(tt.content)}
			if res != want {
				t.Errorf("got %+v\nwant %+v", res, want)
			}
		})
	}
}

func TestInspectRefusedTypeNamesIt(t *testing.T) {
	_, fe := filecheck.Inspect("x.txt", strings.NewReader("<!DOCTYPE html><html></html>"), 0)
	if fe == nil || fe.Params["detected"] != "text/html" {
		t.Errorf("got %+v", fe)
	}
}

func TestInspectSizeLimit(t *testing.T) {
	const max = 5000
	at := bytes.Repeat([]byte("a"), max)
	res, fe := filecheck.Inspect("at.txt", writeFile(t, "at.txt", at), max)
	if fe != nil || res.Size != max || res.SHA256 != sha(at) {
		t.Errorf("exactly at the limit: %+v, %+v", res, fe)
	}
	over := append(at, 'a')
	_, fe = filecheck.Inspect("over.txt", writeFile(t, "over.txt", over), max)
	if fe == nil || fe.Rule != support.RuleFileSize || fe.Params["max"] != "5000" || fe.Params["size_known"] != "false" {
		t.Errorf("one byte over: %+v", fe)
	}
	// No limit: max 0.
	if _, fe := filecheck.Inspect("over.txt", bytes.NewReader(over), 0); fe != nil {
		t.Errorf("max 0: %+v", fe)
	}
}

// countingReader is an endless text file that counts what is read of it.
type countingReader struct{ n int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n += int64(len(p))
	return len(p), nil
}

func TestInspectStopsReadingAfterTheLimit(t *testing.T) {
	for _, lim := range []int64{100, 5000, 10 << 20} {
		c := &countingReader{}
		_, fe := filecheck.Inspect("infini.txt", c, lim)
		if fe == nil || fe.Rule != support.RuleFileSize {
			t.Fatalf("max %d: got %+v", lim, fe)
		}
		// The head read to tell the type (3 KiB) may exceed a tiny limit;
		// beyond that, not one byte more than the byte that proves it too big.
		if limit := max(lim+1, 3072); c.n > limit {
			t.Errorf("max %d: read %d bytes, want at most %d", lim, c.n, limit)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestInspectUnreadable(t *testing.T) {
	_, fe := filecheck.Inspect("x.png", io.MultiReader(strings.NewReader("abc"), failingReader{}), 100)
	if fe == nil || fe.Rule != support.RuleFileUnreadable || fe.Params["reason"] == "" {
		t.Errorf("got %+v", fe)
	}
}

func TestAllowed(t *testing.T) {
	for _, ct := range support.AllowedTypes {
		if !filecheck.Allowed(ct) {
			t.Errorf("Allowed(%q) = false", ct)
		}
	}
	for _, ct := range []string{"image/svg+xml", "text/html", "application/x-elf", "application/zip", "text/plain; charset=utf-8", ""} {
		if filecheck.Allowed(ct) {
			t.Errorf("Allowed(%q) = true", ct)
		}
	}
}

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("é", 150) + ".png" // 304 bytes
	tests := []struct{ in, want string }{
		{"capture.png", "capture.png"},
		{"Capture d'écran 2024-05-02 à 10.01.02.png", "Capture d'écran 2024-05-02 à 10.01.02.png"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\x\cap.png`, "cap.png"},
		{`..\..\boot.ini`, "boot.ini"},
		{"a\x00b\x1fc\x7f.txt", "a_b_c_.txt"},
		{"rapport\ttab\n.txt", "rapport_tab_.txt"},
		{"photo\u202egnp.exe", "photo_gnp.exe"}, // shows as "photoexe.png" without the fix
		{"zero\u200bwidth.txt", "zero_width.txt"},
		{`a<b>c:d"e|f?g*h.txt`, "a_b_c_d_e_f_g_h.txt"},
		{"CON.txt", "_CON.txt"},
		{"con", "_con"},
		{"Lpt1.tar.gz", "_Lpt1.tar.gz"},
		{"COM10.txt", "COM10.txt"},
		{"CONSOLE.txt", "CONSOLE.txt"},
		{"  .hidden", "hidden"},
		{"..", DefaultName},
		{".", DefaultName},
		{"...txt", "txt"},
		{"fin. . ", "fin"},
		{"\u00a0.bashrc", "bashrc"}, // a no-break space in front of a dot file
		{" .\u00a0.x", "x"},
		{"dossier/", DefaultName},
		{"", DefaultName},
		{"\x00", "_"},
		{"\xff\xfe.txt", "__.txt"},
	}
	for _, tt := range tests {
		if got := filecheck.SanitizeName(tt.in); got != tt.want {
			t.Errorf("SanitizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}

	got := filecheck.SanitizeName(long)
	if len(got) > 200 || !strings.HasSuffix(got, ".png") || !utf8Valid(got) {
		t.Errorf("long name: %d bytes %q", len(got), got)
	}
	// A very long "extension" is not one: the name is cut, still valid.
	got = filecheck.SanitizeName("a." + strings.Repeat("b", 300))
	if len(got) != 200 || !utf8Valid(got) {
		t.Errorf("long extension: %d bytes", len(got))
	}
	// Whatever goes in, what comes out is safe.
	for _, tt := range tests {
		got := filecheck.SanitizeName(tt.in)
		if got == "" || strings.ContainsAny(got, "/\\\x00") || strings.HasPrefix(got, ".") || got == ".." {
			t.Errorf("SanitizeName(%q) = %q: unsafe", tt.in, got)
		}
	}
}

const DefaultName = filecheck.DefaultName

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func TestLimitErrors(t *testing.T) {
	fe := filecheck.TooBig("a.png", 11<<20, 10<<20)
	if fe.Rule != support.RuleFileSize || fe.Params["size"] != "11534336" || fe.Params["max"] != "10485760" || fe.Params["name"] != "a.png" {
		t.Errorf("TooBig: %+v", fe)
	}
	fe = filecheck.TicketTooBig(30<<20, 25<<20)
	if fe.Rule != support.RuleTicketSize || fe.Params["size"] != "31457280" || fe.Params["max"] != "26214400" {
		t.Errorf("TicketTooBig: %+v", fe)
	}
	fe = filecheck.TooMany(10)
	if fe.Rule != support.RuleFileCount || fe.Params["max"] != "10" {
		t.Errorf("TooMany: %+v", fe)
	}
}
