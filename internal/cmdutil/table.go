package cmdutil

import (
	"io"
	"strings"

	"github.com/mattn/go-runewidth"

	"github.com/ent-support/ent-support/internal/iostreams"
)

// Cell is one value of a table: its text, and the colour it is painted
// with (nil: none).
type Cell struct {
	Text  string
	Paint func(string) string
}

// Table lays out rows for people in aligned columns that fit Width, the
// terminal's width in columns (0: unknown, nothing is cut). Widths are
// display widths: an accented letter takes one column, a CJK character
// or most emoji two. The columns keep the width of their longest value,
// except Flex (the subject), which takes what is left, and Shrink (the
// establishment), which gives up room first when even that is not enough.
// Every value is made safe to show (iostreams.Sanitize) and kept on one
// line; the colours are added after, so they never count in a width.
type Table struct {
	Header []string
	Rows   [][]Cell
	Width  int
	Flex   int // index of the column that takes the rest
	Shrink int // index of the column cut first when the rest is too narrow (-1: none)
	// Optional columns are left out, in this order, when the table does
	// not fit even with Flex and Shrink cut to their least.
	Optional []int
}

// Table's layout constants: two spaces between columns; below these
// widths a column is not cut further (the line then overflows).
const (
	tableGap       = 2
	tableMinFlex   = 12
	tableMinShrink = 10
)

// Write prints the table.
func (t *Table) Write(w io.Writer) error {
	n := len(t.Header)
	clean := func(s string) string { return iostreams.Sanitize(OneLine(s)) }
	widths := make([]int, n)
	for i, h := range t.Header {
		widths[i] = runewidth.StringWidth(h)
	}
	texts := make([][]string, len(t.Rows))
	for r, row := range t.Rows {
		texts[r] = make([]string, n)
		for i := 0; i < n && i < len(row); i++ {
			texts[r][i] = clean(row[i].Text)
			widths[i] = max(widths[i], runewidth.StringWidth(texts[r][i]))
		}
	}
	hidden := make([]bool, n)
	if t.Width > 0 {
		full := append([]int(nil), widths...)
		for _, opt := range append(t.Optional, -1) {
			copy(widths, full)
			if t.fit(widths, hidden) || opt < 0 {
				break
			}
			hidden[opt] = true
		}
	}
	last := n - 1
	for last > 0 && hidden[last] {
		last--
	}
	var b strings.Builder
	line := func(cells []string, paint func(i int) func(string) string) {
		for i, c := range cells {
			if hidden[i] {
				continue
			}
			c = runewidth.Truncate(c, widths[i], "…")
			pad := widths[i] - runewidth.StringWidth(c)
			if p := paint(i); p != nil {
				c = p(c)
			}
			b.WriteString(c)
			if i < last {
				b.WriteString(strings.Repeat(" ", pad+tableGap))
			}
		}
		b.WriteString("\n")
	}
	line(t.Header, func(int) func(string) string { return nil })
	for r, row := range t.Rows {
		line(texts[r], func(i int) func(string) string {
			if i < len(row) {
				return row[i].Paint
			}
			return nil
		})
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fit narrows the Flex column, then the Shrink column, until the line
// of the columns not hidden fits the width, and reports whether it does;
// the Flex column is never wider than its longest value.
func (t *Table) fit(widths []int, hidden []bool) bool {
	total := -tableGap
	for i, w := range widths {
		if !hidden[i] {
			total += w + tableGap
		}
	}
	over := total - t.Width
	if over <= 0 {
		return true
	}
	if cut := min(over, widths[t.Flex]-tableMinFlex); cut > 0 {
		widths[t.Flex] -= cut
		over -= cut
	}
	if over > 0 && t.Shrink >= 0 {
		if cut := min(over, widths[t.Shrink]-tableMinShrink); cut > 0 {
			widths[t.Shrink] -= cut
			over -= cut
		}
	}
	return over <= 0
}
