package iostreams

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestColorDecision(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		tty  bool
		want bool
	}{
		{"terminal", map[string]string{"TERM": "xterm-256color"}, true, true},
		{"pipe", map[string]string{"TERM": "xterm-256color"}, false, false},
		{"NO_COLOR on a terminal", map[string]string{"NO_COLOR": "1"}, true, false},
		{"NO_COLOR, any value", map[string]string{"NO_COLOR": "false"}, true, false},
		{"NO_COLOR empty counts as unset", map[string]string{"NO_COLOR": ""}, true, true},
		{"CLICOLOR_FORCE on a pipe", map[string]string{"CLICOLOR_FORCE": "1"}, false, true},
		{"CLICOLOR_FORCE=0 forces nothing", map[string]string{"CLICOLOR_FORCE": "0"}, false, false},
		{"CLICOLOR_FORCE on a dumb terminal", map[string]string{"CLICOLOR_FORCE": "yes", "TERM": "dumb"}, true, true},
		{"NO_COLOR wins over CLICOLOR_FORCE", map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": "1"}, true, false},
		{"dumb terminal", map[string]string{"TERM": "dumb"}, true, false},
		{"accessible", map[string]string{"ACCESSIBLE": "1"}, true, false},
		{"accessible wins over CLICOLOR_FORCE", map[string]string{"ACCESSIBLE": "1", "CLICOLOR_FORCE": "1"}, true, false},
	}
	for _, tt := range tests {
		if got := ColorDecision(func(k string) string { return tt.env[k] }, tt.tty); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestColorScheme(t *testing.T) {
	if got := NewColorScheme(false).Red("bloquante"); got != "bloquante" {
		t.Errorf("off: %q", got)
	}
	if got := NewColorScheme(true).Red("bloquante"); got != "\x1b[31mbloquante\x1b[0m" {
		t.Errorf("on: %q", got)
	}
	var nilScheme *ColorScheme
	if nilScheme.Enabled() || nilScheme.Green("x") != "x" {
		t.Error("a nil scheme paints")
	}
	if got := stripSGR("a\x1b[1;31mb\x1b[0mc"); got != "abc" {
		t.Errorf("stripSGR: %q", got)
	}
}

// The pager runs only on a terminal, for text taller than it, and
// when it cannot start the text is printed anyway.
func TestWritePaged(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake pager is a shell script")
	}
	dir := t.TempDir()
	pager := filepath.Join(dir, "pager")
	if err := os.WriteFile(pager, []byte("#!/bin/sh\necho PAGED\ncat\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("ligne\n", 30)
	tests := []struct {
		name      string
		text      string
		tty       bool
		allowed   bool
		accessibl bool
		env       map[string]string
		paged     bool
	}{
		{"taller than the terminal", long, true, true, false, map[string]string{"PAGER": pager}, true},
		{"ENT_SUPPORT_PAGER wins over PAGER", long, true, true, false, map[string]string{"PAGER": "false", "ENT_SUPPORT_PAGER": pager}, true},
		{"shorter", "ligne\n", true, true, false, map[string]string{"PAGER": pager}, false},
		{"a long line wraps onto many rows", strings.Repeat("x", 20*40) + "\n", true, true, false, map[string]string{"PAGER": pager}, true},
		{"pipe", long, false, true, false, map[string]string{"PAGER": pager}, false},
		{"--no-pager", long, true, false, false, map[string]string{"PAGER": pager}, false},
		{"accessible", long, true, true, true, map[string]string{"PAGER": pager}, false},
		{"ENT_SUPPORT_PAGER empty", long, true, true, false, map[string]string{"PAGER": pager, "ENT_SUPPORT_PAGER": ""}, false},
		{"pager that cannot start", long, true, true, false, map[string]string{"PAGER": filepath.Join(dir, "missing")}, false},
	}
	for _, tt := range tests {
		ios, _, out, _ := Test()
		ios.SetStdoutTTY(tt.tty)
		ios.SetStdinTTY(tt.tty)
		ios.SetAccessible(tt.accessibl)
		ios.SetEnv(tt.env)
		ios.SetTerminalSize(40, 20)
		if err := ios.WritePaged(tt.text, tt.allowed); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		want := tt.text
		if tt.paged {
			want = "PAGED\n" + tt.text
		}
		if out.String() != want {
			t.Errorf("%s: %q, want %q", tt.name, out, want)
		}
	}
}

func TestDefaultPager(t *testing.T) {
	ios, _, _, _ := Test()
	ios.SetEnv(map[string]string{})
	want := "less -FRX"
	if runtime.GOOS == "windows" {
		want = ""
	}
	if got := ios.PagerCommand(); got != want {
		t.Errorf("default pager %q, want %q", got, want)
	}
}
