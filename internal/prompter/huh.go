package prompter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/x/term"

	"github.com/ent-support/ent-support/internal/locale"
)

// Options configure the huh prompter.
type Options struct {
	// In is the terminal to read from; nil means standard input.
	In io.Reader
	// Out is where the form is drawn: standard error, so that standard
	// output keeps only data (the ticket number, --json).
	Out io.Writer
	// Lang is "fr" (the default) or "en".
	Lang string
	// Accessible asks one question per line, without redrawing, for screen
	// readers (the command sets it when ACCESSIBLE is set).
	Accessible bool
	// Editor is the command opened by Ctrl+E in the description; empty
	// means $VISUAL, $EDITOR, then notepad on Windows and nano elsewhere.
	Editor string
}

// Huh asks for tickets with github.com/charmbracelet/huh forms, or with
// plain line prompts in accessible mode.
type Huh struct {
	opts Options
	msg  messages

	// lines is the accessible mode's one reader of In, shared by every
	// question of every call so that no typed line is lost between them.
	linesOnce sync.Once
	lines     chan lineOrErr

	// pump reads a non-terminal In for the forms of normal mode.
	pumpOnce sync.Once
	pump     chan []byte
}

var _ Prompter = (*Huh)(nil)

// NewHuh returns a Prompter drawing on opts.Out.
func NewHuh(opts Options) *Huh {
	if opts.Out == nil {
		opts.Out = os.Stderr
	}
	return &Huh{opts: opts, msg: messages{pickLang(opts.Lang, "")}}
}

// FillTicket asks every field of the procedure, in its order, pre-filled
// with what req.Input already holds, then offers attachments. Whatever
// happens, what was typed is written into req.Input and req.Attachments,
// so that a cancelled form can be kept as a draft.
func (h *Huh) FillTicket(ctx context.Context, req *TicketRequest) error {
	h.msg = messages{pickLang(h.opts.Lang, req.Lang)}
	s := newTicketState(ctx, req, h.msg.lang)
	if h.opts.Accessible {
		return h.fillAccessible(ctx, s)
	}
	for {
		f, order := h.ticketForm(s)
		err := h.run(ctx, f)
		s.apply(reachedUntil(f, order, err == nil))
		if err != nil {
			return err
		}
		// huh checked each field on Enter; this catches a value changed
		// after its check (going back with shift+tab) or a group skipped.
		bad := s.invalid()
		if len(bad) == 0 {
			break
		}
		s.setProblems(bad)
	}
	for {
		lim := s.limits()
		if lim.MaxFiles > 0 && len(s.attachments) >= lim.MaxFiles {
			return nil
		}
		var path string
		f := h.attachForm(s, &path)
		err := h.run(ctx, f)
		if err != nil {
			return err
		}
		if strings.TrimSpace(path) == "" {
			return nil
		}
		a, aerr := s.inspectAttachment(path)
		if aerr != nil { // the validator refused it already; only a race gets here
			fmt.Fprintln(h.opts.Out, h.msg.t("form.problem", "message", aerr.Error()))
			continue
		}
		s.addAttachment(a)
		fmt.Fprintln(h.opts.Out, s.attachLine("form.attach.added", a))
	}
}

// Confirm prints text (the summary) and asks question ("Envoyer ce ticket
// ?" when empty), Yes by default.
func (h *Huh) Confirm(ctx context.Context, text, question string) (bool, error) {
	if question == "" {
		question = h.msg.t("form.confirm.send")
	}
	if text != "" {
		fmt.Fprintln(h.opts.Out, strings.TrimRight(text, "\n"))
	}
	if h.opts.Accessible {
		return h.confirmAccessible(ctx, question)
	}
	ok := true
	f := h.newForm(huh.NewGroup(&confirmField{
		Confirm: huh.NewConfirm().Title(question).
			Affirmative(h.msg.t("form.yes")).Negative(h.msg.t("form.no")).
			Value(&ok),
		msg: h.msg,
	}))
	if err := h.run(ctx, f); err != nil {
		return false, err
	}
	return ok, nil
}

// bind gives huh a field's variable through the state's value lock: huh
// writes values in its update loop but evaluates DescriptionFunc and
// OptionsFunc in other goroutines, which read the same variables (get).
func bind[T any](s *ticketState, p *T) huh.Accessor[T] { return lockedValue[T]{&s.vmu, p} }

func get[T any](s *ticketState, p *T) T {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	return *p
}

type lockedValue[T any] struct {
	mu *sync.Mutex
	p  *T
}

func (a lockedValue[T]) Get() T {
	a.mu.Lock()
	defer a.mu.Unlock()
	return *a.p
}

func (a lockedValue[T]) Set(v T) {
	a.mu.Lock()
	defer a.mu.Unlock()
	*a.p = v
}

// confirmField is huh's Confirm with its key help in the person's
// language: huh rewrites the help of Yes to "y" on every drawing, while
// "o" (oui) works too and is what a French speaker looks for.
type confirmField struct {
	*huh.Confirm
	msg messages
}

