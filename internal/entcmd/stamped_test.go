package entcmd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/servertest"
	"github.com/ent-support/ent-support/internal/testenv"
)

// defaultServerVar is the link-time variable a territory stamps its
// server into (the release configuration names the same one).
const defaultServerVar = "github.com/ent-support/ent-support/internal/build.DefaultServer"

// TestAStampedBuildFilesIntoItsServer builds the real binary with
// -ldflags -X build.DefaultServer pointing at a running server: with no
// configuration at all it says so in `version`, files `new` there, and
// never creates the embedded server's database; a system-wide file then
// wins over the stamp.
func TestAStampedBuildFilesIntoItsServer(t *testing.T) {
	goTool := goCommand(t)
	bin, err := exec.LookPath("ent-support")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	srv := servertest.Start(t, servertest.Options{Bin: bin, Token: bootstrapToken, Args: []string{"--prefix", "CG42N1"}})

	stamped := filepath.Join(work, "ent-support-stamped")
	if runtime.GOOS == "windows" {
		stamped += ".exe"
	}
	build := exec.Command(goTool, "build", "-o", stamped, "-ldflags", "-X "+defaultServerVar+"="+srv.URL(),
		"github.com/ent-support/ent-support/cmd/ent-support")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// Nothing configured: no flag, no variable, no config.yaml, no system file.
	data := filepath.Join(work, "data")
	env := []string{"ENT_SUPPORT_CONFIG_DIR=" + filepath.Join(work, "config"), "ENT_SUPPORT_DATA_DIR=" + data,
		"ENT_SUPPORT_STATE_DIR=" + filepath.Join(work, "state"),
		"ENT_SUPPORT_SYSTEM_CONFIG=" + filepath.Join(work, "etc", "config.yaml"),
		"ENT_SUPPORT_TOKEN=" + bootstrapToken}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "ENT_SUPPORT_") && !strings.HasPrefix(k, "LC_") && k != "LANG" && k != "LANGUAGE" {
			env = append(env, kv)
		}
	}
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(stamped, args...)
		cmd.Env, cmd.Dir = env, work
		cmd.Stdin = strings.NewReader(stdin)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("ent-support %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		if strings.Contains(stderr.String(), "serveur de référence intégré") {
			t.Errorf("ent-support %s used the embedded server:\n%s", strings.Join(args, " "), stderr.String())
		}
		return stdout.String()
	}
	match := func(out, re string) {
		t.Helper()
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output does not match %s:\n%s", re, out)
		}
	}

	out := run("", "version")
	match(out, `(?m)^Serveur par défaut de cette version : `+regexp.QuoteMeta(srv.URL())+`$`)
	match(out, `(?m)^Serveur : `+regexp.QuoteMeta(srv.URL())+` \(donné par le serveur par défaut de cette version\)$`)

	run("", "admin", "establishment", "add", "--uai", "0421234N", "--name", "Collège du Pilat", "--city", "Bourg-Argental")
	out = run("", "new", "--no-input", "--name", "Claire Martin", "--function", "chef_etablissement",
		"--phone", "06 12 34 56 78", "--email", "claire.martin@ac-lyon.fr", "--uai", "0421234N",
		"--subject", "Messagerie en panne", "--population", "tous", "--priority", "majeure",
		"--location", "Accueil > Messagerie", "--description", "La messagerie ne s'ouvre plus depuis ce matin.")
	match(out, `^CG42N1-1\n$`)
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("the data directory exists (%v): the embedded server was opened", err)
	}
	// The ticket is on the running server, as its own binary sees it.
	show := exec.Command(bin, "show", "1")
	show.Env = append(os.Environ(), "ENT_SUPPORT_SERVER="+srv.URL(), "ENT_SUPPORT_TOKEN="+bootstrapToken,
		"ENT_SUPPORT_CONFIG_DIR="+filepath.Join(work, "config2"), "ENT_SUPPORT_STATE_DIR="+filepath.Join(work, "state2"),
		"ENT_SUPPORT_SYSTEM_CONFIG="+filepath.Join(work, "etc", "none.yaml"))
	if b, err := show.CombinedOutput(); err != nil || !strings.Contains(string(b), "Messagerie en panne") {
		t.Errorf("show 1 on the server: %v\n%s", err, b)
	}

	// A system-wide file wins over the stamp.
	if err := os.MkdirAll(filepath.Join(work, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "etc", "config.yaml"),
		[]byte("profiles:\n  default:\n    server: https://assistance.example.org\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = run("", "version")
	match(out, `(?m)^Serveur par défaut de cette version : `+regexp.QuoteMeta(srv.URL())+`$`)
	match(out, `(?m)^Serveur : https://assistance\.example\.org \(donné par le profil default du fichier système .*config\.yaml\)$`)
}

// goCommand finds the go tool that builds the stamped binary: missing, the
// test fails under CI and is skipped elsewhere.
func goCommand(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if testenv.InCI() {
		t.Fatal("the go tool is not in PATH: it is needed to build a stamped binary")
	}
	t.Skip("the go tool is not in PATH")
	return ""
}
