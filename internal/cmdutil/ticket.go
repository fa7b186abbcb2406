package cmdutil

import (
	"context"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// Bounded returns ctx (Background when nil) with a deadline: every
// network command is bounded, so that a script never hangs on a dead
// server.
func Bounded(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(ctx, d)
}

// GetTicket parses a number as typed (CG42N1-12, cg42n1-12, #12, 12) and
// reads the ticket; it returns the service too, for commands that go on
// with it.
func GetTicket(ctx context.Context, tickets func() (support.Tickets, error), number string) (support.Tickets, *support.Ticket, error) {
	n, err := ParseNumber(number)
	if err != nil {
		return nil, nil, err
	}
	svc, err := tickets()
	if err != nil {
		return nil, nil, err
	}
	t, err := svc.GetTicket(ctx, n)
	if err != nil {
		return nil, nil, err
	}
	return svc, t, nil
}

// LocalTicket is a ticket as `--json` prints it: "local": true when it is
// on the embedded server, on this computer only, where no support agent
// sees it. The mark is the command's, never the server's.
type LocalTicket struct {
	*support.Ticket
	Local bool `json:"local,omitempty"`
}

// LocalSummary is LocalTicket for the lines of `list --json`.
type LocalSummary struct {
	support.TicketSummary
	Local bool `json:"local,omitempty"`
}

// IsEmbedded calls embedded, a Factory's Embedded, which may be nil.
func IsEmbedded(embedded func() bool) bool { return embedded != nil && embedded() }
