// Package list is `ent-support list`: the tickets visible to the caller,
// as a table on a terminal and as stable tab-separated lines otherwise.
package list

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// ListOptions is everything `list` works from.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Lang     string
	Location *time.Location
	Tickets  func() (support.Tickets, error)
	// Identity says whether the caller is staff (their columns); nil:
	// never asked.
	Identity func() (support.Identity, error)
	Embedded func() bool
	Ctx      context.Context

	Status   []string
	Priority []string
	UAI      string
	Mine     bool
	Since    string
	Limit    int
	Sort     string
	Assignee string
	JSON     bool
	Export   cmdutil.Export
	// Web opens the page of each ticket listed (at most
	// cmdutil.MaxWebPages), with Browse.
	Web    bool
	Browse func(ctx context.Context, url string) error
}

// DefaultLimit is how many tickets `list` shows without --limit.
const DefaultLimit = 50

// MaxLimit bounds --limit: beyond, use the API's cursor directly.
const MaxLimit = 10000

// NewCmdList returns `list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Lang: f.Lang, Location: f.Location, Tickets: f.Tickets, Identity: f.Identity,
		Embedded: f.Embedded, Browse: cmdutil.Browser(f)}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   f.T("cli.list.short", nil),
		Example: f.T("cli.list.example", nil),
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.Status = support.SplitList(opts.Status)
			opts.Priority = support.SplitList(opts.Priority)
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Status, "status", nil, f.T("cli.list.flag.status", nil))
	fl.StringArrayVar(&opts.Priority, "priority", nil, f.T("cli.list.flag.priority", nil))
	fl.StringVar(&opts.UAI, "uai", "", f.T("cli.list.flag.uai", nil))
	fl.BoolVar(&opts.Mine, "mine", false, f.T("cli.list.flag.mine", nil))
	fl.StringVar(&opts.Since, "since", "", f.T("cli.list.flag.since", nil))
	fl.IntVarP(&opts.Limit, "limit", "L", DefaultLimit, f.T("cli.list.flag.limit", nil))
	fl.StringVar(&opts.Sort, "sort", "", f.T("tables.list.flag.sort", nil))
	fl.StringVar(&opts.Assignee, "assignee", "", f.T("tables.list.flag.assignee", nil))
	cmdutil.AddJSONFlags(cmd, f, "cli.list.flag.json", &opts.JSON, &opts.Export)
	fl.BoolVarP(&opts.Web, "web", "w", false, f.T("web.flag.list", map[string]string{"max": strconv.Itoa(cmdutil.MaxWebPages)}))
	cmd.MarkFlagsMutuallyExclusive("web", "json")
	cmd.MarkFlagsMutuallyExclusive("web", "jq")
	cmd.MarkFlagsMutuallyExclusive("web", "template")
	return cmd
}

// filter checks the flags and builds the filter, all problems at once.
func (opts *ListOptions) filter() (support.TicketFilter, error) {
	var (
		f    support.TicketFilter
		errs []support.FieldError
	)
	for _, s := range opts.Status {
		st, ok := support.ParseStatus(s)
		if !ok {
			errs = append(errs, support.FieldError{Field: "status", Rule: support.RuleStatus})
			continue
		}
		f.Status = append(f.Status, st)
	}
	for _, s := range opts.Priority {
		p, ok := support.ParsePriority(s)
		if !ok {
			errs = append(errs, support.FieldError{Field: "priority", Rule: support.RulePriority})
			continue
		}
		f.Priority = append(f.Priority, p)
	}
	if opts.UAI != "" {
		uai, fe := support.ParseUAI(opts.UAI)
		if fe != nil {
			fe.Field = "uai"
			errs = append(errs, *fe)
		}
		f.UAI = uai
	}
	if opts.Since != "" {
		loc := opts.Location
		if loc == nil {
			loc = time.Local
		}
		t, err := cmdutil.ParseSince(opts.Since, loc)
		if err != nil {
			errs = append(errs, support.FieldError{Field: "since", Rule: support.RuleDate})
		}
		f.Since = t
	}
	if opts.Limit < 1 || opts.Limit > MaxLimit {
		errs = append(errs, support.FieldError{Field: "limit", Rule: support.RuleLimit,
			Params: map[string]string{"min": "1", "max": strconv.Itoa(MaxLimit)}})
	}
	switch strings.ToLower(opts.Sort) {
	case "", "date":
	case "priority", "priorite", "priorité":
		f.Sort = "priority"
	case "updated", "update", "maj":
		f.Sort = support.SortUpdated
	default:
		errs = append(errs, support.FieldError{Field: "sort", Rule: support.RuleSyntax,
			Params: map[string]string{"reason": "--sort date|priority|updated"}})
	}
	if opts.Assignee != "" {
		a, fe := support.ParseAssigneeFilter(opts.Assignee)
		if fe != nil {
			errs = append(errs, *fe)
		}
		f.Assignee = a
	}
	f.Mine = opts.Mine
	if len(errs) > 0 {
		return f, support.InvalidFields(errs)
	}
	return f, nil
}

