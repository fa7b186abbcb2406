package completion_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmd/root"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/support"
)

// TestRegisterFindsEveryCommand: every command that takes a ticket
// number, a status, a priority, a draft or an outbox ID completes it, and
// every flag of known values completes them; a renamed command or flag
// fails here instead of silently losing its completion.
func TestRegisterFindsEveryCommand(t *testing.T) {
	f, _, _, _ := cmdtest.Factory(t, cmdtest.NewTickets())
	r := root.NewCmdRoot(f)
	for _, path := range []string{"show", "follow", "comment", "reopen", "reply", "status", "priority",
		"assign", "attachments", "download", "drafts rm", "outbox rm", "new"} {
		c, rest, err := r.Find(strings.Fields(path))
		if err != nil || len(rest) > 0 || c == r {
			t.Errorf("%s: no such command", path)
			continue
		}
		if c.ValidArgsFunction == nil {
			t.Errorf("%s: its arguments are not completed", path)
		}
	}
	flags := map[string][]string{
		"new":    {"function", "population", "priority", "uai"},
		"list":   {"status", "priority", "uai"},
		"follow": {"until"},
	}
	for path, names := range flags {
		c, _, _ := r.Find([]string{path})
		for _, name := range names {
			if _, ok := c.GetFlagCompletionFunc(name); !ok {
				t.Errorf("%s --%s: not completed", path, name)
			}
		}
	}
	if _, ok := r.GetFlagCompletionFunc("profile"); !ok {
		t.Error("--profile: not completed")
	}
}

// TestTicketNumbersAskOncePerMinute: the first TAB lists the tickets
// (one request, one page of the most the API gives), the next ones read
// the cache, and a TAB more than CacheTTL later asks again.
func TestTicketNumbersAskOncePerMinute(t *testing.T) {
	fake := cmdtest.NewTickets()
	for i := int64(1); i <= 3; i++ {
		fake.Tickets = append(fake.Tickets, &support.Ticket{TicketSummary: support.TicketSummary{
			Number: support.Number{Prefix: "CG42N1", Seq: i}, Status: support.StatusOpen,
			TicketInput: support.TicketInput{Subject: "Sujet\t" + string(rune('A'-1+i)) + "\x1b[2J"}}})
	}
	f, _, _, _ := cmdtest.Factory(t, fake)
	env := map[string]string{config.EnvCacheDir: t.TempDir(), config.EnvServer: "https://support.example",
		config.EnvToken: "ents_token_of_the_test_0123456789"}
	f.Getenv = func(k string) string { return env[k] }
	f.Resolve = f.Server
	now := cmdtest.Clock
	f.Now = func() time.Time { return now }

	complete := func() string {
		t.Helper()
		r := root.NewCmdRoot(f)
		var out bytes.Buffer
		r.SetOut(&out)
		r.SetErr(&bytes.Buffer{})
		r.SetArgs([]string{cobra.ShellCompRequestCmd, "show", ""})
		if err := r.Execute(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	got := complete()
	if len(fake.Filters) != 1 || fake.Filters[0].Limit != support.MaxListLimit {
		t.Fatalf("first TAB: requests %+v, want one of %d tickets", fake.Filters, support.MaxListLimit)
	}
	// The subject is one safe line: the tab would end the candidate.
	if !strings.Contains(got, "1\tSujet A␛[2J (En cours)\n") {
		t.Errorf("first TAB gave:\n%s", got)
	}
	now = now.Add(30 * time.Second)
	if again := complete(); again != got || len(fake.Filters) != 1 {
		t.Errorf("a TAB 30 s later asked again (%d requests) or differs:\n%s", len(fake.Filters), again)
	}
	// Another account: a list of its own.
	env[config.EnvToken] = "ents_other_token_of_the_test_98765"
	complete()
	if len(fake.Filters) != 2 {
		t.Errorf("another account read the first one's cache (%d requests)", len(fake.Filters))
	}
	env[config.EnvToken] = "ents_token_of_the_test_0123456789"
	now = now.Add(31 * time.Second)
	complete()
	if len(fake.Filters) != 3 {
		t.Errorf("a TAB 61 s after the first did not ask again (%d requests)", len(fake.Filters))
	}
}
