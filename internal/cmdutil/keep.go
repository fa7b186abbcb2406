package cmdutil

import (
	"context"
	"fmt"

	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/outbox"
)

// KeptError is a failure after which the ticket was kept (as a draft or in
// the outbox): Main prints Err, then Hint, which says how to go on. The
// exit code is Err's.
type KeptError struct {
	Err  error
	Hint string
}

func (e *KeptError) Error() string { return e.Err.Error() }
func (e *KeptError) Unwrap() error { return e.Err }

// AnnotationNetwork marks the commands that talk to the server: they send
// what waits in the outbox first.
const AnnotationNetwork = "ent-support/network"

// FlushOutbox sends what waits in the outbox, one line on stderr per
// ticket sent. It never fails the command: a failure is a note. An empty
// outbox costs one directory read and no connection.
func FlushOutbox(ctx context.Context, f *Factory) {
	if f.Outbox == nil {
		return
	}
	o, err := f.Outbox()
	if err != nil || o.Empty() {
		return
	}
	svc, err := f.Tickets()
	if err != nil {
		fmt.Fprintln(f.IOStreams.ErrOut, f.T("keep.outbox.flush_failed", map[string]string{"reason": locale.Message(f.Lang, err)}))
		return
	}
	ctx, cancel := Bounded(ctx, TransferTimeout)
	defer cancel()
	err = o.Send(ctx, svc, func(r outbox.Result) {
		if r.Err == nil {
			fmt.Fprintln(f.IOStreams.SafeErrOut(), f.T("keep.outbox.flushed", map[string]string{
				"number": r.Ticket.Number.String(), "subject": OneLine(r.Entry.Input.Subject)}))
		}
	})
	if err != nil {
		left := 0
		if es, lerr := o.List(); lerr == nil {
			left = len(es)
		}
		fmt.Fprintln(f.IOStreams.ErrOut, f.T("keep.outbox.flush_failed_left", map[string]string{
			"count": fmt.Sprint(left), "reason": locale.Message(f.Lang, err)}))
	}
}
