package entcmd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/testenv"
)

// Start-up bounds of one of our packages' initialisation, in the real
// binary. Every command pays for every package's init (--version, each
// TAB completion): a template parsed, a regular expression compiled or a
// catalog read into a package variable shows here, and belongs in a
// sync.OnceValue reached by the commands that use it. Our packages' inits
// hold a few small lookup tables (at most 3.9 KB today, support's); the
// mail templates once took 197 KB, one ID pattern 51 KB.
const (
	initMaxBytes = 8 << 10
	initMaxClock = 5.0 // ms, the least of three runs: clock is noisy under load, allocation is not
)

const ourModule = "github.com/ent-support/ent-support/"

// buildPlain builds the real binary the way releases are (CGO_ENABLED=0),
// for the tests that look at what the process does rather than at what it
// prints: the test binary that the scripts run links the tests' packages
// too.
func buildPlain(t *testing.T) string {
	t.Helper()
	goTool := goCommand(t)
	bin := filepath.Join(t.TempDir(), "ent-support")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command(goTool, "build", "-o", bin, ourModule+"cmd/ent-support")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// initCost is what GODEBUG=inittrace=1 says of one package's init.
type initCost struct {
	clock float64 // ms
	bytes int
}

// parseInitTrace reads the runtime's lines
// "init PKG @T ms, C ms clock, B bytes, A allocs".
func parseInitTrace(out string) map[string]initCost {
	costs := map[string]initCost{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 11 || f[0] != "init" || f[6] != "clock," || f[8] != "bytes," {
			continue
		}
		clock, err1 := strconv.ParseFloat(f[4], 64)
		n, err2 := strconv.Atoi(f[7])
		if err1 == nil && err2 == nil {
			costs[f[1]] = initCost{clock, n}
		}
	}
	return costs
}

// TestStartUpDoesNoWork builds the real binary once for both checks.
func TestStartUpDoesNoWork(t *testing.T) {
	bin := buildPlain(t)
	t.Run("init", func(t *testing.T) { testNoWorkAtInit(t, bin) })
	t.Run("files", func(t *testing.T) { testVersionOpensNoFile(t, bin) })
}

// testNoWorkAtInit fails when one of our packages does real work while
// the program starts: it runs `--version` with the runtime's init trace
// and bounds each of our packages' allocation and clock.
func testNoWorkAtInit(t *testing.T, bin string) {
	least := map[string]initCost{}
	for range 3 {
		cmd := exec.Command(bin, "--version")
		cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("--version: %v\n%s", err, stderr.String())
		}
		for pkg, c := range parseInitTrace(stderr.String()) {
			if l, ok := least[pkg]; !ok || c.clock < l.clock {
				least[pkg] = c
			}
		}
	}
	ours := 0
	for pkg, c := range least {
		if !strings.HasPrefix(pkg, ourModule) {
			continue
		}
		ours++
		if c.bytes > initMaxBytes {
			t.Errorf("%s allocates %d bytes at init (at most %d): make the value lazy (sync.OnceValue)", pkg, c.bytes, initMaxBytes)
		}
		if c.clock > initMaxClock {
			t.Errorf("%s takes %.2f ms at init (at most %.0f): make the work lazy (sync.OnceValue)", pkg, c.clock, initMaxClock)
		}
	}
	if ours == 0 {
		t.Fatalf("no init trace of our packages; the runtime's format changed?")
	}
}

// testVersionOpensNoFile: `--version` and `--help` read no configuration,
// catalog file, database or key ring; the only files opened are the
// runtime's own look at the machine (/proc, /sys: CPU limits, page size).
func testVersionOpensNoFile(t *testing.T, bin string) {
	if runtime.GOOS != "linux" {
		t.Skip("strace is Linux's")
	}
	strace, err := exec.LookPath("strace")
	if err != nil {
		testenv.Unavailable(t, "strace", ".ci/run", "not installed")
	}
	for _, arg := range []string{"--version", "--help"} {
		log := filepath.Join(t.TempDir(), "strace.log")
		cmd := exec.Command(strace, "-f", "-qq", "-e", "trace=open,openat,openat2,creat", "-o", log, bin, arg)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("strace %s: %v\n%s", arg, err, out)
		}
		b, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			_, path, ok := strings.Cut(line, `"`)
			if !ok || !strings.Contains(line, "open") {
				continue
			}
			path, _, _ = strings.Cut(path, `"`)
			if !strings.HasPrefix(path, "/proc/") && !strings.HasPrefix(path, "/sys/") {
				t.Errorf("%s opened %s:\n%s", arg, path, line)
			}
		}
	}
}
