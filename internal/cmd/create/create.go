// Package create is `ent-support new`: it files a ticket from flags, an
// input file and the saved profile, or through the interactive form, and
// prints its number.
package create

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/drafts"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/outbox"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/support"
)

// NewOptions is everything `new` works from.
type NewOptions struct {
	IO       *iostreams.IOStreams
	Lang     string
	Getenv   func(string) string
	Config   func() (*config.Config, error)
	Profile  func() string
	Tickets  func() (support.Tickets, error)
	Embedded func() bool
	Prompter func() prompter.Prompter
	Drafts   func() (*drafts.Store, error)
	Outbox   func() (*outbox.Outbox, error)
	Ctx      context.Context
	// The back end's other capabilities `new` uses (services.go): RT and
	// Redmine have no Directory nor ContactEditor, and need none.
	Info          func() (support.InfoService, error)
	Identity      func() (support.Identity, error)
	Directory     func() (support.Directory, error)
	ContactEditor func() (support.ContactEditor, error)
	// PhoneWhenOpen returns the line that ends a bloquante ticket: the
	// support phone when it is open now, else "".
	PhoneWhenOpen func(info *support.ServerInfo) string

	// Flags holds what the flags gave; an empty field was not given.
	Flags           support.TicketInput
	Populations     []string
	DescriptionFile string
	Attach          []string
	FromFile        string
	NoInput         bool
	JSON            bool
	Export          cmdutil.Export
	// SaveProfile saves the ticket's phone and e-mail to the reporter's
	// profile on the server, without asking, when they differ from it.
	SaveProfile bool
	// Resume starts from a draft: ResumeID, else the latest one.
	Resume   bool
	ResumeID string
	// IdempotencyKey makes a retried submission create nothing new. It is
	// made when the ticket is first valid, and kept with its draft or
	// outbox entry.
	IdempotencyKey string
}

