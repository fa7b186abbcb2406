package iostreams

import (
	"os"
	"testing"
)

// CanPrompt is the one rule for asking questions: both ends of the
// conversation (stdin for answers, stderr where forms draw) are terminals
// and no CI system drives the process. The CI variable is read by System,
// as the binary builds its streams.
func TestCanPrompt(t *testing.T) {
	tests := []struct {
		name                  string
		ci                    *string // nil: unset
		stdin, stdout, stderr bool
		want                  bool
	}{
		{name: "terminal", stdin: true, stdout: true, stderr: true, want: true},
		{name: "stdout redirected still asks", stdin: true, stderr: true, want: true},
		{name: "stdin piped", stdout: true, stderr: true},
		{name: "stderr redirected", stdin: true, stdout: true},
		{name: "nothing is a terminal"},
		{name: "CI=true", ci: ptr("true"), stdin: true, stdout: true, stderr: true},
		{name: "CI=1", ci: ptr("1"), stdin: true, stdout: true, stderr: true},
		{name: "CI, any other value", ci: ptr("woodpecker"), stdin: true, stdout: true, stderr: true},
		{name: "CI=false", ci: ptr("false"), stdin: true, stdout: true, stderr: true, want: true},
		{name: "CI=0", ci: ptr("0"), stdin: true, stdout: true, stderr: true, want: true},
		{name: "CI empty", ci: ptr(""), stdin: true, stdout: true, stderr: true, want: true},
		{name: "CI and no terminal", ci: ptr("true")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.ci == nil {
				unsetenv(t, "CI")
			} else {
				t.Setenv("CI", *tt.ci)
			}
			s := System()
			s.SetStdinTTY(tt.stdin)
			s.SetStdoutTTY(tt.stdout)
			s.SetStderrTTY(tt.stderr)
			if got := s.CanPrompt(); got != tt.want {
				t.Errorf("CanPrompt() = %v, want %v", got, tt.want)
			}
		})
	}
}

// The test streams never prompt until a test says they are terminals,
// whatever CI the test process runs under; SetCI then forbids it again.
func TestCanPromptTestStreams(t *testing.T) {
	t.Setenv("CI", "true")
	s, _, _, _ := Test()
	if s.CanPrompt() {
		t.Fatal("buffers can prompt")
	}
	s.SetStdinTTY(true)
	s.SetStderrTTY(true)
	if !s.CanPrompt() {
		t.Fatal("terminals cannot prompt: Test() read CI from the environment")
	}
	s.SetCI(true)
	if s.CanPrompt() {
		t.Fatal("SetCI(true) still prompts")
	}
}

func ptr(s string) *string { return &s }

// unsetenv removes key for the test and puts it back after.
func unsetenv(t *testing.T, key string) {
	t.Helper()
	t.Setenv(key, "") // registers the restore
	os.Unsetenv(key)
}