func listRun(opts *ListOptions) error {
	f, err := opts.filter()
	if err != nil {
		return err
	}
	svc, err := opts.Tickets()
	if err != nil {
		return err
	}
	ctx, cancel := cmdutil.Bounded(opts.Ctx, cmdutil.NetworkTimeout)
	defer cancel()

	// On a terminal, agents and admins get two more columns (assignee,
	// last update): who is asking is fetched alongside the list. The
	// embedded server's local admin is the person at the keyboard filing
	// for themselves: no agents' columns there.
	var staff <-chan bool
	if opts.IO.IsStdoutTTY() && !opts.JSON && !cmdutil.IsEmbedded(opts.Embedded) && opts.Identity != nil {
		ch := make(chan bool, 1)
		staff = ch
		go func() {
			id, err := opts.Identity()
			if err != nil {
				ch <- false
				return
			}
			u, err := id.Me(ctx)
			ch <- err == nil && u != nil && u.Role.IsStaff()
		}()
	}

	tickets := []support.TicketSummary{}
	for len(tickets) < opts.Limit {
		f.Limit = min(opts.Limit-len(tickets), support.MaxListLimit)
		page, err := svc.ListTickets(ctx, f)
		if err != nil {
			return err
		}
		tickets = append(tickets, page.Tickets...)
		if page.NextCursor == "" || len(page.Tickets) == 0 {
			break
		}
		f.Cursor = page.NextCursor
	}
	if len(tickets) > opts.Limit {
		tickets = tickets[:opts.Limit]
	}
	if opts.Web {
		return opts.openPages(ctx, svc, tickets)
	}
	// Tickets of the embedded server reached nobody: --json marks each
	// one, people read it on stderr, and stdout's lines keep their columns.
	if cmdutil.IsEmbedded(opts.Embedded) {
		if opts.JSON {
			local := make([]cmdutil.LocalSummary, len(tickets))
			for i, t := range tickets {
				local[i] = cmdutil.LocalSummary{TicketSummary: t, Local: true}
			}
			return opts.Export.Write(opts.IO.Out, local)
		}
		if len(tickets) > 0 {
			fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "local.list", nil))
		}
	}

	wide := false
	if staff != nil && len(tickets) > 0 {
		wide = <-staff
	}
	return cmdutil.WriteList(opts.IO, opts.Lang, cmdutil.List[support.TicketSummary]{
		Items: tickets, JSON: opts.JSON, Export: &opts.Export, EmptyKey: "cli.list.empty", TSV: WriteTSV, RawTable: true,
		Table: func(w io.Writer, ts []support.TicketSummary) error {
			return WriteTable(w, TableOptions{Lang: opts.Lang, Location: opts.Location, Width: opts.IO.TerminalWidth(),
				Color: opts.IO.ColorScheme(), Staff: wide}, ts)
		}})
}