// NewCmdNew returns `new`. runF replaces the run in tests of the flags.
func NewCmdNew(f *cmdutil.Factory, runF func(*NewOptions) error) *cobra.Command {
	opts := &NewOptions{IO: f.IOStreams, Lang: f.Lang, Getenv: f.Getenv, Config: f.Config,
		Profile: f.Profile, Info: f.Info, Tickets: f.Tickets, Identity: f.Identity, Directory: f.Directory,
		ContactEditor: f.ContactEditor, Embedded: f.Embedded, Prompter: f.Prompter, Drafts: f.Drafts, Outbox: f.Outbox,
		PhoneWhenOpen: f.PhoneWhenOpen}
	var function, priority string
	cmd := &cobra.Command{
		Use:     "new",
		Short:   f.T("cli.new.short", nil),
		Long:    f.T("cli.new.long", nil),
		Example: f.T("cli.new.example", nil),
		// `--resume ID`: the ID is an argument, so that `--resume` alone
		// stays a switch.
		Args: func(cmd *cobra.Command, args []string) error {
			if opts.Resume {
				return cmdutil.RangeArgs(0, 1, "ID")(cmd, args)
			}
			return cmdutil.NoArgs(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if len(args) == 1 {
				opts.ResumeID = args[0]
			}
			opts.Flags.Reporter.Function = support.Function(function)
			opts.Flags.Priority = support.Priority(priority)
			opts.Populations = support.SplitList(opts.Populations)
			if opts.FromFile == "-" && opts.DescriptionFile == "-" {
				return &cmdutil.UsageError{Key: "cli.new.stdin_twice", Cmd: cmd.CommandPath()}
			}
			if runF != nil {
				return runF(opts)
			}
			return newRun(opts)
		},
	}
	fl := cmd.Flags()
	in := &opts.Flags
	fl.StringVar(&in.Reporter.Name, "name", "", f.T("cli.new.flag.name", nil))
	fl.StringVar(&function, "function", "", f.T("cli.new.flag.function", nil))
	fl.StringVar(&in.Reporter.Phone, "phone", "", f.T("cli.new.flag.phone", nil))
	fl.StringVar(&in.Reporter.Email, "email", "", f.T("cli.new.flag.email", nil))
	fl.StringVar(&in.OnBehalfOf, "for", "", f.T("cli.new.flag.for", nil))
	fl.StringVar(&in.Establishment.UAI, "uai", "", f.T("cli.new.flag.uai", nil))
	fl.StringVar(&in.Establishment.Name, "establishment", "", f.T("cli.new.flag.establishment", nil))
	fl.StringVar(&in.Establishment.City, "city", "", f.T("cli.new.flag.city", nil))
	fl.StringVar(&in.Subject, "subject", "", f.T("cli.new.flag.subject", nil))
	fl.StringArrayVar(&opts.Populations, "population", nil, f.T("cli.new.flag.population", nil))
	fl.StringVar(&in.Description, "description", "", f.T("cli.new.flag.description", nil))
	fl.StringVar(&opts.DescriptionFile, "description-file", "", f.T("cli.new.flag.description_file", nil))
	fl.StringVar(&in.Location, "location", "", f.T("cli.new.flag.location", nil))
	fl.StringVar(&priority, "priority", "", f.T("cli.new.flag.priority", nil))
	fl.StringArrayVar(&opts.Attach, "attach", nil, f.T("cli.new.flag.attach", nil))
	fl.StringVar(&opts.FromFile, "from-file", "", f.T("cli.new.flag.from_file", nil))
	fl.BoolVar(&opts.NoInput, "no-input", false, f.T("cli.flag.no_input", nil))
	cmdutil.AddJSONFlags(cmd, f, "cli.new.flag.json", &opts.JSON, &opts.Export)
	fl.BoolVar(&opts.SaveProfile, "save-profile", false, f.T("cli.new.flag.save_profile", nil))
	fl.BoolVar(&opts.Resume, "resume", false, f.T("keep.new.flag.resume", nil))
	cmd.MarkFlagsMutuallyExclusive("description", "description-file")
	return cmd
}

// canPrompt is the rule for showing the form: the streams allow it
// (IOStreams.CanPrompt: terminals, no CI), --no-input was not given,
// nothing was read from standard input, and a form is available.
func canPrompt(opts *NewOptions) bool {
	if opts.NoInput || !opts.IO.CanPrompt() {
		return false
	}
	if opts.FromFile == "-" || opts.DescriptionFile == "-" {
		return false
	}
	return opts.Prompter != nil && opts.Prompter() != nil
}

func newRun(opts *NewOptions) error {
	base := opts.Ctx
	if base == nil {
		base = context.Background()
	}
	// The network work is bounded; the person typing is not: a long
	// description must not be cut off by a deadline. Each phase that talks
	// to the server gets its own bound.
	var cancels []context.CancelFunc
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	bounded := func() context.Context {
		ctx, cancel := context.WithTimeout(base, cmdutil.TransferTimeout)
		cancels = append(cancels, cancel)
		return ctx
	}
	ctx := bounded()

	var draft *drafts.Draft
	if opts.Resume {
		d, err := openDraft(opts)
		if err != nil {
			return err
		}
		draft = d
		if opts.IdempotencyKey == "" {
			opts.IdempotencyKey = d.IdempotencyKey
		}
		if len(d.Problems) > 0 {
			// Why the ticket came back: each field and its rule.
			fmt.Fprintln(opts.IO.SafeErrOut(), locale.T(opts.Lang, "keep.draft.problems", map[string]string{"id": d.ID}))
			for _, fe := range d.Problems {
				fmt.Fprintln(opts.IO.SafeErrOut(), "  - "+locale.Field(opts.Lang, fe))
			}
		}
	}
	k := &keeper{opts: opts, draft: draft}

	svc, err := opts.services()
	if err != nil {
		return err
	}
	interactive := canPrompt(opts)
	local := cmdutil.IsEmbedded(opts.Embedded)
	// The server's limits and who files (a reporter's profile pre-fills the
	// ticket, see prefill.go) are asked at the same time: two round trips
	// would be paid one after the other by every `new`.
	var (
		u     *support.User
		meErr error
		asked = make(chan struct{})
	)
	go func() {
		defer close(asked)
		u, meErr = svc.identity.Me(ctx)
	}()
	info, infoErr := svc.info.Info(ctx)
	<-asked
	if infoErr != nil && (interactive || support.ErrorCode(infoErr) != support.EUNAVAILABLE) {
		return infoErr
	}
	var who, me *support.User
	if infoErr == nil {
		err := meErr
		if support.ErrorCode(err) == support.EUNAUTHENTICATED {
			return err // before anyone types a ticket the server would refuse
		}
		who, me = u, reporterOf(u) // any other failure: no pre-fill, the create will tell
	}
	in, paths, gatherErrs, err := gather(opts, draft, me)
	if err != nil {
		return err
	}
	c := &checker{lang: opts.Lang, dir: svc.dir, info: info}
	norm, ups, errs := c.check(ctx, in, paths)
	errs = append(gatherErrs, errs...)

	if interactive {
		var p = opts.Prompter()
		// The form starts on what is wrong: the checks' problems, and those
		// the server gave for a resumed draft.
		probs := errs
		if draft != nil {
			probs = withProblems(errs, draft.Problems)
		}
		req := &prompter.TicketRequest{Input: in, Attachments: paths, Problems: probs, Info: *info,
			Lookup: c.lookup, Lang: opts.Lang, Search: svc.search(),
			Known: knownFields(in, me, norm.Establishment.Name != "" && !hasField(probs, "establishment.uai")),
			Mine:  c.mine(ctx, me)}
		// What the form adds to is kept as a draft whenever the ticket is
		// not filed: an interruption, "no", too many rounds, a refusal.
		typed := func() bool {
			return draft != nil || !reflect.DeepEqual(req.Input, in) || !slices.Equal(req.Attachments, paths)
		}
		// Before the first question: nobody will receive what is typed.
		if local {
			fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "local.new.notice", nil))
		}
		// A form that reaches the end of its input accepts what it has, so
		// the whole ticket is checked again with the flag path's code. Three
		// rounds, then the problems are reported as from a script.
		for round := 0; ; round++ {
			if err := p.FillTicket(base, req); err != nil {
				if typed() {
					return k.keepDraft(err, req.Input, req.Attachments)
				}
				return err
			}
			ctx = bounded()
			applyMembership(&req.Input, me)
			norm, ups, errs = c.check(ctx, req.Input, req.Attachments)
			if len(errs) == 0 {
				break
			}
			if round == 2 {
				return k.keepDraft(support.InvalidFields(errs), req.Input, req.Attachments)
			}
			printProblems(opts.IO.ErrOut, opts.Lang, errs)
			req.Problems = errs
		}
		k.validated()
		ok, err := p.Confirm(base, Summary(opts.Lang, norm, ups), locale.T(opts.Lang, "cli.new.confirm", nil))
		if err != nil {
			return k.keepDraft(err, req.Input, req.Attachments)
		}
		if !ok {
			return k.keepDraft(prompter.ErrCancelled, req.Input, req.Attachments)
		}
		in, paths = req.Input, req.Attachments
		ctx = bounded()
	} else if len(errs) > 0 {
		// A script's own mistakes stay with the script; what the server's
		// directory refused is kept, to resume with the right value.
		if c.directoryRefused || draft != nil {
			return k.keepDraft(support.InvalidFields(errs), in, paths)
		}
		return support.InvalidFields(errs)
	} else {
		k.validated()
	}
	if infoErr != nil {
		// Valid as far as can be told without the server: kept to send later.
		return k.keepOutbox(infoErr, norm, ups, paths, nil)
	}

	if opts.IO.IsStderrTTY() {
		// A help desk under load can take seconds: say what is going on.
		fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "cli.new.sending", nil))
	}
	t, err := svc.tickets.CreateTicket(ctx, norm, support.CreateOptions{IdempotencyKey: opts.IdempotencyKey,
		Attachments: cmdutil.WithProgress(opts.IO, opts.Lang, ups)})
	if err != nil {
		switch code := support.ErrorCode(err); {
		case code == support.EUNAVAILABLE, code == support.ERATELIMITED, base.Err() != nil:
			// Perhaps filed, perhaps not: the outbox replays it with the
			// same key, which files it at most once.
			return k.keepOutbox(err, norm, ups, paths, info)
		default:
			return k.keepDraft(err, in, paths)
		}
	}
	k.filed()
	if opts.IO.IsStderrTTY() {
		fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "cli.new.created", map[string]string{"number": t.Number.String()}))
	}
	if local {
		// On stderr, terminal or not: stdout keeps the number for scripts.
		fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "local.new.result", map[string]string{
			"number": t.Number.String(), "system": config.SystemFile(opts.Getenv)}))
	}
	if opts.JSON {
		err = opts.Export.Write(opts.IO.Out, cmdutil.LocalTicket{Ticket: t, Local: local})
	} else {
		_, err = fmt.Fprintln(opts.IO.Out, t.Number.String())
	}
	if err != nil {
		return err
	}
	if line := blockingPhone(opts, norm, info); line != "" {
		fmt.Fprintln(opts.IO.ErrOut, line)
	}
	saveProfile(base, opts, who, norm, interactive)
	return nil
}

