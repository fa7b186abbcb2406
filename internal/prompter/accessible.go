package prompter

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

// Accessible mode asks one question at a time, one line each, and never
// redraws, so that a screen reader reads every word once.
//
// It does not use huh's accessible mode, whose prompts are English only
// ("Enter a number between 1 and 4"), which reads its input with a new
// scanner per field (on a pipe the first field swallows everything), which
// returns defaults or loops forever at the end of input, asks hidden
// groups anyway and cannot report Ctrl-C. Here one reader serves every
// question, the end of input and SIGINT end the form with ErrCancelled,
// and conditional questions are plain conditions.

type lineOrErr struct {
	line string
	err  error
}

// startLines starts the one goroutine that reads In, a line at a time. It
// hands over a line only when a question asks for it, so nothing typed
// ahead is lost between questions or between FillTicket and Confirm.
func (h *Huh) startLines() {
	h.linesOnce.Do(func() {
		h.lines = make(chan lineOrErr)
		in := h.opts.In
		if in == nil {
			in = os.Stdin
		}
		go func() {
			br := bufio.NewReader(in)
			for {
				s, err := br.ReadString('\n')
				if err == nil || s != "" {
					h.lines <- lineOrErr{line: strings.TrimRight(s, "\r\n")}
				}
				if err != nil {
					for {
						h.lines <- lineOrErr{err: err}
					}
				}
			}
		}()
	})
}

// asker asks questions in accessible mode.
type asker struct {
	h   *Huh
	ctx context.Context
	sig chan os.Signal
	w   io.Writer
	m   messages
}

// newAsker catches SIGINT (Ctrl-C in a terminal in line mode), SIGTERM and
// SIGHUP for the time of the questions, to return ErrCancelled with the
// answers given so far rather than die with them.
func (h *Huh) newAsker(ctx context.Context) (*asker, func()) {
	h.startLines()
	a := &asker{h: h, ctx: ctx, sig: make(chan os.Signal, 1), w: h.opts.Out, m: h.msg}
	signal.Notify(a.sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	return a, func() { signal.Stop(a.sig) }
}

func (a *asker) say(lines ...string) {
	for _, l := range lines {
		if l != "" {
			fmt.Fprintln(a.w, l)
		}
	}
}

func (a *asker) read(prompt string) (string, error) {
	fmt.Fprint(a.w, prompt)
	select {
	case l := <-a.h.lines:
		if l.err != nil {
			fmt.Fprintln(a.w)
			return "", ErrCancelled
		}
		// Esc then Enter, for those used to Esc leaving a form.
		if l.line == "\x1b" {
			return "", ErrCancelled
		}
		return l.line, nil
	case <-a.sig:
		fmt.Fprintln(a.w)
		return "", ErrCancelled
	case <-a.ctx.Done():
		fmt.Fprintln(a.w)
		return "", ErrCancelled
	}
}

func (a *asker) fail(err error) {
	fmt.Fprintln(a.w, a.m.t("form.a11y.error", "message", err.Error()))
}

// input asks for one line; Enter alone keeps current.
func (a *asker) input(title, desc, current string, check func(string) error) (string, error) {
	fmt.Fprintln(a.w)
	a.say(title, desc)
	if current != "" {
		a.say(a.m.t("form.a11y.keep", "value", current))
	}
	for {
		v, err := a.read("> ")
		if err != nil {
			return "", err
		}
		if strings.TrimSpace(v) == "" && current != "" {
			v = current
		}
		if err := check(v); err != nil {
			a.fail(err)
			continue
		}
		return v, nil
	}
}

type choice struct{ label, value string }

// choose asks for one option by its number (or its value typed out).
func (a *asker) choose(title, desc string, opts []choice, current string, check func(string) error) (string, error) {
	fmt.Fprintln(a.w)
	a.say(title, desc)
	def := 0
	for i, o := range opts {
		a.say(fmt.Sprintf("%d. %s", i+1, o.label))
		if o.value == current && current != "" {
			def = i + 1
		}
	}
	prompt := a.m.t("form.a11y.choose", "max", strconv.Itoa(len(opts)))
	if def > 0 {
		prompt = a.m.t("form.a11y.choose_default", "max", strconv.Itoa(len(opts)), "default", strconv.Itoa(def))
	}
	for {
		v, err := a.read(prompt + " ")
		if err != nil {
			return "", err
		}
		v = strings.TrimSpace(v)
		n := def
		if v != "" {
			n = a.index(v, opts)
		}
		if n < 1 || n > len(opts) {
			a.fail(errors.New(a.m.t("form.a11y.bad_number", "max", strconv.Itoa(len(opts)))))
			continue
		}
		if err := check(opts[n-1].value); err != nil {
			a.fail(err)
			continue
		}
		a.say(a.m.t("form.a11y.chosen", "value", opts[n-1].label))
		return opts[n-1].value, nil
	}
}

// index reads a number, or an option's value or label typed out.
func (a *asker) index(v string, opts []choice) int {
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	for i, o := range opts {
		if strings.EqualFold(v, o.value) || strings.EqualFold(v, o.label) {
			return i + 1
		}
	}
	return 0
}

// chooseMany asks for several options, their numbers (or names) on one line.
func (a *asker) chooseMany(title, desc string, opts []choice, current []string, parse func(string) (string, bool), check func([]string) error) ([]string, error) {
	fmt.Fprintln(a.w)
	a.say(title, desc)
	for i, o := range opts {
		a.say(fmt.Sprintf("%d. %s", i+1, o.label))
	}
	a.say(a.m.t("form.a11y.choose_many"))
	if len(current) > 0 {
		a.say(a.m.t("form.a11y.keep", "value", strings.Join(current, ", ")))
	}
	for {
		line, err := a.read("> ")
		if err != nil {
			return nil, err
		}
		fields := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == ',' || r == ';' })
		if len(fields) == 0 && len(current) > 0 {
			return current, nil
		}
		var out []string
		var bad string
		for _, f := range fields {
			if n, err := strconv.Atoi(f); err == nil && n >= 1 && n <= len(opts) {
				out = appendNew(out, opts[n-1].value)
			} else if v, ok := parse(f); ok {
				out = appendNew(out, v)
			} else {
				bad = f
				break
			}
		}
		if bad != "" {
			a.fail(errors.New(a.m.t("form.a11y.bad_item", "value", bad, "max", strconv.Itoa(len(opts)))))
			continue
		}
		if err := check(out); err != nil {
			a.fail(err)
			continue
		}
		return out, nil
	}
}

