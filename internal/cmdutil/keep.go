package cmdutil

import (
	"context"
	"fmt"
	"io"

	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/outbox"
	"github.com/ent-support/ent-support/internal/support"
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
// ticket sent. It never fails the command: a failure is a note. An entry
// the server refuses for its content becomes a draft, said once with the
// server's reasons; an entry that still waits is named once per reason
// (remembered in the entry), not on every command. An empty outbox costs
// one directory read and no connection.
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
		AnnounceWaiting(f.IOStreams.ErrOut, f.Lang, o, nil, err)
		return
	}
	ctx, cancel := Bounded(ctx, TransferTimeout)
	defer cancel()
	failed := map[string]error{}
	var last error // what stopped the round, for the entries not tried
	err = o.Send(ctx, svc, func(r outbox.Result) {
		switch {
		case r.Err == nil:
			fmt.Fprintln(f.IOStreams.SafeErrOut(), f.T("keep.outbox.flushed", map[string]string{
				"number": r.Ticket.Number.String(), "subject": OneLine(r.Entry.Input.Subject)}))
		case r.Draft != nil:
			AnnounceDraft(f.IOStreams.SafeErrOut(), f.Lang, r)
		default:
			failed[r.Entry.ID], last = r.Err, r.Err
		}
	})
	if err != nil && last != nil {
		AnnounceWaiting(f.IOStreams.ErrOut, f.Lang, o, failed, last)
	}
}

// AnnounceDraft says that the server refused an outbox entry for its
// content, why (each field and rule), and how to fix it.
func AnnounceDraft(w io.Writer, lang string, r outbox.Result) {
	fmt.Fprintln(w, locale.T(lang, "keep.outbox.redrafted", map[string]string{
		"id": r.Entry.ID, "subject": OneLine(r.Entry.Input.Subject)}))
	for _, fe := range r.Draft.Problems {
		fmt.Fprintln(w, "  - "+locale.Field(lang, fe))
	}
	fmt.Fprintln(w, locale.T(lang, "keep.outbox.redrafted_hint", map[string]string{"id": r.Draft.ID}))
}

// AnnounceWaiting names, once per entry and reason, the entries of o that
// still wait, and what can be done: failed holds each tried entry's
// error, the others (not tried after a failure that stops the round) wait
// for stop. An entry already told about for the same reason is not named
// again.
func AnnounceWaiting(w io.Writer, lang string, o *outbox.Outbox, failed map[string]error, stop error) {
	es, lerr := o.List()
	if lerr != nil {
		return
	}
	for _, e := range es {
		err, ok := failed[e.ID]
		if !ok {
			err = stop
		}
		code := support.ErrorCode(err)
		if e.Announced == code {
			continue
		}
		fmt.Fprintln(iostreams.SafeWriter(w), locale.T(lang, "keep.outbox.waiting", map[string]string{
			"id": e.ID, "subject": OneLine(e.Input.Subject), "reason": locale.Message(lang, err)}))
		o.Announce(e, code)
	}
}
