package server

import (
	"context"

	"github.com/ent-support/ent-support/internal/imapin"
)

// startIMAP runs the poller of the IMAP mailbox, if one is set, until ctx
// is done or the returned stop is called. Stop waits for the poller to
// end: the message in hand is committed or left in the mailbox before the
// store closes.
func (s *Server) startIMAP(ctx context.Context) (stop func()) {
	cfg := s.opts.IMAP
	if cfg.Target.Addr == "" {
		return func() {}
	}
	cfg.Handler, cfg.Log = s.Service, s.log
	p, err := imapin.New(cfg)
	if err != nil {
		s.log.Error("IMAP mailbox not polled", "error", err)
		return func() {}
	}
	ictx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ictx) }()
	return func() { cancel(); <-done }
}
