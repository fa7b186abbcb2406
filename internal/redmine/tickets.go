package redmine

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ent-support/ent-support/internal/filecheck"
	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/support"
)

// Info says what the client enforces itself: Redmine announces no limits
// to non-admins, so ours (the reference server's defaults) apply, and
// there is no directory of establishments (name and city are asked).
func (c *Client) Info(context.Context) (*support.ServerInfo, error) {
	return &support.ServerInfo{Prefix: c.cfg.Prefix, Limits: support.DefaultLimits(), OpenDirectory: true,
		Version: "redmine"}, nil
}

// Me is the key's owner, with their role in the profile's project: agent
// for any role but Rapporteur (Reporter), admin for Redmine's admins. A
// Rapporteur's role is left unknown (""): a Redmine account carries no
// phone, function or establishment, so the form pre-fills from the
// profile's saved defaults instead, and never offers to save the phone to
// an account that cannot hold it. Agents' commands are refused all the
// same (they ask for staff).
func (c *Client) Me(ctx context.Context) (*support.User, error) {
	// The user comes with discovery (cached an hour with it): filing a
	// ticket asks Redmine nothing more than the upload and the create.
	cat, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	u := cat.me
	// A member with no role but Rapporteur (or none in the project) is a
	// reporter: the role must say so, never be empty.
	role := support.RoleReporter
	for _, m := range u.User.Memberships {
		if m.Project.ID != cat.projectID {
			continue
		}
		for _, r := range m.Roles {
			if !sameName(r.Name, "Rapporteur") && !sameName(r.Name, "Reporter") {
				role = support.RoleAgent
			}
		}
	}
	if u.User.Admin {
		role = support.RoleAdmin
	}
	return &support.User{ID: u.User.ID, Name: strings.TrimSpace(u.User.Firstname + " " + u.User.Lastname),
		Email: u.User.Mail, Role: role}, nil
}

// issuePath is the API path of n, whose prefix must be the profile's:
// another prefix is another system's ticket, so not found here.
func (c *Client) issuePath(n support.Number) (string, error) {
	id, err := c.nums.ID(n)
	if err != nil {
		return "", err
	}
	return "/issues/" + strconv.FormatInt(id, 10) + ".json", nil
}

// CreateTicket files a ticket as an issue of the profile's project and
// tracker, exactly once.
//
// Redmine has no idempotency key, so the ticket's key (opts.IdempotencyKey,
// kept with its draft or outbox entry) goes into the description as a
// marker line (helpdesk.Body), and helpdesk.Once searches the project for
// it before any send that may have happened already (a retry, an outbox
// entry, a resumed draft; the journal in the state directory knows which
// keys went out): a ticket whose answer was lost is found and returned
// (Replayed) instead of filed twice. Values are checked against the
// project's fields before; files are uploaded first (Redmine's upload
// tokens), then referenced by the create; and the issue Redmine answers
// is read back: a field or priority it dropped silently is an error that
// names the ticket and the field.
func (c *Client) CreateTicket(ctx context.Context, in support.TicketInput, opts support.CreateOptions) (*support.Ticket, error) {
	if err := helpdesk.CheckOnBehalf(in); err != nil {
		return nil, err
	}
	in, errs := in.Normalize()
	if len(errs) > 0 {
		return nil, support.InvalidFields(errs)
	}
	if err := checkCount(opts.Attachments); err != nil {
		return nil, err
	}
	cat, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	w, err := c.issueFor(cat, in)
	if err != nil {
		// The cached names and ids may be stale: ask Redmine again first.
		if fresh, ferr := c.rediscover(ctx); ferr != nil {
			return nil, ferr
		} else if fresh != nil {
			cat = fresh
			w, err = c.issueFor(cat, in)
		}
		if err != nil {
			return nil, err
		}
	}
	key := opts.IdempotencyKey
	if key == "" {
		var b [16]byte
		rand.Read(b[:])
		key = hex.EncodeToString(b[:])
	}
	w.Description = helpdesk.Body(in, key)
	var got *issue
	once := &helpdesk.Once{Journal: c.journal,
		Find: func(ctx context.Context, marker string) (int64, bool, error) {
			is, err := c.findMarker(ctx, marker)
			if is != nil {
				got = is
				return is.ID, true, nil
			}
			return 0, false, err
		},
		Create: func(ctx context.Context) (int64, error) {
			ups, err := c.upload(ctx, opts.Attachments)
			if err != nil {
				return 0, err
			}
			w.Uploads = ups
			var out issueAnswer
			if _, err := c.sendJSON(ctx, http.MethodPost, "/issues.json", map[string]any{"issue": w}, &out); err != nil {
				return 0, err
			}
			if out.Issue.ID <= 0 {
				return 0, c.badResponse(http.StatusCreated)
			}
			got = &out.Issue
			return out.Issue.ID, nil
		},
	}
	_, replayed, err := once.Do(ctx, key)
	if err != nil {
		return nil, err
	}
	t := c.toTicket(cat, got)
	t.Replayed = replayed
	if replayed {
		return t, nil
	}
	dropped := helpdesk.Dropped(in, t.TicketInput, c.names)
	if got.Priority.ID != w.PriorityID {
		dropped = append(dropped, helpdesk.FieldPriority)
	}
	if len(dropped) > 0 {
		return t, helpdesk.DroppedError("Redmine", t.Number, dropped, c.names)
	}
	return t, nil
}