func openDraft(opts *NewOptions) (*drafts.Draft, error) {
	if opts.Drafts == nil {
		return nil, support.Errorf(support.ENOTFOUND, "keep.draft.none", nil)
	}
	s, err := opts.Drafts()
	if err != nil {
		return nil, err
	}
	if opts.ResumeID != "" {
		d, err := s.Get(opts.ResumeID)
		if support.ErrorCode(err) == support.ENOTFOUND && opts.Outbox != nil {
			// Not a draft, perhaps a ticket waiting in the outbox: say so.
			if o, oerr := opts.Outbox(); oerr == nil {
				if e, gerr := o.Get(opts.ResumeID); gerr == nil {
					return nil, support.Errorf(support.ENOTFOUND, "keep.draft.in_outbox", map[string]string{"id": e.ID})
				}
			}
		}
		return d, err
	}
	return s.Latest()
}

// withProblems adds to errs those of more whose field errs does not name.
func withProblems(errs, more []support.FieldError) []support.FieldError {
	out := slices.Clone(errs)
	for _, fe := range more {
		if !hasField(errs, fe.Field) {
			out = append(out, fe)
		}
	}
	return out
}

// keeper keeps a ticket that was not filed: as a draft (to resume and
// change) or in the outbox (complete, to send as it is).
type keeper struct {
	opts  *NewOptions
	draft *drafts.Draft
}

