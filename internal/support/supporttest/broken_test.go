package supporttest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/support"
)

// brokenEnv names the breakage TestBrokenBackEnd runs the suite on, in a
// process of its own (a failing suite must fail its test, which cannot be
// watched from inside the same test).
const brokenEnv = "SUPPORTTEST_BROKEN"

// The suite fails a back end that breaks the contract, each time with
// the message that says how: it is not a suite that passes anything.
func TestSuiteFailsBrokenBackEnds(t *testing.T) {
	for name, want := range map[string]string{
		"drops-location":   "read back:",
		"take-stays-new":   "taking a new ticket left it nouveau",
		"no-reason":        "differs from the reference server (false) without a reason",
		"follow-skips":     "status events",
		"unknown-is-empty": "GetTicket(unknown): error \"\"",
	} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenBackEnd$", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+name)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), want) {
				t.Errorf("the suite on a back end that %s: %v, want a failure saying %q:\n%s", name, err, want, out)
			}
		})
	}
}

// TestBrokenBackEnd is the suite on the native service broken as
// SUPPORTTEST_BROKEN says; it does nothing without it.
func TestBrokenBackEnd(t *testing.T) {
	how := os.Getenv(brokenEnv)
	if how == "" {
		return
	}
	Run(t, func(t *testing.T) Backend {
		b := NewNative(t, SQLite(t)).Backend()
		switch how {
		case "drops-location":
			b.Tickets = dropsLocation{b.Tickets}
		case "take-stays-new":
			b.Workflow = takeStaysNew{b.Workflow, new(bool)}
		case "no-reason":
			b.Caps.FileSHA256 = Cap[bool]{Value: false}
		case "follow-skips":
			b.Follower = skipsStatus{b.Follower}
		case "unknown-is-empty":
			b.Tickets = unknownIsEmpty{b.Tickets}
		}
		return b
	})
}

type dropsLocation struct{ support.Tickets }

func (d dropsLocation) GetTicket(ctx context.Context, n support.Number) (*support.Ticket, error) {
	t, err := d.Tickets.GetTicket(ctx, n)
	if t != nil {
		t.Location = ""
	}
	return t, err
}

// takeStaysNew says the first ticket it takes stayed nouveau.
type takeStaysNew struct {
	support.WorkflowService
	taken *bool
}

func (w takeStaysNew) Assign(ctx context.Context, n support.Number, email string) (*support.Ticket, error) {
	t, err := w.WorkflowService.Assign(ctx, n, email)
	if t != nil && !*w.taken {
		*w.taken, t.Status = true, support.StatusNew
	}
	return t, err
}

type skipsStatus struct{ support.Follower }

func (f skipsStatus) Follow(ctx context.Context, n support.Number, after int64, fn func(support.Event) error) error {
	seen := false
	return f.Follower.Follow(ctx, n, after, func(e support.Event) error {
		if e.Kind == support.EventStatus && e.To == string(support.StatusWaiting) && !seen {
			seen = true
			return nil
		}
		return fn(e)
	})
}

type unknownIsEmpty struct{ support.Tickets }

func (u unknownIsEmpty) GetTicket(ctx context.Context, n support.Number) (*support.Ticket, error) {
	t, err := u.Tickets.GetTicket(ctx, n)
	if support.ErrorCode(err) == support.ENOTFOUND {
		return &support.Ticket{}, nil
	}
	return t, err
}