// issueFor builds the create: values checked against the project's
// fields (helpdesk.CheckFields) and the priority found, or an error
// before anything is sent.
func (c *Client) issueFor(cat *catalog, in support.TicketInput) (*issueWrite, error) {
	values := helpdesk.Values(in)
	if fe := helpdesk.CheckFields(cat.defs, c.names, values); len(fe) > 0 {
		return nil, support.InvalidFields(fe)
	}
	w := &issueWrite{ProjectID: c.cfg.Project, TrackerID: cat.trackerID, Subject: in.Subject}
	for _, k := range c.names.Keys() {
		if vs := values[k]; len(vs) > 0 {
			var v any = vs[0]
			if helpdesk.Multiple(k) {
				v = vs
			}
			w.CustomFields = append(w.CustomFields, customValue{ID: cat.fields[k], Value: v})
		}
	}
	var ok bool
	if w.PriorityID, ok = cat.priorities[in.Priority]; !ok {
		return nil, support.Errorf(support.EINVALID, "redmine.mapping_missing",
			map[string]string{"project": c.cfg.Project, "names": c.priorityName(in.Priority)})
	}
	return w, nil
}

// checkCount applies our limits on the number and total size of files
// (each file's type and size are checked while it is uploaded).
func checkCount(files []support.Upload) error {
	lim := support.DefaultLimits()
	if len(files) > lim.MaxFiles {
		return support.InvalidFields([]support.FieldError{*filecheck.TooMany(lim.MaxFiles)})
	}
	var total int64
	for _, f := range files {
		total += f.Size
	}
	if total > lim.MaxTicketSize {
		return support.InvalidFields([]support.FieldError{*filecheck.TicketTooBig(total, lim.MaxTicketSize)})
	}
	return nil
}

// findMarker returns the project's issue whose description holds marker.
// Redmine's "contains" filter on the description finds it in one read.
func (c *Client) findMarker(ctx context.Context, marker string) (*issue, error) {
	q := url.Values{"project_id": {c.cfg.Project}, "limit": {"5"}, "sort": {"id"}}
	addFilter(q, "status_id", "*")
	addFilter(q, "description", "~", marker)
	var list issueList
	if err := c.getJSON(ctx, "/issues.json", q, &list); err != nil {
		return nil, err
	}
	for i := range list.Issues {
		// "contains" is a LIKE, blind to case and _: check the text itself.
		if strings.Contains(list.Issues[i].Description, marker) {
			return &list.Issues[i], nil
		}
	}
	return nil, nil
}

// addFilter adds one filter in Redmine's generic form.
func addFilter(q url.Values, field, op string, values ...string) {
	q.Add("f[]", field)
	q.Set("op["+field+"]", op)
	for _, v := range values {
		q.Add("v["+field+"][]", v)
	}
}

