package cmdutil

import (
	"fmt"
	"io"

	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
)

// List is what a listing command prints, and how.
type List[T any] struct {
	Items    []T
	JSON     bool    // --json
	Export   *Export // --jq, --template
	EmptyKey string  // the note shown on a terminal when there is nothing
	// Table lays the items out for people; TSV writes them for scripts,
	// one tab-separated line each, columns only ever added at the end.
	Table, TSV func(io.Writer, []T) error
	// RawTable: Table cleans every value itself (cmdutil.Table does) and
	// may paint them, so it gets standard output as it is.
	RawTable bool
}

// WriteList prints a list the way every listing command does: with --json
// an array (never null); otherwise nothing on stdout when it is empty (a
// note on stderr on a terminal), a table on a terminal, and tab-separated
// lines for scripts.
func WriteList[T any](ios *iostreams.IOStreams, lang string, l List[T]) error {
	if l.JSON {
		if l.Items == nil {
			l.Items = []T{}
		}
		return l.Export.Write(ios.Out, l.Items)
	}
	if len(l.Items) == 0 {
		if ios.IsStdoutTTY() {
			fmt.Fprintln(ios.ErrOut, locale.T(lang, l.EmptyKey, nil))
		}
		return nil
	}
	// What the items hold came from the network: shown, never obeyed.
	if ios.IsStdoutTTY() && l.RawTable {
		return l.Table(ios.Out, l.Items)
	}
	if ios.IsStdoutTTY() {
		return l.Table(ios.SafeOut(), l.Items)
	}
	return l.TSV(ios.SafeOut(), l.Items)
}
