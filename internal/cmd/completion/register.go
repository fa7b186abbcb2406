package completion

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/support"
)

// Timeout bounds what one TAB waits for the server (or the keyring): past
// it, the shell gets no candidates rather than a frozen prompt.
const Timeout = 2 * time.Second

// completer is a cobra completion function (args and flags alike).
type completer = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective)

// argCompleters say, per command path (after "ent-support "), what each
// positional argument takes. A command missing from the tree is a bug
// that TestRegisterFindsEveryCommand catches.
func argCompleters(c *completers) map[string][]completer {
	number := []completer{c.tickets}
	return map[string][]completer{
		"show":        number,
		"follow":      number,
		"comment":     number,
		"reopen":      number,
		"reply":       number,
		"assign":      number,
		"attachments": number,
		"download":    number,
		"status":      {c.tickets, c.statuses},
		"priority":    {c.tickets, c.priorities},
		"drafts rm":   {c.drafts},
		"outbox rm":   {c.outbox},
		// `new --resume ID`: the ID is an argument (see create.NewCmdNew).
		"new": {c.resumeDraft},
	}
}

// flagCompleters say, per command path, what a flag's value takes.
func flagCompleters(c *completers) map[string]map[string]completer {
	return map[string]map[string]completer{
		"new": {"function": c.functions, "population": c.populations, "priority": c.priorities,
			"uai": c.establishments},
		"list": {"status": c.statuses, "priority": c.priorities, "uai": c.establishments,
			"sort": c.fixed("date", "priority", "updated"), "assignee": c.fixed("@me", "none")},
		"follow": {"until": c.statuses},
	}
}

// Register gives the tree its completions: ticket numbers (from a short
// cache, see tickets.go), statuses, priorities, functions, populations,
// drafts and outbox IDs, profiles and establishments. Every function runs
// only under `ent-support __complete`: registering costs nothing at
// start-up.
func Register(f *cmdutil.Factory, root *cobra.Command) {
	c := &completers{f: f}
	for path, fns := range argCompleters(c) {
		if cmd := find(root, path); cmd != nil {
			cmd.ValidArgsFunction = positional(fns)
		}
	}
	for path, flags := range flagCompleters(c) {
		cmd := find(root, path)
		if cmd == nil {
			continue
		}
		for name, fn := range flags {
			if cmd.Flags().Lookup(name) != nil {
				_ = cmd.RegisterFlagCompletionFunc(name, fn)
			}
		}
	}
	_ = root.RegisterFlagCompletionFunc("profile", c.profiles)
}

// find returns the command of path ("drafts rm"), or nil.
func find(root *cobra.Command, path string) *cobra.Command {
	cmd, rest, err := root.Find(strings.Fields(path))
	if err != nil || len(rest) > 0 || cmd == root {
		return nil
	}
	return cmd
}

// positional completes the i-th argument with fns[i]; nothing past them.
func positional(fns []completer) completer {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) >= len(fns) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return fns[len(args)](cmd, args, toComplete)
	}
}

// completers holds the factory; each method is one kind of value.
type completers struct {
	f *cmdutil.Factory
}

const noFiles = cobra.ShellCompDirectiveNoFileComp

// quiet makes sure nothing the back end says (the embedded server's
// notice, a slow keyring) reaches the terminal while the shell draws.
func (c *completers) quiet() {
	c.f.IOStreams.ErrOut = io.Discard
}

func (c *completers) statuses(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	out := make([]cobra.Completion, 0, len(support.Statuses))
	for _, s := range support.Statuses {
		out = append(out, cobra.CompletionWithDesc(string(s), c.f.T("cli.status."+string(s), nil)))
	}
	return out, noFiles | cobra.ShellCompDirectiveKeepOrder
}

// fixed completes a flag whose values are a few words, each described by
// its catalog key "completion.value.<word>".
func (c *completers) fixed(values ...string) completer {
	return func(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		out := make([]cobra.Completion, 0, len(values))
		for _, v := range values {
			out = append(out, cobra.CompletionWithDesc(v, c.f.T("completion.value."+v, nil)))
		}
		return out, noFiles | cobra.ShellCompDirectiveKeepOrder
	}
}

func (c *completers) priorities(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	out := make([]cobra.Completion, 0, len(support.Priorities))
	for _, p := range support.Priorities {
		out = append(out, cobra.CompletionWithDesc(string(p), c.f.T("form.priority."+string(p), nil)))
	}
	return out, noFiles | cobra.ShellCompDirectiveKeepOrder
}

func (c *completers) functions(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	out := make([]cobra.Completion, 0, len(support.Functions))
	for _, fn := range support.Functions {
		out = append(out, cobra.CompletionWithDesc(string(fn), c.f.T("cli.function."+string(fn), nil)))
	}
	return out, noFiles | cobra.ShellCompDirectiveKeepOrder
}

