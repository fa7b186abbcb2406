package cmdutil

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"strings"

	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// MaxWebPages is how many pages `list --web` opens at once: beyond, a
// browser gets a wall of tabs nobody asked for.
const MaxWebPages = 10

// BrowserCommand is the command that opens url: $BROWSER when set (its
// words, then the URL), else the system's opener.
func BrowserCommand(getenv func(string) string, goos, url string) []string {
	if b := strings.Fields(getenv("BROWSER")); len(b) > 0 {
		return append(b, url)
	}
	switch goos {
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler", url}
	case "darwin":
		return []string{"open", url}
	}
	return []string{"xdg-open", url}
}

// Browser returns the --web opener of a factory: it runs BrowserCommand,
// its output on stderr, and says on stderr what it opens when someone
// reads it.
func Browser(f *Factory) func(ctx context.Context, url string) error {
	return func(ctx context.Context, url string) error {
		if ctx == nil {
			ctx = context.Background()
		}
		getenv := f.Getenv
		if getenv == nil {
			getenv = func(string) string { return "" }
		}
		ios := f.IOStreams
		if ios.IsStderrTTY() {
			fmt.Fprintln(ios.ErrOut, locale.T(f.Lang, "web.opening", map[string]string{"url": url}))
		}
		argv := BrowserCommand(getenv, runtime.GOOS, url)
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Stdout, cmd.Stderr = ios.ErrOut, ios.ErrOut
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(iostreams.SafeWriter(ios.ErrOut), locale.T(f.Lang, "web.failed",
				map[string]string{"cmd": argv[0], "detail": err.Error(), "url": url}))
			return ErrSilent
		}
		return nil
	}
}

// PageURL is the page --web opens for ticket t, or, when there is none,
// says why on stderr and returns ErrSilent: a ticket of the embedded
// server has no page anyone else could open (the server lives as long
// as the command), and a back end may serve none.
func PageURL(ios *iostreams.IOStreams, lang string, embedded bool, t *support.Ticket) (string, error) {
	key := ""
	switch {
	case embedded:
		key = "web.local"
	case t.URL == "":
		key = "web.none"
	default:
		return t.URL, nil
	}
	fmt.Fprintln(ios.ErrOut, locale.T(lang, key, map[string]string{"number": t.Number.String()}))
	return "", ErrSilent
}
