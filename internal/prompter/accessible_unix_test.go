//go:build unix

package prompter

import (
	"context"
	"errors"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// In accessible mode the terminal is in line mode and Ctrl-C is a real
// SIGINT: the form must catch it and return ErrCancelled with the answers
// given so far, not die with them.
func TestAccessibleSIGINTCancels(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	scr, _ := newScreen(t)
	req := newRequest(support.TicketInput{})
	p := NewHuh(Options{Accessible: true, In: r, Out: scr})
	errc := make(chan error, 1)
	go func() { errc <- p.FillTicket(context.Background(), req) }()
	scr.waitFor("Nom et prénom")
	io.WriteString(w, "Claire Martin\n")
	scr.waitFor("Fonction")
	scr.waitFor("Tapez un numéro de 1 à 4")
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, ErrCancelled) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not end the form")
	}
	if req.Input.Reporter.Name != "Claire Martin" {
		t.Errorf("name = %q", req.Input.Reporter.Name)
	}
}
