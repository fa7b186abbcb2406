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
	"strings"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
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
	Tickets  func() (support.TicketService, error)
	Prompter func() prompter.Prompter
	Ctx      context.Context

	// Flags holds what the flags gave; an empty field was not given.
	Flags           support.TicketInput
	Populations     []string
	DescriptionFile string
	Attach          []string
	FromFile        string
	NoInput         bool
	JSON            bool
	// IdempotencyKey makes a retried submission create nothing new.
	IdempotencyKey string
}

// NewCmdNew returns `new`. runF replaces the run in tests of the flags.
func NewCmdNew(f *cmdutil.Factory, runF func(*NewOptions) error) *cobra.Command {
	opts := &NewOptions{IO: f.IOStreams, Lang: f.Lang, Getenv: f.Getenv, Config: f.Config,
		Profile: f.Profile, Tickets: f.Tickets, Prompter: f.Prompter}
	var function, priority string
	cmd := &cobra.Command{
		Use:     "new",
		Short:   f.T("cli.new.short", nil),
		Long:    f.T("cli.new.long", nil),
		Example: f.T("cli.new.example", nil),
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
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
	fl.BoolVar(&opts.JSON, "json", false, f.T("cli.new.flag.json", nil))
	cmd.MarkFlagsMutuallyExclusive("description", "description-file")
	return cmd
}

// canPrompt is the rule for showing the form: standard input and standard
// error (where the form draws) are terminals, --no-input was not given, no
// CI system is driving us, nothing was read from standard input, and a
// form is available. Standard output may be redirected: `new > num.txt`
// still asks, and only the number lands in the file.
func canPrompt(opts *NewOptions) bool {
	if opts.NoInput || !opts.IO.IsStdinTTY() || !opts.IO.IsStderrTTY() {
		return false
	}
	if opts.FromFile == "-" || opts.DescriptionFile == "-" {
		return false
	}
	if ci := opts.Getenv("CI"); ci != "" && ci != "0" && ci != "false" {
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
	if opts.IdempotencyKey == "" {
		opts.IdempotencyKey = newKey()
	}

	in, paths, gatherErrs, err := gather(opts)
	if err != nil {
		return err
	}
	svc, err := opts.Tickets()
	if err != nil {
		return err
	}
	interactive := canPrompt(opts)
	info, infoErr := svc.Info(ctx)
	if infoErr != nil && (interactive || support.ErrorCode(infoErr) != support.EUNAVAILABLE) {
		return infoErr
	}
	c := &checker{lang: opts.Lang, svc: svc, info: info}
	norm, ups, errs := c.check(ctx, in, paths)
	errs = append(gatherErrs, errs...)

	if interactive {
		var p = opts.Prompter()
		req := &prompter.TicketRequest{Input: in, Attachments: paths, Problems: errs, Info: *info,
			Lookup: c.lookup, Lang: opts.Lang,
			Search: func(ctx context.Context, q string) ([]support.Establishment, error) {
				return svc.SearchEstablishments(ctx, q, 20)
			}}
		// A form that reaches the end of its input accepts what it has, so
		// the whole ticket is checked again with the flag path's code. Three
		// rounds, then the problems are reported as from a script.
		for round := 0; ; round++ {
			if err := p.FillTicket(base, req); err != nil {
				return err
			}
			ctx = bounded()
			norm, ups, errs = c.check(ctx, req.Input, req.Attachments)
			if len(errs) == 0 {
				break
			}
			if round == 2 {
				return support.InvalidFields(errs)
			}
			printProblems(opts.IO.ErrOut, opts.Lang, errs)
			req.Problems = errs
		}
		ok, err := p.Confirm(base, Summary(opts.Lang, norm, ups), locale.T(opts.Lang, "cli.new.confirm", nil))
		if err != nil {
			return err
		}
		if !ok {
			return prompter.ErrCancelled
		}
		ctx = bounded()
	} else if len(errs) > 0 {
		return support.InvalidFields(errs)
	} else if infoErr != nil {
		return infoErr
	}

	t, err := svc.CreateTicket(ctx, norm, support.CreateOptions{IdempotencyKey: opts.IdempotencyKey, Attachments: ups})
	if err != nil {
		return err
	}
	if opts.IO.IsStderrTTY() {
		fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "cli.new.created", map[string]string{"number": t.Number.String()}))
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, t)
	}
	_, err = fmt.Fprintln(opts.IO.Out, t.Number.String())
	return err
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

// gather merges the saved profile, the input file and the flags, in that
// order of precedence (flags win). Problems with the input file and the
// description file are returned as field errors, to be listed with the
// others.
func gather(opts *NewOptions) (support.TicketInput, []string, []support.FieldError, error) {
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
		d := cfg.Profile(opts.Profile()).Reporter
		overlay(&in, support.TicketInput{
			Reporter:      support.Reporter{Name: d.Name, Function: support.Function(d.Function), Phone: d.Phone, Email: d.Email},
			Establishment: support.Establishment{UAI: d.UAI, Name: d.Establishment, City: d.City},
		})
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

var errIsDir = cmdutil.ErrIsDir

// unreadable is the field error of a file we could not read (see cmdutil.Unreadable).
func unreadable(lang, field, name string, err error) *support.FieldError {
	return cmdutil.Unreadable(lang, field, name, err)
}
