package redmine

import (
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
	"time"

	"github.com/ent-support/ent-support/internal/filecheck"
	"github.com/ent-support/ent-support/internal/support"
)

// Info says what the client enforces itself: Redmine announces no limits
// to non-admins, so ours (the reference server's defaults) apply, and
// there is no directory of establishments (name and city are asked).
func (c *Client) Info(context.Context) (*support.ServerInfo, error) {
	return &support.ServerInfo{Prefix: c.cfg.Prefix, Limits: support.DefaultLimits(), OpenDirectory: true,
		Version: "redmine"}, nil
}

// SearchEstablishments: Redmine has no directory.
func (c *Client) SearchEstablishments(context.Context, string, int) ([]support.Establishment, error) {
	return nil, nil
}

// Me is the key's owner.
func (c *Client) Me(ctx context.Context) (*support.User, error) {
	var u currentUser
	if err := c.getJSON(ctx, "/users/current.json", nil, &u); err != nil {
		return nil, err
	}
	role := support.RoleReporter
	if u.User.Admin {
		role = support.RoleAdmin
	}
	return &support.User{ID: u.User.ID, Name: strings.TrimSpace(u.User.Firstname + " " + u.User.Lastname),
		Email: u.User.Mail, Role: role}, nil
}

// number shows an issue id with the profile's prefix.
func (c *Client) number(id int64) support.Number {
	return support.Number{Prefix: c.cfg.Prefix, Seq: id}
}

// issuePath checks n's prefix against the profile's: another prefix is
// another system's ticket, so not found here.
func (c *Client) issuePath(n support.Number) (string, error) {
	if n.Seq <= 0 || (n.Prefix != "" && !strings.EqualFold(n.Prefix, c.cfg.Prefix)) {
		return "", support.Errorf(support.ENOTFOUND, "redmine.not_found", nil)
	}
	return "/issues/" + strconv.FormatInt(n.Seq, 10) + ".json", nil
}

// CreateTicket files a ticket as an issue of the profile's project and
// tracker, exactly once.
//
// Redmine has no idempotency key, so the ticket's key (opts.IdempotencyKey,
// kept with its draft or outbox entry) is written into the description,
// and an issue of the project holding it is searched for before creating:
// a ticket whose answer was lost (timeout, reset, server stopped after
// committing) is then found and returned (Replayed) instead of filed
// twice. The same search runs again at once when the create itself gets
// no answer. Files are uploaded first (Redmine's upload tokens), then
// referenced by the create. The answer is read back: a custom field
// Redmine dropped silently (not enabled for the tracker) is an error that
// names it.
func (c *Client) CreateTicket(ctx context.Context, in support.TicketInput, opts support.CreateOptions) (*support.Ticket, error) {
	key := opts.IdempotencyKey
	if key == "" {
		var b [16]byte
		rand.Read(b[:])
		key = hex.EncodeToString(b[:])
	}
	cat, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	if t, err := c.findByMarker(ctx, cat, key); err != nil || t != nil {
		return t, err
	}
	w, err := c.issueFor(cat, in, key)
	if err != nil {
		return nil, err
	}
	if w.Uploads, err = c.upload(ctx, opts.Attachments); err != nil {
		return nil, err
	}
	var out issueAnswer
	if _, err := c.sendJSON(ctx, http.MethodPost, "/issues.json", map[string]any{"issue": w}, &out); err != nil {
		if support.ErrorCode(err) == support.EUNAVAILABLE && ctx.Err() == nil {
			// No answer: it may have been filed all the same.
			if t, ferr := c.findByMarker(ctx, cat, key); ferr == nil && t != nil {
				return t, nil
			}
		}
		return nil, err
	}
	t := c.toTicket(cat, &out.Issue)
	if err := c.checkCreated(cat, w, &out.Issue, len(opts.Attachments)); err != nil {
		return t, err
	}
	return t, nil
}

// issueFor builds the create, refusing before anything is sent when the
// project lacks a field or a priority the ticket needs.
func (c *Client) issueFor(cat *catalog, in support.TicketInput, key string) (*issueWrite, error) {
	var missing []string
	values := fieldValues(in)
	w := &issueWrite{ProjectID: c.cfg.Project, TrackerID: cat.trackerID, Subject: in.Subject,
		Description: description(in, key)}
	for _, k := range fieldKeys {
		id, ok := cat.fields[k]
		if !ok {
			missing = append(missing, c.fieldName(k))
			continue
		}
		w.CustomFields = append(w.CustomFields, customValue{ID: id, Value: values[k]})
	}
	if id, ok := cat.priorities[in.Priority]; ok {
		w.PriorityID = id
	} else {
		missing = append(missing, c.priorityName(in.Priority))
	}
	if len(missing) > 0 {
		return nil, support.Errorf(support.EINVALID, "redmine.mapping_missing",
			map[string]string{"project": c.cfg.Project, "names": strings.Join(missing, ", ")})
	}
	return w, nil
}

