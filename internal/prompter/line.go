package prompter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/x/term"
)

// Input asks for one line (a server's address), pre-filled with value and
// checked by check when Enter is pressed.
func (h *Huh) Input(ctx context.Context, title, value string, check func(string) error) (string, error) {
	if check == nil {
		check = func(string) error { return nil }
	}
	if h.opts.Accessible {
		if h.direct() {
			fmt.Fprintln(h.opts.Out)
			fmt.Fprintln(h.opts.Out, title)
			if value != "" {
				fmt.Fprintln(h.opts.Out, h.msg.t("form.a11y.keep", "value", value))
			}
			for {
				fmt.Fprint(h.opts.Out, "> ")
				v, err := readLine(ctx, h.in())
				if err != nil {
					return "", err
				}
				if strings.TrimSpace(v) == "" {
					v = value
				}
				if err := check(v); err != nil {
					fmt.Fprintln(h.opts.Out, h.msg.t("form.a11y.error", "message", err.Error()))
					continue
				}
				return v, nil
			}
		}
		a, done := h.newAsker(ctx)
		defer done()
		return a.input(title, "", value, check)
	}
	v := value
	if err := h.run(ctx, h.newForm(huh.NewGroup(huh.NewInput().Title(title).Value(&v).Validate(check)))); err != nil {
		return "", err
	}
	return strings.TrimSpace(v), nil
}

// Secret asks for one line that is not shown as it is typed (a token). It
// is never pre-filled and never echoed back.
func (h *Huh) Secret(ctx context.Context, title string) (string, error) {
	required := func(v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New(h.msg.t("form.secret.required"))
		}
		return nil
	}
	if !h.opts.Accessible {
		var v string
		f := h.newForm(huh.NewGroup(huh.NewInput().Title(title).EchoMode(huh.EchoModePassword).Value(&v).Validate(required)))
		if err := h.run(ctx, f); err != nil {
			return "", err
		}
		return strings.TrimSpace(v), nil
	}
	fmt.Fprintln(h.opts.Out)
	fmt.Fprint(h.opts.Out, title+" ")
	file, ok := h.in().(term.File)
	if !ok || !term.IsTerminal(file.Fd()) || !h.direct() {
		// Not a terminal (a test's pipe): there is no echo to turn off.
		v, err := readLine(ctx, h.in())
		return strings.TrimSpace(v), err
	}
	fd := file.Fd()
	state, err := term.GetState(fd)
	if err != nil {
		return "", err
	}
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := term.ReadPassword(fd)
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		fmt.Fprintln(h.opts.Out)
		if r.err != nil {
			return "", ErrCancelled
		}
		return strings.TrimSpace(string(r.b)), nil
	case <-ctx.Done():
		// Ctrl-C: the read stays blocked, so give the terminal its echo back.
		term.Restore(fd, state)
		fmt.Fprintln(h.opts.Out)
		return "", ErrCancelled
	}
}

func (h *Huh) in() io.Reader {
	if h.opts.In == nil {
		return os.Stdin
	}
	return h.opts.In
}

// direct reports whether In may be read directly, a byte at a time: true
// until the accessible mode's shared line reader has started (it would
// take the line first).
func (h *Huh) direct() bool { return h.lines == nil }

// readLine reads one line of in, a byte at a time so that nothing after it
// is consumed; ctx (Ctrl-C) ends the wait with ErrCancelled.
func readLine(ctx context.Context, in io.Reader) (string, error) {
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		var b strings.Builder
		buf := make([]byte, 1)
		for {
			n, err := in.Read(buf)
			if n == 1 {
				if buf[0] == '\n' {
					done <- result{strings.TrimRight(b.String(), "\r"), nil}
					return
				}
				b.WriteByte(buf[0])
			}
			if err != nil {
				if b.Len() > 0 {
					done <- result{strings.TrimRight(b.String(), "\r"), nil}
				} else {
					done <- result{"", ErrCancelled}
				}
				return
			}
		}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-ctx.Done():
		return "", ErrCancelled
	}
}