func (c *confirmField) KeyBinds() []key.Binding {
	binds := c.Confirm.KeyBinds()
	if n := len(binds); n >= 2 {
		binds[n-2].SetHelp(c.msg.t("form.key.yes_key"), c.msg.t("form.yes"))
		binds[n-1].SetHelp("n", c.msg.t("form.no"))
	}
	return binds
}

// Update keeps the wrapper in the group: huh stores what Update returns.
func (c *confirmField) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := c.Confirm.Update(msg)
	return c, cmd
}

// ticketForm draws the form of the procedure (ticketFields) over s, a page
// per group. It returns the field keys in the order huh visits them, to
// tell which were reached.
func (h *Huh) ticketForm(s *ticketState) (*huh.Form, []string) {
	editor := h.editor()
	fields := s.ticketFields(editorName(editor))
	var groups []*huh.Group
	var order []string
	for i := 0; i < len(fields); {
		page, when := fields[i].page, fields[i].when
		var drawn []huh.Field
		for ; i < len(fields) && fields[i].page == page; i++ {
			f := &fields[i]
			order = append(order, f.key)
			// What the reporter's profile says is not asked (TicketRequest.Known).
			if s.ask(f.gate) {
				drawn = append(drawn, h.field(s, f, editor))
			}
		}
		if len(drawn) == 0 {
			continue
		}
		g := huh.NewGroup(drawn...)
		if when != nil {
			g = g.WithHideFunc(func() bool { return !when() })
		}
		groups = append(groups, g)
	}
	return h.newForm(groups...), order
}

// field draws one field of the table.
func (h *Huh) field(s *ticketState, f *formField, editor []string) huh.Field {
	desc := func() string {
		var v string
		if f.value != nil {
			v = get(s, f.value)
		}
		return f.description(false, v)
	}
	switch f.kind {
	case kindText:
		return huh.NewText().Key(f.key).Title(f.title).Accessor(bind(s, f.value)).
			Validate(f.check).Lines(8).CharLimit(f.max).
			ExternalEditor(true).Editor(editor...).EditorExtension("txt").
			DescriptionFunc(desc, f.follows)
	case kindSelect:
		sel := huh.NewSelect[string]().Key(f.key).Title(f.title)
		// Options before the value, so that a pre-filled one is the one shown.
		if f.dynamicOptions {
			sel = sel.OptionsFunc(func() []huh.Option[string] { return huhOptions(f.options()) }, f.follows)
		} else {
			sel = sel.Options(huhOptions(f.options())...)
		}
		sel = sel.Accessor(bind(s, f.value)).Validate(f.check)
		if f.follows == nil {
			return sel.Description(desc())
		}
		return sel.DescriptionFunc(desc, f.follows)
	case kindMulti:
		return huh.NewMultiSelect[string]().Key(f.key).Title(f.title).
			Options(huhOptions(f.options())...).Accessor(bind(s, f.values)).Filterable(false).
			Validate(f.checks).Description(desc())
	}
	return huh.NewInput().Key(f.key).Title(f.title).Accessor(bind(s, f.value)).Validate(f.check).
		DescriptionFunc(desc, f.follows)
}

func huhOptions(cs []choice) []huh.Option[string] {
	opts := make([]huh.Option[string], 0, len(cs))
	for _, c := range cs {
		opts = append(opts, huh.NewOption(c.label, c.value))
	}
	return opts
}

// attachForm asks for one more file; an empty answer ends the attachments.
func (h *Huh) attachForm(s *ticketState, path *string) *huh.Form {
	m := h.msg
	lim := s.limits()
	in := huh.NewInput().Key("attachments").Title(m.t("form.attach.title")).Accessor(bind(s, path)).
		Validate(func(v string) error {
			if strings.TrimSpace(v) == "" {
				return nil
			}
			_, err := s.inspectAttachment(v)
			return err
		}).
		DescriptionFunc(func() string {
			return describe(m.t("form.attach.desc", "max", humanLimit(m.lang, lim.MaxFileSize)), s.attachedList(), s.attachHint(get(s, path)))
		}, path)
	return h.newForm(huh.NewGroup(in))
}

func (h *Huh) newForm(groups ...*huh.Group) *huh.Form {
	theme := huh.ThemeCharm()
	if os.Getenv("NO_COLOR") != "" {
		theme = huh.ThemeBase()
	}
	f := huh.NewForm(groups...).WithKeyMap(keyMap(h.msg)).WithTheme(theme).WithShowHelp(true).
		WithOutput(h.opts.Out)
	// huh sizes a page once, from its first drawing: the hints and errors
	// that descriptions gain as the person types would then push the
	// field being typed out of sight. A fixed height leaves them room.
	height := formHeight
	if file, ok := h.opts.Out.(term.File); ok && term.IsTerminal(file.Fd()) {
		if _, rows, err := term.GetSize(file.Fd()); err == nil && rows > 0 {
			height = max(min(rows-2, formHeight), 12)
		}
	} else {
		// Without a terminal no size ever comes, and huh then does not wrap
		// long lines: give it the classic 80 columns.
		f = f.WithWidth(80)
	}
	return f.WithHeight(height)
}