func appendNew(xs []string, v string) []string {
	for _, x := range xs {
		if x == v {
			return xs
		}
	}
	return append(xs, v)
}

// multiline asks for several lines, ended by a line holding only a dot.
func (a *asker) multiline(title, desc, current string, check func(string) error) (string, error) {
	fmt.Fprintln(a.w)
	a.say(title, desc, a.m.t("form.a11y.multiline"))
	if current != "" {
		a.say(a.m.t("form.a11y.multiline_keep"))
	}
	for {
		var lines []string
		for {
			l, err := a.read("> ")
			if err != nil {
				// What was typed is kept for the draft.
				return strings.Join(lines, "\n"), err
			}
			if strings.TrimSpace(l) == "." {
				break
			}
			lines = append(lines, l)
		}
		v := strings.Join(lines, "\n")
		if len(lines) == 0 && current != "" {
			v = current
		}
		if err := check(v); err != nil {
			a.fail(err)
			continue
		}
		return v, nil
	}
}

// yesNo asks a yes/no question; Enter alone answers def.
func (a *asker) yesNo(question string, def bool) (bool, error) {
	d := a.m.t("form.no")
	if def {
		d = a.m.t("form.yes")
	}
	for {
		v, err := a.read(question + " " + a.m.t("form.a11y.yesno", "default", strings.ToLower(d)) + " ")
		if err != nil {
			return false, err
		}
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "":
			return def, nil
		case "o", "oui", "y", "yes":
			return true, nil
		case "n", "non", "no":
			return false, nil
		}
		a.fail(errors.New(a.m.t("form.a11y.bad_yesno")))
	}
}

func (h *Huh) confirmAccessible(ctx context.Context, question string) (bool, error) {
	a, done := h.newAsker(ctx)
	defer done()
	return a.yesNo(question, true)
}

// fillAccessible asks the ticket in accessible mode, in the same order and
// with the same checks as the form.
func (h *Huh) fillAccessible(ctx context.Context, s *ticketState) error {
	a, done := h.newAsker(ctx)
	defer done()
	reached := map[string]bool{}
	for {
		err := a.ticket(s, reached)
		s.apply(func(f string) bool { return reached[f] })
		if err != nil {
			return err
		}
		bad := s.invalid()
		if len(bad) == 0 {
			break
		}
		s.setProblems(bad)
	}
	return a.attachments(s)
}

// ticket asks the form of the procedure (ticketFields) one question after
// the other; a question whose page is not there (when) is skipped.
func (a *asker) ticket(s *ticketState, reached map[string]bool) error {
	for _, f := range s.ticketFields("") {
		// What the reporter's profile says is not asked (TicketRequest.Known).
		if !s.ask(f.gate) || f.when != nil && !f.when() {
			continue
		}
		if err := a.field(&f, reached); err != nil {
			return err
		}
	}
	return nil
}

// field asks one field of the table.
func (a *asker) field(f *formField, reached map[string]bool) error {
	desc := f.description(true, "")
	switch f.kind {
	case kindText:
		v, err := a.multiline(f.title, desc, *f.value, f.check)
		if err != nil {
			// What was typed is kept for the draft.
			if v != "" {
				*f.value, reached[f.key] = v, true
			}
			return err
		}
		*f.value = v
	case kindSelect:
		v, err := a.choose(f.title, desc, f.options(), *f.value, f.check)
		if err != nil {
			return err
		}
		*f.value = v
	case kindMulti:
		v, err := a.chooseMany(f.title, desc, f.options(), *f.values, f.parse, f.checks)
		if err != nil {
			return err
		}
		*f.values = v
	default:
		v, err := a.input(f.title, desc, *f.value, f.check)
		if err != nil {
			return err
		}
		*f.value = v
		if f.hint != nil {
			a.say(f.hint(v))
		}
	}
	reached[f.key] = true
	return nil
}

func (a *asker) attachments(s *ticketState) error {
	m := a.m
	for {
		lim := s.limits()
		if lim.MaxFiles > 0 && len(s.attachments) >= lim.MaxFiles {
			return nil
		}
		var added attachment
		v, err := a.input(m.t("form.attach.title"),
			describe(m.t("form.attach.desc", "max", humanLimit(m.lang, lim.MaxFileSize)), s.attachedList()), "",
			func(v string) error {
				if strings.TrimSpace(v) == "" {
					return nil
				}
				var err error
				added, err = s.inspectAttachment(v)
				return err
			})
		if err != nil {
			return err
		}
		if strings.TrimSpace(v) == "" {
			return nil
		}
		s.addAttachment(added)
		a.say(s.attachLine("form.attach.added", added))
	}
}
