// Package prompter asks people for the fields of a ticket in a terminal.
// Commands depend on the Prompter interface only; the huh implementation
// lives here too, so that no command imports huh.
package prompter

import (
	"context"
	"errors"

	"github.com/ent-support/ent-support/internal/support"
)

// ErrCancelled is returned when the person interrupts the form (Ctrl-C,
// Esc, a closed terminal). The command exits 130.
var ErrCancelled = errors.New("cancelled")

// TicketRequest is what the form starts from and fills in place.
type TicketRequest struct {
	// Input holds what flags, the input file and the profile gave; the
	// form asks what is missing or invalid, and shows the rest pre-filled.
	Input support.TicketInput
	// Attachments are file paths already given; the form offers to add more.
	Attachments []string
	// Problems are the field errors of Input, to show beside the fields
	// they concern (e.g. after the server refused a value).
	Problems []support.FieldError
	// Info carries the server's limits and whether it accepts
	// establishments missing from its directory.
	Info support.ServerInfo
	// Lookup finds an establishment in the server's directory (nil when
	// there is none); ENOTFOUND means it is not there.
	Lookup func(ctx context.Context, uai string) (*support.Establishment, error)
	// Search lists establishments matching a name, city or UAI prefix.
	Search func(ctx context.Context, q string) ([]support.Establishment, error)
	Lang   string

	// Known lists the fields the form does not ask (keys such as
	// "reporter.name"): they hold what the reporter's profile says and are
	// valid. The summary still shows them. A field with a problem is asked
	// all the same.
	Known []string
	// Mine, when not empty, are the reporter's own establishments: the
	// establishment is chosen among them rather than searched, and the
	// function is the one of the establishment chosen.
	Mine []Membership
}

// Membership is one of the reporter's establishments, with their
// function there.
type Membership struct {
	Establishment support.Establishment
	Function      support.Function
}

// Prompter asks for the fields of a ticket and for confirmations.
type Prompter interface {
	// FillTicket asks, in the order of the procedure, every field of
	// req.Input that is missing or breaks a rule, checking each rule as it
	// is typed (with the same support.* parsers as the flag path), then
	// offers attachments. It returns ErrCancelled on interruption.
	FillTicket(ctx context.Context, req *TicketRequest) error
	// Confirm shows text (the summary) and asks a yes/no question.
	Confirm(ctx context.Context, text, question string) (bool, error)
	// Input asks for one line, pre-filled with value; check runs on Enter.
	Input(ctx context.Context, title, value string, check func(string) error) (string, error)
	// Secret asks for one line without showing it (a token).
	Secret(ctx context.Context, title string) (string, error)
}
