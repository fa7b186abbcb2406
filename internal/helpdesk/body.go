package helpdesk

import (
	"regexp"
	"strings"
	"sync"

	"github.com/ent-support/ent-support/internal/support"
)

// The footer of a ticket's body: who filed it (RT's requestor and
// Redmine's author are accounts, not always the person), then the marker.
const (
	footerSep    = "\n\n-- \n"
	reporterLead = "Déclaré par : "
	markerLead   = "Réf. ent-support : "
)

// Marker returns the text that makes a ticket findable by its create's
// Idempotency-Key: "ent-support-" and the key. Keys are made by our
// client (hex), so the marker is one word a search finds whole.
func Marker(key string) string { return "ent-support-" + key }

// Body is the text of a new ticket: the description, then a footer with
// the reporter and the marker of key ("" for none).
func Body(in support.TicketInput, key string) string {
	var b strings.Builder
	b.WriteString(in.Description)
	b.WriteString(footerSep)
	b.WriteString(reporterLead + support.Mailbox(in.Reporter.Name, in.Reporter.Email))
	if key != "" {
		b.WriteString("\n" + markerLead + Marker(key))
	}
	b.WriteString("\n")
	return b.String()
}

// The patterns are compiled on first use, not at start-up: every command
// links this package, few read a helpdesk's tickets.
var (
	reporterLine = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^` + regexp.QuoteMeta(reporterLead) + `(.*?) <([^<>\s]+)>$`)
	})
	markerLine = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^` + regexp.QuoteMeta(markerLead) + `ent-support-([0-9A-Za-z_-]+)$`)
	})
)

// ParseBody splits a body written by Body into the description, the
// reporter's name and e-mail, and the key of its marker. A body written by
// someone else is all description. Newlines may come back as CRLF
// (Redmine).
func ParseBody(body string) (description, name, email, key string) {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	i := strings.LastIndex(body, strings.TrimSuffix(footerSep, " \n"))
	if i < 0 {
		return strings.TrimSpace(body), "", "", ""
	}
	footer := body[i+len(footerSep)-1:]
	found := false
	for _, line := range strings.Split(footer, "\n") {
		line = strings.TrimSpace(line)
		if m := reporterLine().FindStringSubmatch(line); m != nil {
			name, email, found = m[1], m[2], true
		} else if m := markerLine().FindStringSubmatch(line); m != nil {
			key, found = m[1], true
		}
	}
	if !found {
		return strings.TrimSpace(body), "", "", ""
	}
	return strings.TrimSpace(body[:i]), name, email, key
}
