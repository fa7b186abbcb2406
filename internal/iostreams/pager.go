package iostreams

import (
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/mattn/go-runewidth"
)

// PagerCommand is the pager in force: ENT_SUPPORT_PAGER, else PAGER,
// else "less -FRX" (-F: quit when it fits, -R: keep the colours, -X:
// leave the text on the screen), as gh does. Windows has no default:
// more.exe shows colour codes as text and mangles UTF-8, so a pager
// there is only one that is named. An empty ENT_SUPPORT_PAGER, or "cat",
// turns the pager off.
func (s *IOStreams) PagerCommand() string {
	if s.env == nil {
		return ""
	}
	if v, ok := s.env("ENT_SUPPORT_PAGER"); ok {
		return strings.TrimSpace(v)
	}
	if v, _ := s.env("PAGER"); strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	if runtime.GOOS == "windows" {
		return ""
	}
	return "less -FRX"
}

// SetEnv lets tests set the environment the pager and the terminal's
// size are taken from.
func (s *IOStreams) SetEnv(env map[string]string) {
	s.env = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// WritePaged writes text to standard output, through the pager when
// paging is allowed, standard output and input are a terminal, the mode
// is not accessible (a pager redraws the screen, which screen readers
// follow badly), and text is taller than the terminal. A pager that
// cannot start is skipped: the text is printed directly.
func (s *IOStreams) WritePaged(text string, allowed bool) error {
	cmdline := s.PagerCommand()
	if !allowed || !s.stdoutTTY || !s.stdinTTY || s.accessible || cmdline == "" || cmdline == "cat" ||
		!s.taller(text) {
		_, err := io.WriteString(s.Out, text)
		return err
	}
	args := strings.Fields(cmdline)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin = strings.NewReader(text)
	cmd.Stdout, cmd.Stderr = s.Out, s.ErrOut
	cmd.Env = os.Environ()
	// less without options of its own: as gh, quit when it fits and keep
	// the colours.
	if _, ok := os.LookupEnv("LESS"); !ok {
		cmd.Env = append(cmd.Env, "LESS=FRX")
	}
	if err := cmd.Start(); err != nil {
		_, err := io.WriteString(s.Out, text)
		return err
	}
	// The person quitting the pager early is not an error.
	_ = cmd.Wait()
	return nil
}

// taller reports whether text takes more lines than the terminal has,
// long lines counting for the rows they wrap onto.
func (s *IOStreams) taller(text string) bool {
	h, w := s.TerminalHeight(), s.TerminalWidth()
	if h <= 0 {
		return false
	}
	rows := 0
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n := 1
		if w > 0 {
			if lw := runewidth.StringWidth(stripSGR(line)); lw > w {
				n = (lw + w - 1) / w
			}
		}
		rows += n
		if rows >= h {
			return true
		}
	}
	return false
}

// stripSGR removes the colour codes ColorScheme adds, for measuring.
func stripSGR(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] == ';' || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				i = j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
