package entcmd

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeMaxLines keeps README.md for the people who use the program; what
// the people who change it need lives in docs/.
const readmeMaxLines = 300

// setupCommands are the two commands of the README's "Set-up: two
// commands", word for word: the first files a ticket on the embedded
// server, the second runs every test.
var setupCommands = []string{"go run ./cmd/ent-support new", ".ci/run"}

// outsideRefs match a reference to a document outside the repository.
// Built from pieces so that this file does not match itself; "__SP"+"EC__"
// (a placeholder of the conformance test) is not a reference.
var outsideRefs = regexp.MustCompile(`(^|[^A-Za-z0-9_])` + "SP" + `EC([^A-Za-z0-9_]|$)` +
	`|` + "PIT" + "FALLS" + `|` + "BACK" + `ENDS\.md` + `|` + "sha" + "red/")

// TestReadmeAndReferences keeps the README short and for users, keeps its
// two set-up commands, and keeps every file of the repository free of
// references to documents a reader of the repository does not have.
func TestReadmeAndReferences(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(readme, []byte("\n")); n > readmeMaxLines {
		t.Errorf("README.md has %d lines, more than %d: move what is not for users to docs/", n, readmeMaxLines)
	}
	for _, c := range missingSetupCommands(string(readme)) {
		t.Errorf("README.md, \"Set-up: two commands\": the command %q is missing (it must stay word for word)", c)
	}

	for _, f := range repoFiles(t, root) {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil || bytes.IndexByte(b, 0) >= 0 {
			continue // gone since listed, or binary
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for line := 1; sc.Scan(); line++ {
			if m := outsideRefs.FindString(sc.Text()); m != "" {
				t.Errorf("%s:%d refers to a document outside the repository (%q): state the rule itself", f, line, strings.TrimSpace(m))
			}
		}
	}
}

// missingSetupCommands returns the set-up commands that are not, word for
// word, a command line of a code block under "## Set-up: two commands".
func missingSetupCommands(readme string) []string {
	found := map[string]bool{}
	inSection, inCode := false, false
	for _, l := range strings.Split(readme, "\n") {
		switch {
		case strings.HasPrefix(l, "## "):
			inSection, inCode = strings.TrimSpace(l) == "## Set-up: two commands", false
		case inSection && strings.HasPrefix(l, "```"):
			inCode = !inCode
		case inSection && inCode:
			cmd, _, _ := strings.Cut(l, "#")
			found[strings.TrimSpace(cmd)] = true
		}
	}
	var missing []string
	for _, c := range setupCommands {
		if !found[c] {
			missing = append(missing, c)
		}
	}
	return missing
}

// repoFiles lists the files of the repository, relative to root: git's
// tracked files, else (no git, an unpacked archive) every file but those
// of .git and of the tools .ci installs.
func repoFiles(t *testing.T, root string) []string {
	t.Helper()
	if out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output(); err == nil {
		files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
		if len(files) > 50 {
			return files
		}
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			switch filepath.ToSlash(rel) {
			case ".git", ".ci/bin", ".ci/node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("found only %d files under %s", len(files), root)
	}
	return files
}