// checkCreated reads the created issue back: every field we sent must
// hold what we sent, the priority must be ours.
func (c *Client) checkCreated(cat *catalog, w *issueWrite, got *issue, files int) error {
	var dropped []string
	for _, k := range fieldKeys {
		want := w.CustomFields[slices.IndexFunc(w.CustomFields, func(v customValue) bool { return v.ID == cat.fields[k] })]
		i := slices.IndexFunc(got.CustomFields, func(v customValue) bool { return v.ID == want.ID })
		if i < 0 || !slices.Equal(got.CustomFields[i].strings(), customValue{Value: want.Value}.strings()) {
			if !(i >= 0 && isEmpty(want.Value) && len(got.CustomFields[i].strings()) == 0) {
				dropped = append(dropped, c.fieldName(k))
			}
		}
	}
	if got.Priority.ID != w.PriorityID {
		dropped = append(dropped, "priority")
	}
	if len(dropped) > 0 {
		return support.Errorf(support.EINVALID, "redmine.fields_dropped", map[string]string{
			"number": c.number(got.ID).String(), "names": strings.Join(dropped, ", ")})
	}
	return nil
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	}
	return v == nil
}

// findByMarker returns the project's issue holding key's marker, or nil.
func (c *Client) findByMarker(ctx context.Context, cat *catalog, key string) (*support.Ticket, error) {
	q := url.Values{"project_id": {c.cfg.Project}, "limit": {"2"}, "sort": {"id"}}
	addFilter(q, "status_id", "*")
	addFilter(q, "description", "~", marker(key))
	var list issueList
	if err := c.getJSON(ctx, "/issues.json", q, &list); err != nil {
		return nil, err
	}
	for i := range list.Issues {
		// "contains" is a LIKE: check the line itself.
		if strings.Contains(list.Issues[i].Description, marker(key)) {
			t := c.toTicket(cat, &list.Issues[i])
			t.Replayed = true
			return t, nil
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
	ct := filecheck.Detect(head)
	if !filecheck.Allowed(ct) {
		return uploadRef{}, support.InvalidFields([]support.FieldError{{Field: "attachments", Rule: support.RuleFileType,
			Params: map[string]string{"name": name, "detected": ct}}})
	}
	body := io.MultiReader(strings.NewReader(string(head)), io.LimitReader(rc, max-int64(n)))
	// Uploads get the time a slow school line needs: 1 s per 256 KiB more.
	uctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout+time.Duration(f.Size/(256<<10))*time.Second)
	defer cancel()
	a, err := c.do(uctx, request{method: http.MethodPost, path: "/uploads.json", query: url.Values{"filename": {name}},
		body: body, size: f.Size, contentType: "application/octet-stream"})
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
	limit := f.Limit
	if limit <= 0 {
		limit = support.DefaultListLimit
	}
	limit = min(limit, 100)
	offset := 0
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
		if id, ok := cat.fields[keyEstablishment]; ok {
			addFilter(q, "cf_"+strconv.FormatInt(id, 10), "~", f.UAI)
		}
	}
	if f.Mine {
		addFilter(q, "author_id", "=", "me")
	}
	if !f.Since.IsZero() {
		addFilter(q, "created_on", ">=", f.Since.UTC().Format("2006-01-02T15:04:05Z"))
	}
	if f.Sort == "priority" {
		q.Set("sort", "priority:desc,id")
	} else {
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
	if err := c.getJSON(ctx, path, url.Values{"include": {include}}, &out); err != nil {
		if support.ErrorCode(err) == support.EFORBIDDEN {
			// Another's private issue: as our server, no probing.
			return nil, support.Errorf(support.ENOTFOUND, "redmine.not_found", nil)
		}
		return nil, err
	}
	if out.Issue.Project.ID != cat.projectID {
		return nil, support.Errorf(support.ENOTFOUND, "redmine.not_found", nil)
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
	return c.toTicket(cat, is), nil
}

// AddComment adds a note (and files) to an issue. Like our server, a
// closed ticket takes none. Sent once: Redmine has no key to make a
// resend safe. The note's journal, read back, gives the comment its ID.
func (c *Client) AddComment(ctx context.Context, n support.Number, body string, files []support.Upload) (*support.Comment, error) {
	cat, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	before, err := c.getIssue(ctx, cat, n, "journals")
	if err != nil {
		return nil, err
	}
	if c.ourStatus(before.Status) == support.StatusClosed {
		return nil, support.Errorf(support.ECONFLICT, "error.ticket_closed", map[string]string{"number": c.number(before.ID).String()})
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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	c.setHeaders(req)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, c.transportError(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return nil, nil, c.answerError(&answer{status: resp.StatusCode, header: resp.Header, body: body})
	}
	return &a, resp.Body, nil
}
