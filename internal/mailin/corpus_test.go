package mailin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files of the mail corpus")

// corpusDir holds real-shaped messages, one per mail client family and per
// case (quoted styles, charsets, automatic mail...), written for these tests.
// It is at the repository's root so that the server and Postfix/IMAP tests
// can feed the same messages.
const corpusDir = "../../testdata/mail"

// golden is what a corpus message becomes: the parsed message (without the
// files' Open), a digest of each file's content, the request read from its
// body, and the text of a reply.
type golden struct {
	Message      *Message
	Header       map[string]string `json:",omitempty"`
	FileSHA256   []string          `json:",omitempty"`
	Automatic    string
	TicketNumber string
	Request      Request
	Reply        string
}

func readGolden(t *testing.T, path string) golden {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Parse(f, Options{MaxSize: 10 << 20})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	g := golden{
		Message:      m,
		Automatic:    m.IsAutomatic(),
		TicketNumber: TicketNumber(m.Subject),
		Request:      m.Request(),
		Reply:        Reply(m.Text),
	}
	for _, k := range []string{"Auto-Submitted", "List-Id", "X-Mailer"} {
		if v := m.Header(k); v != "" {
			if g.Header == nil {
				g.Header = map[string]string{}
			}
			g.Header[k] = v
		}
	}
	for _, file := range m.Files {
		rc, err := file.Open()
		if err != nil {
			t.Fatalf("open %s: %v", file.Name, err)
		}
		h := sha256.New()
		n, err := io.Copy(h, rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if n != file.Size {
			t.Errorf("%s: read %d bytes, Size says %d", file.Name, n, file.Size)
		}
		g.FileSHA256 = append(g.FileSHA256, hex.EncodeToString(h.Sum(nil)))
	}
	return g
}

// TestCorpus parses every message of the corpus and compares the result
// with its golden file (go test -run TestCorpus -update rewrites them).
func TestCorpus(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if err != nil || len(paths) < 20 {
		t.Fatalf("corpus: %d messages, %v", len(paths), err)
	}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".eml")
		t.Run(name, func(t *testing.T) {
			g := readGolden(t, p)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(g); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			gp := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(gp), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(gp, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(gp)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from its golden file (-want +got):\n%s", name, cmp.Diff(string(want), string(got)))
			}
		})
	}
}
