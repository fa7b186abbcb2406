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
	accessible                     bool
	ci                             bool
	// width and height of the terminal, 0 when unknown; size asks the
	// terminal the first time they are needed.
	width, height int
	sized         bool
	// env looks the environment up (os.LookupEnv)
	env func(string) (string, bool)
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
		env:       os.LookupEnv,
	}
	// ENT_SUPPORT_FORCE_TTY shows the layout, not the colours: those
	// need a real terminal, or CLICOLOR_FORCE.
	s.color = ColorDecision(os.Getenv, isTerminal(os.Stdout))
	s.accessible = os.Getenv("ACCESSIBLE") != ""
	s.ci = IsCI(os.Getenv)
	return s
}

// IsCI says whether a CI system drives the process: CI set to anything
// but "", "0" or "false" (GitHub Actions, GitLab and the others set
// CI=true). It is the one reading of that variable.
func IsCI(getenv func(string) string) bool {
	v := getenv("CI")
	return v != "" && v != "0" && v != "false"
}

// ColorDecision says whether standard output gets colour, from the
// environment and whether it is a terminal. It is the only place that
// decides; in order:
//   - accessible mode (ACCESSIBLE set, for screen readers) writes text
//     only: never an escape sequence;
//   - https://no-color.org: any non-empty NO_COLOR turns colour off;
//   - CLICOLOR_FORCE set to anything but "0" turns it on, even on a pipe
//     or a dumb terminal (to keep the colours through `less -R`);
//   - otherwise colour on a terminal, unless TERM is "dumb".
func ColorDecision(getenv func(string) string, stdoutTTY bool) bool {
	switch {
	case getenv("ACCESSIBLE") != "", getenv("NO_COLOR") != "":
		return false
	case getenv("CLICOLOR_FORCE") != "" && getenv("CLICOLOR_FORCE") != "0":
		return true
	}
	return stdoutTTY && getenv("TERM") != "dumb"
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

// IsAccessible reports accessible mode (ACCESSIBLE set): text only, one
// line after the other, no colour, no pager, no progress line.
func (s *IOStreams) IsAccessible() bool { return s.accessible }

// SetAccessible lets tests pretend.
func (s *IOStreams) SetAccessible(v bool) { s.accessible = v }

// CanPrompt is the one rule that decides whether a question may be asked:
// standard input (where the answers come from) and standard error (where
// forms draw) are terminals, and no CI system drives us (a job would wait
// for an answer that never comes). Standard output does not matter:
// `new > num.txt` still asks, and only the number lands in the file.
// Commands add what only they know (--no-input, data read from standard
// input, a form being available).
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stderrTTY && !s.ci }

// SetCI lets tests pretend.
func (s *IOStreams) SetCI(v bool) { s.ci = v }

// ProgressEnabled reports whether a progress line may be drawn on
// standard error: it is a terminal (a log or a pipe gets none of it),
// not a dumb one, and the mode is not accessible.
func (s *IOStreams) ProgressEnabled() bool {
	if !s.stderrTTY || s.accessible {
		return false
	}
	if s.env != nil {
		if v, _ := s.env("TERM"); v == "dumb" {
			return false
		}
	}
	return true
}