// populations completes one population; after a comma
// (--population eleves,pa…), the next one of the list.
func (c *completers) populations(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	head := ""
	if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
		head = toComplete[:i+1]
	}
	out := make([]cobra.Completion, 0, len(support.Populations))
	for _, p := range support.Populations {
		if strings.Contains(","+head, ","+string(p)+",") {
			continue
		}
		out = append(out, cobra.CompletionWithDesc(head+string(p), c.f.T("cli.population."+string(p), nil)))
	}
	return out, noFiles | cobra.ShellCompDirectiveKeepOrder
}

// profiles are the profiles of the user's and the system-wide files.
func (c *completers) profiles(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cfg, err := c.f.Config()
	if err != nil {
		return nil, noFiles
	}
	var out []cobra.Completion
	for _, name := range cfg.AllProfileNames() {
		desc := ""
		if p := cfg.Effective(name); p != nil && p.Server != "" {
			desc = p.Server
		}
		out = append(out, cobra.CompletionWithDesc(name, oneLine(desc)))
	}
	return out, noFiles
}

// drafts are the drafts of the profile in force, newest first, with their
// subject.
func (c *completers) drafts(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	s, err := c.f.Drafts()
	if err != nil {
		return nil, noFiles
	}
	ds, err := s.List()
	if err != nil {
		return nil, noFiles
	}
	out := make([]cobra.Completion, 0, len(ds))
	for _, d := range ds {
		out = append(out, cobra.CompletionWithDesc(d.ID, c.subject(d.Input.Subject)))
	}
	return out, noFiles | cobra.ShellCompDirectiveKeepOrder
}

// resumeDraft completes `new --resume ID`; plain `new` takes no argument.
func (c *completers) resumeDraft(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if resume, _ := cmd.Flags().GetBool("resume"); !resume || len(args) > 0 {
		return nil, noFiles
	}
	return c.drafts(cmd, args, toComplete)
}

// outbox are the entries waiting to be sent, oldest first.
func (c *completers) outbox(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	o, err := c.f.Outbox()
	if err != nil {
		return nil, noFiles
	}
	es, err := o.List()
	if err != nil {
		return nil, noFiles
	}
	out := make([]cobra.Completion, 0, len(es))
	for _, e := range es {
		out = append(out, cobra.CompletionWithDesc(e.ID, c.subject(e.Input.Subject)))
	}
	return out, noFiles | cobra.ShellCompDirectiveKeepOrder
}

// establishments completes --uai from the server's directory: what was
// typed is searched in names, towns and codes (`--uai pilat`), and each
// establishment found is offered as its UAI, its name and town beside.
func (c *completers) establishments(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	q := strings.TrimSpace(toComplete)
	if len([]rune(q)) < 2 {
		return nil, noFiles
	}
	var found []support.Establishment
	c.within(func(ctx context.Context) error {
		if !c.backendReady() {
			return nil
		}
		dir, err := c.f.Directory()
		if cmdutil.IsUnsupported(err) {
			return nil // no directory (RT, Redmine): nothing to offer
		}
		if err != nil {
			return err
		}
		found, err = dir.SearchEstablishments(ctx, q, 20)
		return err
	})
	out := make([]cobra.Completion, 0, len(found))
	for _, e := range found {
		desc := e.Name
		if e.City != "" {
			desc += " (" + e.City + ")"
		}
		out = append(out, cobra.CompletionWithDesc(e.UAI, oneLine(desc)))
	}
	return out, noFiles | cobra.ShellCompDirectiveKeepOrder
}

// within runs fn with a context of Timeout, and gives up waiting for it
// at the deadline even when fn does not watch its context (a keyring
// call): a TAB never hangs. Errors are dropped: a shell has nowhere to
// show them.
func (c *completers) within(fn func(ctx context.Context) error) {
	c.quiet()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = fn(ctx)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// backendReady is false in the embedded mode before its database exists:
// a TAB must not create one (nor an admin).
func (c *completers) backendReady() bool {
	r, err := c.f.Server()
	if err != nil {
		return false
	}
	if r.Server != "" || (r.Backend.Kind != "" && r.Backend.Kind != config.KindNative) {
		return true
	}
	return config.EmbeddedDBExists(c.f.Getenv)
}

// subject is a ticket's subject made safe for one line of a shell's list.
func (c *completers) subject(s string) string {
	if strings.TrimSpace(s) == "" {
		return c.f.T("completion.no_subject", nil)
	}
	return oneLine(s)
}

// oneLine makes server text safe for a shell's list: controls visible,
// no tab or line break (they end a candidate), at most 80 characters.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(iostreams.Sanitize(s)), " ")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:79]) + "…"
	}
	return s
}