// formHeight is the most lines a page of the form takes: enough for the
// first page (four fields) with a hint under each.
const formHeight = 34

// run runs a form until it is submitted; every way out that is not a
// submission (Ctrl-C, Esc, a SIGTERM, a closed terminal) is ErrCancelled.
func (h *Huh) run(ctx context.Context, f *huh.Form) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// A closed terminal sends SIGHUP, whose default is to kill us with the
	// typed fields; catch it and end the form like a cancel instead.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		select {
		case <-hup:
			cancel()
		case <-ctx.Done():
		}
	}()

	if h.opts.In != nil {
		in := h.opts.In
		// A terminal is passed as is: bubbletea needs its file to switch it
		// to raw mode, and can stop reading it cleanly between two forms.
		// Anything else goes through the pump, which bubbletea cannot stop:
		// without it, the form that ended would swallow the next keys.
		if file, ok := in.(term.File); !ok || !term.IsTerminal(file.Fd()) {
			v := h.pumpView(cancel)
			defer v.close()
			in = v
		}
		f = f.WithInput(in)
	}

	err := f.RunWithContext(ctx)
	switch {
	case err == nil && f.State == huh.StateCompleted:
		return nil
	case err == nil, errors.Is(err, huh.ErrUserAborted), errors.Is(err, huh.ErrTimeout), ctx.Err() != nil:
		return ErrCancelled
	}
	return fmt.Errorf("form: %w", err)
}

// pickLang returns the first language given, French by default.
func pickLang(langs ...string) string {
	for _, l := range langs {
		switch l {
		case locale.EN, locale.FR:
			return l
		}
	}
	return locale.FR
}

// pumpInput starts the one goroutine that reads a non-terminal In, for
// the life of the prompter; each form reads it through a view.
func (h *Huh) pumpInput() {
	h.pumpOnce.Do(func() {
		h.pump = make(chan []byte)
		go func() {
			defer close(h.pump)
			for {
				buf := make([]byte, 256)
				n, err := h.opts.In.Read(buf)
				if n > 0 {
					h.pump <- buf[:n]
				}
				if err != nil {
					return
				}
			}
		}()
	})
}

// pumpView is one form's reader of the pump. Once closed it returns EOF
// without taking anything, so what is typed next goes to the next form.
// At the real end of In (a closed terminal) it calls eof.
type pumpView struct {
	pump <-chan []byte
	done chan struct{}
	once sync.Once
	rest []byte
	eof  func()
}

func (h *Huh) pumpView(eof func()) *pumpView {
	h.pumpInput()
	return &pumpView{pump: h.pump, done: make(chan struct{}), eof: eof}
}

func (v *pumpView) close() { v.once.Do(func() { close(v.done) }) }

func (v *pumpView) Read(p []byte) (int, error) {
	if len(v.rest) == 0 {
		select {
		case b, ok := <-v.pump:
			if !ok {
				v.eof()
				return 0, io.EOF
			}
			v.rest = b
		case <-v.done:
			return 0, io.EOF
		}
	}
	n := copy(p, v.rest)
	v.rest = v.rest[n:]
	return n, nil
}

// reachedUntil tells which fields a run of the ticket form got to: all of
// them when it was submitted, else those before the focused field, and the
// focused one itself when it is typed text (a select's highlighted option
// is not a choice).
func reachedUntil(f *huh.Form, order []string, completed bool) func(string) bool {
	if completed {
		return reachedAll
	}
	focused := f.GetFocusedField()
	idx := -1
	for i, k := range order {
		if focused != nil && k == focused.GetKey() {
			idx = i
		}
	}
	_, isText := focused.(*huh.Input)
	if _, ok := focused.(*huh.Text); ok {
		isText = true
	}
	return func(field string) bool {
		for i, k := range order {
			if k == field {
				return i < idx || i == idx && isText
			}
		}
		return false
	}
}

func (h *Huh) editor() []string {
	if e := strings.Fields(h.opts.Editor); len(e) > 0 {
		return e
	}
	for _, v := range []string{"VISUAL", "EDITOR"} {
		if e := strings.Fields(os.Getenv(v)); len(e) > 0 {
			return e
		}
	}
	// huh would start nano everywhere; Windows has notepad, not nano.
	if runtime.GOOS == "windows" {
		return []string{"notepad"}
	}
	return []string{"nano"}
}

func editorName(cmd []string) string {
	n := filepath.Base(cmd[0])
	return strings.TrimSuffix(n, filepath.Ext(n))
}

func humanLimit(lang string, n int64) string {
	if n <= 0 {
		return "?"
	}
	return locale.Size(lang, n)
}
