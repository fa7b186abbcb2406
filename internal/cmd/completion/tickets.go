package completion

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/support"
)

// CacheTTL is how long the list of tickets a TAB fetched serves the next
// TABs: long enough that pressing TAB twice, or completing three
// commands in a row, asks the server once; short enough that a ticket
// filed a minute ago is offered.
const CacheTTL = 60 * time.Second

// cachedTicket is what a candidate needs of a ticket.
type cachedTicket struct {
	Number  string `json:"number"`
	Subject string `json:"subject"`
	Status  string `json:"status"`
}

// ticketCache is the file of one server and account.
type ticketCache struct {
	SavedAt time.Time      `json:"saved_at"`
	Tickets []cachedTicket `json:"tickets"`
}

// tickets completes a ticket number: the tickets the caller sees (the
// newest support.MaxListLimit, in one request), the subject and status
// beside each. The bare sequence is offered ("1042"), the whole number
// once a letter was typed ("CG42N1-1042").
func (c *completers) tickets(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var list []cachedTicket
	c.within(func(ctx context.Context) error {
		var err error
		list, err = c.visibleTickets(ctx)
		return err
	})
	whole := strings.IndexFunc(toComplete, func(r rune) bool { return r < '0' || r > '9' }) >= 0
	out := make([]cobra.Completion, 0, len(list))
	for _, t := range list {
		n, fe := support.ParseNumber(t.Number)
		if fe != nil {
			continue
		}
		value := t.Number
		if !whole {
			value = support.Number{Seq: n.Seq}.String()
		}
		desc := c.subject(t.Subject)
		if t.Status != "" {
			desc += " (" + c.f.T("cli.status."+t.Status, nil) + ")"
		}
		out = append(out, cobra.CompletionWithDesc(value, desc))
	}
	return out, noFiles | cobra.ShellCompDirectiveKeepOrder
}

// visibleTickets returns the cached list when it is younger than
// CacheTTL, else asks the server once and keeps the answer.
func (c *completers) visibleTickets(ctx context.Context) ([]cachedTicket, error) {
	if !c.backendReady() {
		return nil, nil
	}
	r, err := c.f.Resolve()
	if err != nil {
		return nil, err
	}
	path, err := c.cachePath(r)
	if err != nil {
		return nil, err
	}
	now := c.f.Now()
	if tc, ok := readCache(path); ok {
		if age := now.Sub(tc.SavedAt); age >= 0 && age < CacheTTL {
			return tc.Tickets, nil
		}
	}
	svc, err := c.f.Tickets()
	if err != nil {
		return nil, err
	}
	page, err := svc.ListTickets(ctx, support.TicketFilter{Limit: support.MaxListLimit})
	if err != nil {
		return nil, err
	}
	tc := ticketCache{SavedAt: now, Tickets: make([]cachedTicket, 0, len(page.Tickets))}
	for _, t := range page.Tickets {
		tc.Tickets = append(tc.Tickets, cachedTicket{Number: t.Number.String(), Subject: t.Subject, Status: string(t.Status)})
	}
	writeCache(path, tc)
	return tc.Tickets, nil
}

// cachePath is the cache file of the server and account in force: its
// name is a hash of the profile, the server, the back end and the token
// (the embedded mode: its data directory), so that two accounts never
// see each other's list and no token is written in clear.
func (c *completers) cachePath(r config.Resolved) (string, error) {
	dir, err := config.CacheDir(c.f.Getenv)
	if err != nil {
		return "", err
	}
	place := r.Server
	if place == "" {
		place, _ = config.DataDir(c.f.Getenv)
		place = "embedded:" + place
	}
	h := sha256.New()
	for _, part := range []string{r.Profile, place, r.Backend.Kind, r.Backend.Prefix, r.Token} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return filepath.Join(dir, "completion", "tickets-"+hex.EncodeToString(h.Sum(nil))[:32]+".json"), nil
}

func readCache(path string) (ticketCache, bool) {
	var tc ticketCache
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &tc) != nil {
		return ticketCache{}, false
	}
	return tc, true
}

// writeCache keeps tc for the next TABs; a cache that cannot be written
// only costs the next TAB a request.
func writeCache(path string, tc ticketCache) {
	b, err := json.Marshal(tc)
	if err != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	// Subjects are the school's business: readable by the user only.
	_ = config.WriteFileAtomic(path, b, 0o600)
}
