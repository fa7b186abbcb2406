package follow

import (
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// A new status or priority is painted when colour is on; the text from
// the network is made safe in every case, and nothing is painted off.
func TestLineColours(t *testing.T) {
	tr := func(k string, p map[string]string) string { return locale.T("fr", k, p) }
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	status := support.Event{Kind: support.EventStatus, At: at, Actor: "Agathe\x1b[2J", From: "nouveau", To: "resolu", Message: "Réglé\u202e"}
	prio := support.Event{Kind: support.EventPriority, At: at, Actor: "Agathe", From: "majeure", To: "bloquante"}

	on := iostreams.NewColorScheme(true)
	if got := Line(status, tr, time.UTC, on); !strings.Contains(got, "\x1b[32mresolu\x1b[0m") ||
		!strings.Contains(got, "Agathe␛[2J") || !strings.Contains(got, "Réglé<U+202E>") {
		t.Errorf("status, colour on: %q", got)
	}
	if got := Line(prio, tr, time.UTC, on); !strings.Contains(got, "\x1b[1;31mbloquante\x1b[0m") {
		t.Errorf("priority, colour on: %q", got)
	}
	for _, e := range []support.Event{status, prio} {
		if got := Line(e, tr, time.UTC, iostreams.NewColorScheme(false)); strings.Contains(got, "\x1b") {
			t.Errorf("colour off: %q", got)
		}
	}
}
