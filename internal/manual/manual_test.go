package manual_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/cmd/factory"
	servercmd "github.com/ent-support/ent-support/internal/cmd/server"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/entcmd"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/manual"
)

var date = time.Date(2026, 3, 14, 9, 26, 0, 0, time.UTC)

func readPage(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every command has its page in both languages, with the sections in the
// language of the page, the exit codes and the environment.
func TestManPagesForEveryCommandInBothLanguages(t *testing.T) {
	want := map[string][]string{
		locale.FR: {`.SH "NOM"`, `.SH "CODES DE SORTIE"`, `.SH "ENVIRONNEMENT"`, `Manuel d'ent-support`},
		locale.EN: {`.SH "NAME"`, `.SH "EXIT CODES"`, `.SH "ENVIRONMENT"`, `ent-support manual`},
	}
	for lang, sections := range want {
		dir := t.TempDir()
		if err := manual.WriteMan(dir, lang, "1.2.3", date); err != nil {
			t.Fatal(err)
		}
		tree, _ := manual.Tree(lang)
		cmds := manual.Commands(tree)
		if len(cmds) < 30 {
			t.Fatalf("%s: only %d commands have a page", lang, len(cmds))
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.1.gz"))
		if len(files) != len(cmds) {
			t.Errorf("%s: %d files for %d commands", lang, len(files), len(cmds))
		}
		for _, c := range cmds {
			page := readPage(t, filepath.Join(dir, manual.PageName(c)))
			for _, s := range append(sections, `.TH "`+strings.ToUpper(strings.ReplaceAll(c.CommandPath(), " ", "-"))+`" "1" "2026-03-14" "ent-support 1.2.3"`,
				`\fB130\fP`, `\fBENT_SUPPORT_SERVER\fP`, c.Short) {
				if !strings.Contains(page, s) {
					t.Errorf("%s page of %q lacks %q", lang, c.CommandPath(), s)
				}
			}
			if lang == locale.FR && c.Name() == "show" && !strings.Contains(page, `\fBent-support show NUMÉRO [options]\fP`) {
				t.Errorf("the synopsis of show names its argument in English: %s", page)
			}
			if strings.Contains(page, ".SH SEE ALSO") || strings.Contains(page, "Auto generated") {
				t.Errorf("%s page of %q keeps cobra's English: %s", lang, c.CommandPath(), page)
			}
		}
	}
}

// The sections hold what the program does: each exit code of entcmd's
// table and each variable the packages read, in French and in English.
func TestManDocumentsTheRealExitCodesAndVariables(t *testing.T) {
	codes := []int{entcmd.ExitOK, entcmd.ExitError, entcmd.ExitUsage, entcmd.ExitAuth,
		entcmd.ExitNotFound, entcmd.ExitUnavailable, entcmd.ExitInterrupted}
	if len(codes) != len(manual.ExitCodes) {
		t.Fatalf("manual documents %v, entcmd has %v", manual.ExitCodes, codes)
	}
	for i := range codes {
		if codes[i] != manual.ExitCodes[i] {
			t.Errorf("manual documents %v, entcmd has %v", manual.ExitCodes, codes)
		}
	}
	vars := []string{config.EnvServer, config.EnvToken, config.EnvProfile, config.EnvConfigDir,
		config.EnvDataDir, config.EnvStateDir, factory.EnvCAFile, factory.EnvTimeout,
		factory.EnvPollInterval, servercmd.EnvBootstrapToken,
		strings.TrimSuffix(servercmd.EnvName("x"), "X") + "<FLAG>",
		"LANG", "LC_ALL", "NO_COLOR", "ACCESSIBLE", "EDITOR", "VISUAL", "CI"}
	for _, lang := range []string{locale.FR, locale.EN} {
		dir := t.TempDir()
		if err := manual.WriteMan(dir, lang, "1.2.3", date); err != nil {
			t.Fatal(err)
		}
		page := readPage(t, filepath.Join(dir, "ent-support-new.1.gz"))
		_, env, ok := strings.Cut(page, `.SH "`+locale.T(lang, "man.section.environment", nil)+`"`)
		if !ok {
			t.Fatalf("%s: no environment section:\n%s", lang, page)
		}
		for _, v := range vars {
			if !strings.Contains(env, `\fB`) || !strings.Contains(strings.ReplaceAll(env, `\-`, "-"), v) {
				t.Errorf("%s: the environment section does not name %s", lang, v)
			}
		}
		for _, want := range map[string][]string{
			locale.FR: {"\\fB2\\fP\nUtilisation invalide", "\\fB5\\fP\nServeur injoignable"},
			locale.EN: {"\\fB2\\fP\nInvalid usage", "\\fB5\\fP\nServer unreachable"},
		}[lang] {
			if !strings.Contains(page, want) {
				t.Errorf("%s: page lacks %q", lang, want)
			}
		}
	}
}

// One commit gives the same bytes: no time, no name in the gzip header,
// the date given, not the clock's.
func TestManPagesAreReproducible(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := manual.WriteMan(a, locale.FR, "1.2.3", date); err != nil {
		t.Fatal(err)
	}
	if err := manual.WriteMan(b, locale.FR, "1.2.3", date); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(a, "*"))
	for _, f := range files {
		x, _ := os.ReadFile(f)
		y, err := os.ReadFile(filepath.Join(b, filepath.Base(f)))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", filepath.Base(f))
		}
	}
}

// The completion scripts are what `ent-support completion SHELL` prints.
func TestCompletionScriptsForEveryShell(t *testing.T) {
	dir := t.TempDir()
	if err := manual.WriteCompletions(dir); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ent-support":      "complete -o default -F __start_ent-support ent-support",
		"_ent-support":     "#compdef ent-support",
		"ent-support.fish": "complete -c ent-support",
		"ent-support.ps1":  "Register-ArgumentCompleter",
	}
	for file, s := range want {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), s) {
			t.Errorf("%s lacks %q", file, s)
		}
	}
}

// The man-page renderer is a build tool: the program does not link it, so
// it costs no size and no start-up time.
func TestBinaryDoesNotLinkTheManRenderer(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../../cmd/ent-support").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := string(out)
	if !strings.Contains(deps, "github.com/spf13/cobra\n") {
		t.Fatalf("go list -deps gave no cobra:\n%s", deps)
	}
	for _, p := range []string{"github.com/spf13/cobra/doc", "github.com/cpuguy83/go-md2man", "github.com/ent-support/ent-support/internal/manual"} {
		if strings.Contains(deps, p) {
			t.Errorf("the binary links %s", p)
		}
	}
}