// upload sends each file to /uploads.json (raw bytes, streamed) and
// returns the tokens to reference. The type is told by the content
// (filecheck), never by the name; the size is checked against our own
// per-file limit while streaming, since Redmine's may be larger.
func (c *Client) upload(ctx context.Context, files []support.Upload) ([]uploadRef, error) {
	refs := make([]uploadRef, 0, len(files))
	for _, f := range files {
		ref, err := c.upload1(ctx, f)
		if err != nil {
			return nil, err
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

func (c *Client) upload1(ctx context.Context, f support.Upload) (uploadRef, error) {
	name := filecheck.SanitizeName(f.Name)
	unreadable := func(err error) error {
		return support.InvalidFields([]support.FieldError{{Field: "attachments", Rule: support.RuleFileUnreadable,
			Params: map[string]string{"name": name, "reason": err.Error()}}})
	}
	if f.Open == nil {
		return uploadRef{}, unreadable(fmt.Errorf("no content"))
	}
	max := int64(support.DefaultMaxFileSize)
	if f.Size > max {
		return uploadRef{}, support.InvalidFields([]support.FieldError{*filecheck.TooBig(name, f.Size, max)})
	}
	rc, err := f.Open()
	if err != nil {
		return uploadRef{}, unreadable(err)
	}
	defer rc.Close()
	head := make([]byte, 3072)
	n, err := io.ReadFull(rc, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return uploadRef{}, unreadable(err)
	}
	head = head[:n]
	if n == 0 {
		return uploadRef{}, support.InvalidFields([]support.FieldError{*filecheck.Empty(name)})
	}
	ct := filecheck.Detect(head)
	if !filecheck.Allowed(ct) {
		return uploadRef{}, support.InvalidFields([]support.FieldError{{Field: "attachments", Rule: support.RuleFileType,
			Params: map[string]string{"name": name, "detected": ct}}})
	}
	body := io.MultiReader(strings.NewReader(string(head)), io.LimitReader(rc, max-int64(n)))
	// Uploads get the time a slow school line needs: 1 s per 256 KiB more
	// than an ordinary call (sent once: the body is a stream).
	a, err := c.do(ctx, request{method: http.MethodPost, path: "/uploads.json", query: url.Values{"filename": {name}},
		timeout: helpdesk.UploadTimeout(c.cfg.Timeout, f.Size), body: func() (io.ReadCloser, string, int64, error) {
			return io.NopCloser(body), "application/octet-stream", f.Size, nil
		}})
	if err != nil {
		return uploadRef{}, err
	}
	var out struct {
		Upload struct {
			Token string `json:"token"`
		} `json:"upload"`
	}
	if err := c.decode(a, &out); err != nil || out.Upload.Token == "" {
		return uploadRef{}, c.badResponse(a.status)
	}
	return uploadRef{Token: out.Upload.Token, Filename: name, ContentType: ct}, nil
}

// ListTickets lists the project's issues of the profile's tracker that the
// key's owner may see, newest first (or most urgent first), 100 at most a
// page (Redmine's cap); the cursor is Redmine's offset.
func (c *Client) ListTickets(ctx context.Context, f support.TicketFilter) (*support.TicketPage, error) {
	cat, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	// Redmine caps a page at 100.
	limit, offset := min(cmp.Or(max(f.Limit, 0), support.DefaultListLimit), 100), 0
	if f.Cursor != "" {
		if offset, err = strconv.Atoi(f.Cursor); err != nil || offset < 0 {
			return nil, support.InvalidFields([]support.FieldError{{Field: "cursor", Rule: support.RuleSyntax}})
		}
	}
	q := url.Values{"project_id": {c.cfg.Project}, "limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(offset)}}
	addFilter(q, "tracker_id", "=", strconv.FormatInt(cat.trackerID, 10))
	if len(f.Status) == 0 {
		addFilter(q, "status_id", "*")
	} else {
		var ids []string
		for _, s := range f.Status {
			if id, ok := cat.statusIDs[s]; ok {
				ids = append(ids, strconv.FormatInt(id, 10))
			}
			if s == support.StatusClosed { // Rejeté reads as clos too
				for id, st := range cat.statuses {
					if st.IsClosed && c.ourStatus(st) == support.StatusClosed && id != cat.statusIDs[s] {
						ids = append(ids, strconv.FormatInt(id, 10))
					}
				}
			}
		}
		if len(ids) == 0 {
			return &support.TicketPage{Tickets: []support.TicketSummary{}}, nil
		}
		addFilter(q, "status_id", "=", ids...)
	}
	if len(f.Priority) > 0 {
		var ids []string
		for _, p := range f.Priority {
			if id, ok := cat.priorities[p]; ok {
				ids = append(ids, strconv.FormatInt(id, 10))
			}
		}
		if len(ids) == 0 {
			return &support.TicketPage{Tickets: []support.TicketSummary{}}, nil
		}
		addFilter(q, "priority_id", "=", ids...)
	}
	if f.UAI != "" {
		if id, ok := cat.fields[helpdesk.FieldEstablishment]; ok {
			addFilter(q, "cf_"+strconv.FormatInt(id, 10), "~", f.UAI)
		}
	}
	if f.Mine {
		addFilter(q, "author_id", "=", "me")
	}
	if !f.Since.IsZero() {
		addFilter(q, "created_on", ">=", f.Since.UTC().Format("2006-01-02T15:04:05Z"))
	}
	switch f.Assignee {
	case "":
	case support.AssigneeMe:
		addFilter(q, "assigned_to_id", "=", "me")
	case support.AssigneeNone:
		addFilter(q, "assigned_to_id", "!*")
	default:
		// Redmine's assignees are its own accounts, not e-mails.
		return nil, support.InvalidFields([]support.FieldError{{Field: "assignee", Rule: support.RuleSyntax,
			Params: map[string]string{"reason": "@me | none"}}})
	}
	switch f.Sort {
	case "priority":
		q.Set("sort", "priority:desc,id")
	case support.SortUpdated:
		q.Set("sort", "updated_on:desc,id:desc")
	default:
		q.Set("sort", "id:desc")
	}
	var list issueList
	if err := c.getJSON(ctx, "/issues.json", q, &list); err != nil {
		return nil, err
	}
	page := &support.TicketPage{Tickets: make([]support.TicketSummary, 0, len(list.Issues))}
	for i := range list.Issues {
		page.Tickets = append(page.Tickets, c.toTicket(cat, &list.Issues[i]).TicketSummary)
	}
	if next := offset + len(list.Issues); len(list.Issues) > 0 && next < list.TotalCount {
		page.NextCursor = strconv.Itoa(next)
	}
	return page, nil
}

// getIssue reads one issue of the project, with what include asks.
func (c *Client) getIssue(ctx context.Context, cat *catalog, n support.Number, include string) (*issue, error) {
	path, err := c.issuePath(n)
	if err != nil {
		return nil, err
	}
	var out issueAnswer
	notFound := support.Errorf(support.ENOTFOUND, "error.ticket_not_found",
		map[string]string{"number": c.nums.Number(n.Seq).String()})
	if err := c.getJSON(ctx, path, url.Values{"include": {include}}, &out); err != nil {
		// Another's private issue is not found either: as our server, no probing.
		if code := support.ErrorCode(err); code == support.EFORBIDDEN || code == support.ENOTFOUND {
			return nil, notFound
		}
		return nil, err
	}
	if out.Issue.Project.ID != cat.projectID {
		return nil, notFound
	}
	return &out.Issue, nil
}

// GetTicket reads an issue whole: fields, journals (history and
// comments), files.
func (c *Client) GetTicket(ctx context.Context, n support.Number) (*support.Ticket, error) {
	cat, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	is, err := c.getIssue(ctx, cat, n, "journals,attachments")
	if err != nil {
		return nil, err
	}
	t := c.toTicket(cat, is)
	// The ticket's page is Redmine's own, for whoever logs in there.
	t.URL = c.base + "/issues/" + strconv.FormatInt(int64(is.ID), 10)
	return t, nil
}

// AddComment adds a note (and files) to an issue. Like our server, a
// closed ticket takes none. Sent once: Redmine has no key to make a
// resend safe. The note's journal, read back, gives the comment its ID.
func (c *Client) AddComment(ctx context.Context, n support.Number, body string, files []support.Upload) (*support.Comment, error) {
	body, fe := support.ParseCommentBody(body, len(files) > 0)
	if fe != nil {
		return nil, support.InvalidFields([]support.FieldError{*fe})
	}
	cat, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	before, err := c.getIssue(ctx, cat, n, "journals")
	if err != nil {
		return nil, err
	}
	if c.ourStatus(before.Status) == support.StatusClosed {
		return nil, support.Errorf(support.ECONFLICT, "error.ticket_closed", map[string]string{"number": c.nums.Number(before.ID).String()})
	}
	ups, err := c.upload(ctx, files)
	if err != nil {
		return nil, err
	}
	path, _ := c.issuePath(n)
	if _, err := c.sendJSON(ctx, http.MethodPut, path, map[string]any{"issue": issueWrite{Notes: body, Uploads: ups}}, nil); err != nil {
		return nil, err
	}
	after, err := c.getIssue(ctx, cat, n, "journals,attachments")
	if err != nil {
		return nil, err
	}
	t := c.toTicket(cat, after)
	last := int64(0)
	for _, j := range before.Journals {
		last = max(last, j.ID)
	}
	for i := len(t.Comments) - 1; i >= 0; i-- {
		if cm := t.Comments[i]; cm.ID > last*eventSlots {
			return &cm, nil
		}
	}
	return nil, support.Errorf(support.EINTERNAL, "redmine.comment_lost", map[string]string{"number": t.Number.String()})
}

// OpenAttachment streams one file of the issue; the caller closes it.
func (c *Client) OpenAttachment(ctx context.Context, n support.Number, id int64) (*support.Attachment, io.ReadCloser, error) {
	cat, err := c.discover(ctx)
	if err != nil {
		return nil, nil, err
	}
	is, err := c.getIssue(ctx, cat, n, "attachments")
	if err != nil {
		return nil, nil, err
	}
	t := c.toTicket(cat, is)
	i := slices.IndexFunc(t.Attachments, func(a support.Attachment) bool { return a.ID == id })
	if i < 0 {
		return nil, nil, support.Errorf(support.ENOTFOUND, "redmine.not_found", nil)
	}
	a := t.Attachments[i]
	// Redmine's content_url uses its configured host name, which may not
	// be the address we reach it at: build the path on ours.
	u := c.base + "/attachments/download/" + strconv.FormatInt(id, 10) + "/" + url.PathEscape(a.Name)
	resp, err := c.h.Open(ctx, helpdesk.Request{Method: http.MethodGet, URL: u})
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return nil, nil, c.answerError(&answer{status: resp.StatusCode, header: resp.Header, body: body})
	}
	return &a, resp.Body, nil
}
