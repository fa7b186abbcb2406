// Package iostreams is where a command reads and writes: standard input,
// output and error, and what they are connected to. Commands decide from it
// whether they may prompt, draw a table or use colour, and tests swap the
// real streams for buffers.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// IOStreams are the three standard streams and what is known of them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	color                          bool
}

// System returns the process's streams. Terminal detection is a few
// syscalls, done once here rather than at every question.
// ENT_SUPPORT_FORCE_TTY=1 makes standard output count as a terminal, so
// that the human layout can be seen through a pipe (and tested).
func System() *IOStreams {
	s := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout) || os.Getenv("ENT_SUPPORT_FORCE_TTY") == "1",
		stderrTTY: isTerminal(os.Stderr),
	}
	// https://no-color.org: any non-empty NO_COLOR turns colour off.
	// Accessible mode (ACCESSIBLE set, for screen readers) writes text only.
	s.color = s.stdoutTTY && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb" &&
		os.Getenv("ACCESSIBLE") == ""
	return s
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// Test returns streams on buffers, none of them a terminal, and the
// buffers: what the command reads, writes on stdout and on stderr.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal: then output
// is laid out for people, else it is stable and tab-separated for scripts.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal (forms draw there).
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY, SetStdoutTTY and SetStderrTTY let tests pretend.
func (s *IOStreams) SetStdinTTY(v bool)  { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// ColorEnabled reports whether output may carry colour: on a terminal,
// unless NO_COLOR is set.
func (s *IOStreams) ColorEnabled() bool { return s.color }

// SetColorEnabled lets tests pretend.
func (s *IOStreams) SetColorEnabled(v bool) { s.color = v }

// Bold wraps s in bold when colour is enabled.
func (s *IOStreams) Bold(t string) string {
	if !s.color {
		return t
	}
	return "\x1b[1m" + t + "\x1b[0m"
}