// validated gives the ticket its Idempotency-Key the first time it is
// valid; a resumed draft already has one.
func (k *keeper) validated() {
	if k.opts.IdempotencyKey == "" {
		k.opts.IdempotencyKey = newKey()
	}
}

// keepDraft saves what was typed and returns cause with the way to resume.
// If the draft cannot be saved, that is said, and cause is returned.
func (k *keeper) keepDraft(cause error, in support.TicketInput, paths []string) error {
	lang, w := k.opts.Lang, k.opts.IO.ErrOut
	if k.opts.Drafts == nil {
		return cause
	}
	s, err := k.opts.Drafts()
	if err == nil {
		d := k.draft
		if d == nil {
			d = &drafts.Draft{}
		}
		d.Input, d.Attachments, d.IdempotencyKey = in, paths, k.opts.IdempotencyKey
		if se := support.AsError(cause); se != nil && len(se.Fields) > 0 {
			d.Problems = se.Fields // what is wrong now, shown on resume
		}
		if err = s.Save(d); err == nil {
			k.draft = d
			return &cmdutil.KeptError{Err: cause, Hint: locale.T(lang, "keep.draft.kept", map[string]string{"id": d.ID})}
		}
	}
	fmt.Fprintln(w, locale.T(lang, "keep.draft.save_failed", map[string]string{"reason": err.Error()}))
	return cause
}

// keepOutbox keeps the complete ticket, with copies of its files, to send
// later with the same key; its draft, if any, is then removed (the outbox
// holds it now). If the outbox cannot keep it, it is kept as a draft.
// A bloquante ticket kept there ends with the support phone when the
// line is open: the ENT is down and nobody has been told yet.
func (k *keeper) keepOutbox(cause error, norm support.TicketInput, ups []support.Upload, paths []string, info *support.ServerInfo) error {
	if k.opts.Outbox == nil {
		return cause
	}
	o, err := k.opts.Outbox()
	if err == nil {
		var e *outbox.Entry
		if e, err = o.Add(norm, k.opts.IdempotencyKey, ups, paths); err == nil {
			k.filed()
			hint := locale.T(k.opts.Lang, "keep.outbox.kept", map[string]string{"id": e.ID})
			if line := blockingPhone(k.opts, norm, info); line != "" {
				hint += "\n" + line
			}
			return &cmdutil.KeptError{Err: cause, Hint: hint}
		}
	}
	fmt.Fprintln(k.opts.IO.ErrOut, locale.T(k.opts.Lang, "keep.outbox.add_failed", map[string]string{"reason": err.Error()}))
	return k.keepDraft(cause, norm, paths)
}

// filed removes the resumed draft: its ticket is filed (or in the outbox).
func (k *keeper) filed() {
	if k.draft == nil || k.draft.ID == "" || k.opts.Drafts == nil {
		return
	}
	if s, err := k.opts.Drafts(); err == nil {
		s.Remove(k.draft.ID)
	}
}

func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return "cli-" + hex.EncodeToString(b[:])
}

