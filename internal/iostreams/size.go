package iostreams

import (
	"os"
	"strconv"

	"github.com/charmbracelet/x/term"
)

// TerminalWidth is the width of the terminal standard output is on, in
// columns; 0 when it is not known (not a terminal, or one that does not
// say): then tables are not cut. COLUMNS, when set, wins (as for ls).
func (s *IOStreams) TerminalWidth() int {
	s.size()
	return s.width
}

// TerminalHeight is the terminal's number of lines, 0 when not known.
// LINES, when set, wins.
func (s *IOStreams) TerminalHeight() int {
	s.size()
	return s.height
}

// SetTerminalSize lets tests pretend.
func (s *IOStreams) SetTerminalSize(width, height int) {
	s.width, s.height, s.sized = width, height, true
}

func (s *IOStreams) size() {
	if s.sized {
		return
	}
	s.sized = true
	if f, ok := s.Out.(*os.File); ok && s.stdoutTTY {
		if w, h, err := term.GetSize(f.Fd()); err == nil {
			s.width, s.height = w, h
		}
	}
	if s.env == nil {
		return
	}
	if v, _ := s.env("COLUMNS"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			s.width = n
		}
	}
	if v, _ := s.env("LINES"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			s.height = n
		}
	}
}