// openPages opens the page of each ticket listed, all pages known before
// the first opens: too many tickets, or none with a page, opens nothing.
func (opts *ListOptions) openPages(ctx context.Context, svc support.Tickets, ts []support.TicketSummary) error {
	if len(ts) > cmdutil.MaxWebPages {
		return cmdutil.Usage("web.too_many", map[string]string{
			"n": strconv.Itoa(len(ts)), "max": strconv.Itoa(cmdutil.MaxWebPages)})
	}
	if len(ts) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, locale.T(opts.Lang, "cli.list.empty", nil))
		return nil
	}
	local := cmdutil.IsEmbedded(opts.Embedded)
	var urls []string
	for _, s := range ts {
		t, err := svc.GetTicket(ctx, s.Number)
		if err != nil {
			return err
		}
		url, err := cmdutil.PageURL(opts.IO, opts.Lang, local, t)
		if err != nil {
			return err
		}
		urls = append(urls, url)
	}
	for _, u := range urls {
		if err := opts.Browse(opts.Ctx, u); err != nil {
			return err
		}
	}
	return nil
}

// TableOptions say how the table is laid out.
type TableOptions struct {
	Lang     string
	Location *time.Location
	Width    int // the terminal's width; 0: unknown, nothing is cut
	Color    *iostreams.ColorScheme
	Staff    bool // agents and admins: the assignee and last update too
}

// WriteTable lays the tickets out for people: aligned columns that fit
// the terminal (the subject takes what is left), local dates, status and
// priority in colour. Every value is made safe to show by cmdutil.Table.
func WriteTable(w io.Writer, o TableOptions, ts []support.TicketSummary) error {
	loc := o.Location
	if loc == nil {
		loc = time.Local
	}
	when := func(at time.Time) string { return at.In(loc).Format("2006-01-02 15:04") }
	// NUMBER STATUS PRIORITY CREATED [UPDATED ASSIGNEE] ESTABLISHMENT SUBJECT
	header := strings.Split(locale.T(o.Lang, "cli.list.header", nil), "\t")
	if o.Staff && len(header) == 6 {
		header = append(header[:4:4], locale.T(o.Lang, "tables.list.updated", nil),
			locale.T(o.Lang, "tables.list.assignee", nil), header[4], header[5])
	}
	// Too narrow a terminal loses the creation date first, then the last
	// update: the subject and the establishment say what it is about.
	tb := &cmdutil.Table{Header: header, Width: o.Width, Flex: len(header) - 1, Shrink: len(header) - 2, Optional: []int{3}}
	if o.Staff {
		tb.Optional = []int{3, 4}
	}
	for _, t := range ts {
		est := t.Establishment.UAI
		if t.Establishment.Name != "" {
			est = t.Establishment.Name
		}
		row := []cmdutil.Cell{{Text: t.Number.String()},
			{Text: cmdutil.StatusLabel(o.Lang, t.Status), Paint: cmdutil.StatusPaint(o.Color, t.Status)},
			{Text: string(t.Priority), Paint: cmdutil.PriorityPaint(o.Color, t.Priority)},
			{Text: when(t.CreatedAt)}}
		if o.Staff {
			assignee := t.Assignee
			if assignee == "" {
				assignee = "—"
			}
			row = append(row, cmdutil.Cell{Text: when(t.UpdatedAt)}, cmdutil.Cell{Text: assignee})
		}
		tb.Rows = append(tb.Rows, append(row, cmdutil.Cell{Text: est}, cmdutil.Cell{Text: t.Subject}))
	}
	return tb.Write(w)
}

// WriteTSV writes one line per ticket for scripts: number, status,
// priority, creation time (RFC 3339, UTC), UAI, establishment, subject.
// The columns never change order; new ones are added at the end.
func WriteTSV(w io.Writer, ts []support.TicketSummary) error {
	for _, t := range ts {
		if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Number, t.Status, t.Priority,
			t.CreatedAt.UTC().Format(time.RFC3339), t.Establishment.UAI,
			cmdutil.OneLine(t.Establishment.Name), cmdutil.OneLine(t.Subject)); err != nil {
			return err
		}
	}
	return nil
}
