package create

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// Summary is what the person confirms before the ticket is sent: every
// field as they will see it in `show`, the description, and the files.
func Summary(lang string, in support.TicketInput, ups []support.Upload) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 1, ' ', 0)
	for _, f := range cmdutil.TicketFields(lang, in) {
		fmt.Fprintf(tw, "%s%s\n", locale.LabelCell(lang, f.Label), f.Value)
	}
	tw.Flush()
	fmt.Fprintf(&b, "%s\n", locale.Label(lang, locale.FieldLabel(lang, "description")))
	for _, line := range strings.Split(in.Description, "\n") {
		fmt.Fprintf(&b, "  %s\n", line)
	}
	fmt.Fprintf(&b, "%s", locale.Label(lang, locale.FieldLabel(lang, "attachments")))
	if len(ups) == 0 {
		fmt.Fprintf(&b, " %s\n", locale.T(lang, "cli.none", nil))
	} else {
		b.WriteString("\n")
		for _, u := range ups {
			fmt.Fprintf(&b, "  %s (%s)\n", u.Name, locale.Size(lang, u.Size))
		}
	}
	return b.String()
}
