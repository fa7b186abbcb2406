package cmdutil

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/ent-support/ent-support/internal/iostreams"
)

func table(width int, paint bool) string {
	cs := iostreams.NewColorScheme(paint)
	tb := &Table{Header: []string{"N°", "STATUT", "ÉTABLISSEMENT", "OBJET"}, Width: width, Flex: 3, Shrink: 2,
		Rows: [][]Cell{
			{{Text: "1"}, {Text: "Nouveau", Paint: cs.Cyan}, {Text: "Collège Jean-Baptiste de La Salle"}, {Text: "Messagerie inaccessible depuis ce matin"}},
			{{Text: "2"}, {Text: "Résolu", Paint: cs.Green}, {Text: "東京学校"}, {Text: "文字化けした件名、全角の文字\x1b[2J"}},
		}}
	var b bytes.Buffer
	if err := tb.Write(&b); err != nil {
		panic(err)
	}
	return b.String()
}

// Every line fits the width, measured in display columns (accents one
// column, CJK two); the subject is cut first, then the establishment;
// nothing is cut when the width is unknown.
func TestTableFitsWidth(t *testing.T) {
	for _, width := range []int{100, 70, 50, 40} {
		out := table(width, false)
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if w := runewidth.StringWidth(line); w > width {
				t.Errorf("width %d: line of %d columns: %q", width, w, line)
			}
		}
		if strings.Contains(out, "\x1b") {
			t.Errorf("width %d: raw escape in %q", width, out)
		}
	}
	if out := table(70, false); !strings.Contains(out, "Collège Jean-Baptiste de La Salle") || !strings.Contains(out, "…") {
		t.Errorf("70 columns: the subject should be cut, not the establishment:\n%s", out)
	}
	if out := table(40, false); strings.Contains(out, "Collège Jean-Baptiste de La Salle") {
		t.Errorf("40 columns: the establishment should be cut too:\n%s", out)
	}
	// Optional columns go when even the least widths do not fit.
	tb := &Table{Header: []string{"N°", "STATUT", "OBJET"}, Width: 20, Flex: 2, Shrink: -1, Optional: []int{1},
		Rows: [][]Cell{{{Text: "1"}, {Text: "En attente"}, {Text: "Messagerie inaccessible"}}}}
	var b bytes.Buffer
	if err := tb.Write(&b); err != nil {
		t.Fatal(err)
	}
	if want := "N°  OBJET\n1   Messagerie inac…\n"; b.String() != want {
		t.Errorf("optional column: %q, want %q", b.String(), want)
	}
	full := table(0, false)
	if !strings.Contains(full, "Messagerie inaccessible depuis ce matin") || strings.Contains(full, "…") {
		t.Errorf("unknown width: nothing is cut:\n%s", full)
	}
	// Columns line up in display columns: the subject starts at the same
	// column on every line, wide characters or not.
	lines := strings.Split(full, "\n")
	col := func(line, sub string) int { return runewidth.StringWidth(line[:strings.Index(line, sub)]) }
	if a, b := col(lines[1], "Messagerie"), col(lines[2], "文字化け"); a != b {
		t.Errorf("subject at column %d and %d:\n%s", a, b, full)
	}
}

// Colours are added after the widths are taken: a painted table is the
// plain one with the codes around the values.
func TestTableColours(t *testing.T) {
	painted := table(60, true)
	if !strings.Contains(painted, "\x1b[36mNouveau\x1b[0m") {
		t.Errorf("status not painted: %q", painted)
	}
	if got := strings.NewReplacer("\x1b[36m", "", "\x1b[32m", "", "\x1b[0m", "").Replace(painted); got != table(60, false) {
		t.Errorf("the painted table is laid out differently:\n%s\n%s", got, table(60, false))
	}
}

func TestProgress(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	if NewProgress(ios, "fr", "gros.png", 5<<20) != nil {
		t.Error("a progress line on a stderr that is not a terminal")
	}
	ios.SetStderrTTY(true)
	if NewProgress(ios, "fr", "petit.png", ProgressMin-1) != nil {
		t.Error("a progress line for a file under 1 MiB")
	}
	ios.SetAccessible(true)
	if NewProgress(ios, "fr", "gros.png", 5<<20) != nil {
		t.Error("a progress line in accessible mode")
	}
	ios.SetAccessible(false)

	p := NewProgress(ios, "fr", "gros.png", 4<<20)
	clock := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return clock }
	for range 40 { // 4 MiB in 4 s, by 100 KiB every 100 ms... and 10 reads between two draws
		for range 10 {
			clock = clock.Add(10 * time.Millisecond)
			p.Add(4 << 20 / 400)
		}
	}
	p.Done()
	out := errOut.String()
	if n := strings.Count(out, "\r"); n < 35 || n > 45 {
		t.Errorf("%d draws for 4 s, want about 40 (10 a second)", n)
	}
	if !strings.Contains(out, "\rgros.png : 2 Mio sur 4 Mio — 1 Mio/s — reste 2 s\x1b[K") {
		t.Errorf("no halfway line in %q", out)
	}
	if !strings.HasPrefix(out, "\rgros.png : 10,2 Kio sur 4 Mio\x1b[K") {
		t.Errorf("the first line, before any rate: %q", out[:min(len(out), 60)])
	}
	if !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("the line is not erased at the end: %q", out[max(0, len(out)-80):])
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{42 * time.Second: "42 s", 185 * time.Second: "3 min 05 s", 3720 * time.Second: "1 h 02 min"} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}
