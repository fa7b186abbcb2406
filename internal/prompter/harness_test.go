package prompter

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/ent-support/ent-support/internal/support"
)

// Keys as a terminal sends them.
const (
	keyEnter    = "\r"
	keyTab      = "\t"
	keyShiftTab = "\x1b[Z"
	keyDown     = "\x1b[B"
	keyCtrlC    = "\x03"
	keyCtrlU    = "\x15" // erase the line before the cursor
	keyEsc      = "\x1b"
)

// screen is a fake terminal: what the form draws, and a pipe to type in.
type screen struct {
	t    testing.TB
	in   *io.PipeWriter
	mu   sync.Mutex
	out  bytes.Buffer
	mark int // searches start here: what was seen before is not seen again
}

func newScreen(t testing.TB) (*screen, io.Reader) {
	r, w := io.Pipe()
	s := &screen{t: t, in: w}
	t.Cleanup(func() { w.Close() })
	return s, r
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(p)
}

func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.Strip(s.out.String())
}

// waitFor waits until want is drawn after the last thing waited for.
func (s *screen) waitFor(want string) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		txt := s.text()
		if s.mark > len(txt) {
			s.mark = len(txt)
		}
		if i := strings.Index(txt[s.mark:], want); i >= 0 {
			s.mark += i + len(want)
			return
		}
		if time.Now().After(deadline) {
			tail := txt[s.mark:]
			if len(tail) > 3000 {
				tail = tail[len(tail)-3000:]
			}
			s.t.Fatalf("waited 10s for %q; the screen shows after the last mark:\n%s", want, tail)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitForAny waits until any of the texts was drawn; it does not move the mark.
func (s *screen) sees(want string) bool {
	return strings.Contains(s.text()[s.mark:], want)
}

// keys types each key as a separate write, so that each is read alone
// (an Esc followed by text would read as Alt+text).
func (s *screen) keys(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		if _, err := s.in.Write([]byte(k)); err != nil {
			s.t.Fatalf("typing %q: %v", k, err)
		}
		time.Sleep(15 * time.Millisecond)
	}
}

// field waits for a field to have the focus (huh's bar before its title).
func (s *screen) field(title string) {
	s.t.Helper()
	s.waitFor("┃ " + title)
}

type result struct {
	err error
	req *TicketRequest
}

// fill runs FillTicket in the background on a fake terminal.
func fill(t *testing.T, opts Options, req *TicketRequest) (*screen, <-chan result) {
	t.Helper()
	scr, r := newScreen(t)
	opts.In, opts.Out = r, scr
	p := NewHuh(opts)
	done := make(chan result, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	go func() {
		err := p.FillTicket(ctx, req)
		done <- result{err, req}
	}()
	return scr, done
}

func wait(t *testing.T, done <-chan result) result {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("the form did not end")
	}
	return result{}
}

// directory is a fake server directory.
type directory map[string]support.Establishment

func (d directory) lookup(_ context.Context, uai string) (*support.Establishment, error) {
	if e, ok := d[uai]; ok {
		return &e, nil
	}
	return nil, support.Errorf(support.ENOTFOUND, "error.establishment_not_found", nil)
}

func (d directory) search(_ context.Context, q string) ([]support.Establishment, error) {
	var out []support.Establishment
	for _, e := range d {
		if strings.Contains(strings.ToLower(e.Name+" "+e.City), strings.ToLower(q)) {
			out = append(out, e)
		}
	}
	return out, nil
}

var testDirectory = directory{
	"0421234N": {UAI: "0421234N", Name: "Collège du Pilat", City: "Saint-Genest-Malifaux"},
}

func newRequest(in support.TicketInput) *TicketRequest {
	return &TicketRequest{
		Input:  in,
		Info:   support.ServerInfo{Prefix: "CG42N1", Limits: support.DefaultLimits(), OpenDirectory: true},
		Lookup: testDirectory.lookup,
	}
}

// writePNG writes a small real PNG (the check is by content).
func writePNG(t testing.TB, dir string) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	p := filepath.Join(dir, "capture.png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// validInput is a ticket whose every field is valid.
func validInput() support.TicketInput {
	return support.TicketInput{
		Reporter: support.Reporter{Name: "Claire Martin", Function: support.Adjoint,
			Phone: "+33639981234", Email: "claire.martin@ac-lyon.fr"},
		Establishment: support.Establishment{UAI: "0421234N"},
		Subject:       "Messagerie inaccessible",
		Population:    []support.Population{"eleves", "parents"},
		Description:   "Depuis ce matin, la messagerie affiche une erreur 500 pour tous les élèves.",
		Location:      "Accueil > Messagerie",
		Priority:      support.Majeure,
	}
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }
