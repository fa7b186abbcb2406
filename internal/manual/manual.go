// Package manual writes what is shipped beside the binary: one manual page
// per command, in French and in English, and the shell completion scripts.
// Both come from the command tree itself, so they cannot drift from it.
//
// It is used at build time only (cmd/gendocs, run by the release's
// before-hook): the binary does not import it, so the man-page renderer
// costs the program neither size nor start-up time.
package manual

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/ent-support/ent-support/internal/cmd/root"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
)

// ExitCodes are the exit codes the program documents, in order. entcmd
// holds the table that produces them; a test keeps both equal.
var ExitCodes = []int{0, 1, 2, 3, 4, 5, 130}

// Environment lists the variables the program reads, in the order the
// manual shows them, by the key of their description in the catalogs.
var Environment = []struct{ Names, Key string }{
	{"ENT_SUPPORT_SERVER", "man.env.server"},
	{"ENT_SUPPORT_TOKEN", "man.env.token"},
	{"ENT_SUPPORT_PROFILE", "man.env.profile"},
	{"ENT_SUPPORT_CONFIG_DIR", "man.env.config_dir"},
	{"ENT_SUPPORT_DATA_DIR", "man.env.data_dir"},
	{"ENT_SUPPORT_STATE_DIR", "man.env.state_dir"},
	{"ENT_SUPPORT_CA_FILE", "man.env.ca_file"},
	{"ENT_SUPPORT_TIMEOUT", "man.env.timeout"},
	{"ENT_SUPPORT_POLL_INTERVAL", "man.env.poll_interval"},
	{"ENT_SUPPORT_BOOTSTRAP_TOKEN", "man.env.bootstrap_token"},
	{"ENT_SUPPORT_SERVER_<FLAG>", "man.env.server_flag"},
	{"LC_ALL, LC_MESSAGES, LANG", "man.env.lang"},
	{"NO_COLOR", "man.env.no_color"},
	{"CLICOLOR_FORCE", "man.env.clicolor_force"},
	{"ENT_SUPPORT_PAGER, PAGER", "man.env.pager"},
	{"COLUMNS", "man.env.columns"},
	{"ACCESSIBLE", "man.env.accessible"},
	{"VISUAL, EDITOR", "man.env.editor"},
	{"CI", "man.env.ci"},
}

// Tree returns the program's command tree with its texts in lang. Nothing
// in it runs: the factory's services are left unset.
func Tree(lang string) (*cobra.Command, *bytes.Buffer) {
	ios, _, out, _ := iostreams.Test()
	f := &cmdutil.Factory{
		IOStreams: ios, Lang: lang,
		Getenv:   func(string) string { return "" },
		Now:      time.Now,
		Location: time.UTC,
		Cleanup:  func() {},
	}
	cmd := root.NewCmdRoot(f)
	cmd.DisableAutoGenTag = true // the page says nothing of when or how it was made
	return cmd, out
}

// Commands returns every command of the tree that has a page: the
// available ones (not hidden, not help).
func Commands(cmd *cobra.Command) []*cobra.Command {
	cmds := []*cobra.Command{cmd}
	for _, c := range cmd.Commands() {
		if !c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand() {
			continue
		}
		cmds = append(cmds, Commands(c)...)
	}
	return cmds
}

// PageName is the file name of c's page: ent-support-auth-login.1.gz.
func PageName(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1.gz"
}

// WriteMan writes the gzipped page of every command, in lang, into dir.
// date is the one the pages show (the commit's, for a reproducible build);
// version goes into their footer.
func WriteMan(dir, lang, version string, date time.Time) error {
	cmd, _ := Tree(lang)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	t := func(key string) string { return locale.T(lang, key, nil) }
	for _, c := range Commands(cmd) {
		var b bytes.Buffer
		hdr := &doc.GenManHeader{
			Title:   strings.ToUpper(strings.ReplaceAll(c.CommandPath(), " ", "-")),
			Section: "1",
			Date:    &date,
			Source:  strings.TrimSpace("ent-support " + version),
			Manual:  t("man.manual"),
		}
		if err := doc.GenMan(c, hdr, &b); err != nil {
			return fmt.Errorf("%s: %w", c.CommandPath(), err)
		}
		page := localize(b.String(), lang, date)
		if err := writeGzip(filepath.Join(dir, PageName(c)), []byte(page)); err != nil {
			return err
		}
	}
	return nil
}

// headings are the section titles cobra writes in English, with the key
// of their translation.
var headings = []struct{ en, key string }{
	{"NAME", "man.section.name"},
	{"SYNOPSIS", "man.section.synopsis"},
	{"DESCRIPTION", "man.section.description"},
	{"OPTIONS", "man.section.options"},
	{"OPTIONS INHERITED FROM PARENT COMMANDS", "man.section.inherited"},
	{"EXAMPLE", "man.section.example"},
	{"SEE ALSO", "man.section.see_also"},
}

// localize turns cobra's English page into one in lang and adds the
// sections every page of this program has: exit codes and environment.
func localize(page, lang string, date time.Time) string {
	t := func(key string) string { return locale.T(lang, key, nil) }
	// The date as ISO 8601: cobra writes an English month name.
	thLine := regexp.MustCompile(`(?m)^\.TH "([^"]*)" "([^"]*)" "[^"]*"`)
	page = thLine.ReplaceAllString(page, `.TH "$1" "$2" "`+date.UTC().Format("2006-01-02")+`"`)
	// cobra's usage line ends in "[flags]"; the help says it in lang.
	page = strings.ReplaceAll(page, `[flags]`, t("cli.help.flags_placeholder"))
	// So are the names of its arguments: NUMÉRO, not NUMBER.
	synopsis := regexp.MustCompile(`(?m)^\\fBent-support .*$`)
	page = synopsis.ReplaceAllStringFunc(page, func(line string) string { return locale.Args(lang, line) })
	var extra strings.Builder
	extra.WriteString(".SH " + roffQuote(t("man.section.exit_codes")) + "\n")
	for _, code := range ExitCodes {
		fmt.Fprintf(&extra, ".TP\n\\fB%d\\fP\n%s\n", code, roffText(t(fmt.Sprintf("man.exit.%d", code))))
	}
	extra.WriteString("\n.SH " + roffQuote(t("man.section.environment")) + "\n")
	for _, e := range Environment {
		fmt.Fprintf(&extra, ".TP\n\\fB%s\\fP\n%s\n", roffText(e.Names), roffText(t(e.Key)))
	}
	extra.WriteString("\n")
	// Exit codes and environment go before SEE ALSO, as man-pages(7) orders them.
	if i := strings.Index(page, "\n.SH SEE ALSO\n"); i >= 0 {
		page = page[:i+1] + extra.String() + page[i+1:]
	} else {
		page += "\n" + extra.String()
	}
	for _, h := range headings {
		page = strings.ReplaceAll(page, "\n.SH "+h.en+"\n", "\n.SH "+roffQuote(t(h.key))+"\n")
	}
	return page
}

func roffQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\(dq`) + `"` }

// roffText escapes what roff would read as a request or an escape.
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, ".") || strings.HasPrefix(line, "'") {
			line = `\&` + line
		}
		if b.Len() > 0 {
			b.WriteString("\n.br\n")
		}
		b.WriteString(line)
	}
	return b.String()
}

// writeGzip writes data gzipped with no name and no time in the header, so
// the same page always gives the same bytes.
func writeGzip(path string, data []byte) error {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// Shells are the shells `ent-support completion` writes a script for, with
// the file name each one looks for.
var Shells = []struct{ Name, File string }{
	{"bash", "ent-support"},
	{"zsh", "_ent-support"},
	{"fish", "ent-support.fish"},
	{"powershell", "ent-support.ps1"},
}

// WriteCompletions writes the completion script of every shell into dir,
// as `ent-support completion SHELL` prints it (it runs that command).
func WriteCompletions(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, sh := range Shells {
		cmd, out := Tree(locale.FR)
		cmd.SetArgs([]string{"completion", sh.Name})
		if err := cmd.Execute(); err != nil {
			return fmt.Errorf("completion %s: %w", sh.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, sh.File), out.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
