// Command gendocs writes the manual pages and the shell completion scripts
// that the release packages ship. It is a build tool, not shipped itself:
//
//	go run ./cmd/gendocs -out build -version 1.2.3 -epoch 1767225600
//
// writes build/man/man1/*.1.gz (English), build/man/fr/man1/*.1.gz
// (French) and build/completions/. The pages' date is -epoch (Unix
// seconds; the release gives the commit's, so that one commit always gives
// the same bytes), else SOURCE_DATE_EPOCH, else today.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/manual"
)

func main() {
	out := flag.String("out", "build", "output folder")
	version := flag.String("version", "", "version shown in the pages' footer")
	epoch := flag.String("epoch", os.Getenv("SOURCE_DATE_EPOCH"), "date of the pages, in Unix seconds")
	flag.Parse()
	if err := run(*out, *version, *epoch); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(out, version, epoch string) error {
	date := time.Now().UTC()
	if epoch != "" {
		secs, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return fmt.Errorf("-epoch %q: %w", epoch, err)
		}
		date = time.Unix(secs, 0).UTC()
	}
	for dir, lang := range map[string]string{"man/man1": locale.EN, "man/fr/man1": locale.FR} {
		if err := manual.WriteMan(filepath.Join(out, dir), lang, version, date); err != nil {
			return err
		}
	}
	return manual.WriteCompletions(filepath.Join(out, "completions"))
}