func printProblems(w io.Writer, lang string, errs []support.FieldError) {
	fmt.Fprintln(w, locale.T(lang, "error.invalid_fields", nil))
	for _, fe := range errs {
		fmt.Fprintln(w, "  - "+locale.Field(lang, fe))
	}
}

// gather merges the defaults saved in config.yaml, the reporter's account
// on the server (me, nil for staff), the draft, the input file and the
// flags, in that order of precedence (flags win); the account then sets a
// reporter's function (applyMembership). Problems with the input file and
// the description file are returned as field errors, to be listed with
// the others.
func gather(opts *NewOptions, draft *drafts.Draft, me *support.User) (support.TicketInput, []string, []support.FieldError, error) {
	var (
		in    support.TicketInput
		paths []string
		errs  []support.FieldError
	)
	if opts.Config != nil {
		cfg, err := opts.Config()
		if err != nil {
			return in, nil, nil, err
		}
		// The user's defaults, over those of the system-wide file.
		d := cfg.Effective(opts.Profile()).Reporter
		overlay(&in, support.TicketInput{
			Reporter:      support.Reporter{Name: d.Name, Function: support.Function(d.Function), Phone: d.Phone, Email: d.Email},
			Establishment: support.Establishment{UAI: d.UAI, Name: d.Establishment, City: d.City},
		})
	}
	// The reporter's profile on the server is fresher than the defaults
	// saved on this computer.
	overlay(&in, profileInput(me))
	if draft != nil {
		// A draft holds what was typed last: it wins over the profile, and
		// the file and flags given now win over it.
		overlay(&in, draft.Input)
		paths = draft.Attachments
	}
	if opts.FromFile != "" {
		data, dir, fe := readInput(opts, opts.FromFile, "from_file", maxInputFile)
		if fe != nil {
			errs = append(errs, *fe)
		} else {
			fi, ferrs := decodeInput(opts.Lang, data)
			errs = append(errs, ferrs...)
			overlay(&in, fi.Input)
			for _, p := range fi.Attachments {
				if !filepath.IsAbs(p) {
					p = filepath.Join(dir, p)
				}
				paths = append(paths, p)
			}
		}
	}
	flags := opts.Flags
	for _, p := range opts.Populations {
		flags.Population = append(flags.Population, support.Population(p))
	}
	if opts.DescriptionFile != "" {
		data, _, fe := readInput(opts, opts.DescriptionFile, "description", 4*support.DescriptionMax+1)
		if fe != nil {
			errs = append(errs, *fe)
		} else {
			flags.Description = string(data)
		}
	}
	overlay(&in, flags)
	if len(opts.Attach) > 0 {
		paths = opts.Attach // the flags replace the file's list, as for every field
	}
	applyMembership(&in, me)
	return in, paths, errs, nil
}

// overlay copies every non-empty field of src over dst.
func overlay(dst *support.TicketInput, src support.TicketInput) {
	set := func(d *string, s string) {
		if strings.TrimSpace(s) != "" {
			*d = s
		}
	}
	set(&dst.Reporter.Name, src.Reporter.Name)
	set((*string)(&dst.Reporter.Function), string(src.Reporter.Function))
	set(&dst.Reporter.Phone, src.Reporter.Phone)
	set(&dst.Reporter.Email, src.Reporter.Email)
	set(&dst.OnBehalfOf, src.OnBehalfOf)
	set(&dst.Establishment.UAI, src.Establishment.UAI)
	set(&dst.Establishment.Name, src.Establishment.Name)
	set(&dst.Establishment.City, src.Establishment.City)
	set(&dst.Subject, src.Subject)
	set(&dst.Description, src.Description)
	set(&dst.Location, src.Location)
	set((*string)(&dst.Priority), string(src.Priority))
	if len(src.Population) > 0 {
		dst.Population = src.Population
	}
}

// readInput reads a file named on the command line ("-" is standard
// input); see cmdutil.ReadInput.
func readInput(opts *NewOptions, name, field string, max int64) ([]byte, string, *support.FieldError) {
	return cmdutil.ReadInput(opts.IO.In, opts.Lang, name, field, max)
}

// blockingPhone is the support phone line to end a bloquante ticket with,
// when the line is open now; "" otherwise. info nil (the server could not
// be asked) takes the procedure's channels.
func blockingPhone(opts *NewOptions, in support.TicketInput, info *support.ServerInfo) string {
	if in.Priority != support.Bloquante || opts.PhoneWhenOpen == nil {
		return ""
	}
	return opts.PhoneWhenOpen(info)
}
