package rt

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"github.com/ent-support/ent-support/internal/filecheck"
	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/support"
)

// checkedFile is an attachment that passed our checks.
type checkedFile struct {
	support.Upload
	name, ctype string
}

// checkFiles applies our limits by content (RT enforces none).
func checkFiles(files []support.Upload) ([]checkedFile, error) {
	lim := support.DefaultLimits()
	var (
		errs  []support.FieldError
		out   []checkedFile
		total int64
	)
	if len(files) > lim.MaxFiles {
		return nil, support.InvalidFields([]support.FieldError{*filecheck.TooMany(lim.MaxFiles)})
	}
	for _, f := range files {
		if f.Open == nil {
			errs = append(errs, support.FieldError{Field: "attachments", Rule: support.RuleFileUnreadable,
				Params: map[string]string{"name": f.Name, "reason": "no content"}})
			continue
		}
		rc, err := f.Open()
		if err != nil {
			errs = append(errs, support.FieldError{Field: "attachments", Rule: support.RuleFileUnreadable,
				Params: map[string]string{"name": f.Name, "reason": err.Error()}})
			continue
		}
		res, fe := filecheck.Inspect(f.Name, rc, lim.MaxFileSize)
		rc.Close()
		if fe != nil {
			errs = append(errs, *fe)
			continue
		}
		total += res.Size
		out = append(out, checkedFile{Upload: f, name: res.Name, ctype: res.ContentType})
	}
	if total > lim.MaxTicketSize {
		errs = append(errs, *filecheck.TicketTooBig(total, lim.MaxTicketSize))
	}
	if len(errs) > 0 {
		return nil, support.InvalidFields(errs)
	}
	return out, nil
}

// customFields is the CustomFields object of a create or update.
func (c *Client) customFields(values map[string][]string) map[string]any {
	cf := map[string]any{}
	for _, k := range c.names.Keys() {
		vs := values[k]
		switch {
		case len(vs) == 0:
		case helpdesk.Multiple(k):
			cf[c.names[k]] = vs
		default:
			cf[c.names[k]] = vs[0]
		}
	}
	return cf
}

// CreateTicket files a ticket in the queue, exactly once: the body carries
// the marker of opts.IdempotencyKey, and a send that may have happened
// before (a retry, an outbox entry, a resumed draft) first searches for it.
// Values are checked against the queue's fields before, and the ticket is
// read back after: what RT would have dropped silently is an error here.
func (c *Client) CreateTicket(ctx context.Context, in support.TicketInput, opts support.CreateOptions) (*support.Ticket, error) {
	if err := helpdesk.CheckOnBehalf(in); err != nil {
		return nil, err
	}
	in, errs := in.Normalize()
	if len(errs) > 0 {
		return nil, support.InvalidFields(errs)
	}
	files, err := checkFiles(opts.Attachments)
	if err != nil {
		return nil, err
	}
	q, err := c.queueFields(ctx, false)
	if err != nil {
		return nil, err
	}
	values := helpdesk.Values(in)
	if fe := helpdesk.CheckFields(q.Fields, c.names, values); len(fe) > 0 {
		// The cache may be stale: ask RT again before refusing.
		if q, err = c.queueFields(ctx, true); err != nil {
			return nil, err
		}
		if fe = helpdesk.CheckFields(q.Fields, c.names, values); len(fe) > 0 {
			return nil, support.InvalidFields(fe)
		}
	}
	key := opts.IdempotencyKey
	if key == "" {
		key = newKey()
	}
	body := map[string]any{
		"Queue":   c.queue,
		"Subject": in.Subject,
		// Always: REST2 does not make the creator a requestor, and a
		// ticket without one is unreadable by its correspondent.
		// The name goes in the body's footer.
		"Requestor":    in.Reporter.Email,
		"Priority":     priorityNumber[in.Priority],
		"ContentType":  "text/plain",
		"Content":      helpdesk.Body(in, key),
		"CustomFields": c.customFields(values),
	}
	once := &helpdesk.Once{Journal: c.journal,
		Find: func(ctx context.Context, marker string) (int64, bool, error) { return c.findMarker(ctx, in, marker) },
		Create: func(ctx context.Context) (int64, error) {
			return c.create(ctx, body, files)
		},
	}
	id, replayed, err := once.Do(ctx, key)
	if err != nil {
		return nil, err
	}
	if replayed {
		// Found by its marker: the ticket as RT has it, whole.
		t, err := c.GetTicket(ctx, c.nums.Number(id))
		if err != nil {
			return nil, err
		}
		t.Replayed = true
		return t, nil
	}
	// Read back: one request for the ticket's record (its fields, subject,
	// priority), which is what RT may have dropped; the body and files
	// are ours, as sent.
	var raw rtTicket
	if err := c.get(ctx, "/ticket/"+itoa(id), nil, true, &raw); err != nil {
		if support.ErrorCode(err) != support.ENOTFOUND {
			return nil, err
		}
		// Filed for another requestor than this account, which RT's
		// rights do not let read it: the ticket exists (an error here
		// would have it filed again), as sent.
		raw = rtTicket{ID: flexID(id), Subject: in.Subject, Status: "new", Created: c.now().UTC(),
			LastUpdated: c.now().UTC()}
		for k, vs := range values {
			raw.CustomFields = append(raw.CustomFields, rtCFValue{Name: c.names[k], Values: vs})
		}
	}
	t := &support.Ticket{TicketSummary: c.summary(raw), History: []support.HistoryEntry{}, Comments: []support.Comment{},
		Attachments: []support.Attachment{}}
	t.Description, t.Reporter.Name, t.Reporter.Email = in.Description, in.Reporter.Name, in.Reporter.Email
	t.AttachmentCount = len(files)
	if dropped := helpdesk.Dropped(in, t.TicketInput, c.names); len(dropped) > 0 {
		return t, helpdesk.DroppedError("Request Tracker", t.Number, dropped, c.names)
	}
	return t, nil
}

// create sends one POST /ticket: JSON without files, a multipart form
// (JSON part + one part per file, streamed) with them.
func (c *Client) create(ctx context.Context, body map[string]any, files []checkedFile) (int64, error) {
	a, err := c.do(ctx, c.post("/ticket", body, files))
	if err != nil {
		return 0, err
	}
	var out struct {
		ID flexID `json:"id"`
	}
	if err := c.decode(a, &out); err != nil || out.ID <= 0 {
		return 0, support.Errorf(support.EINTERNAL, "error.bad_response",
			map[string]string{"server": c.base, "status": strconv.Itoa(a.status)})
	}
	return int64(out.ID), nil
}

// post is a POST of main as JSON, or, with files, as RT's multipart form;
// an upload's deadline grows with its size (1 s per 256 KiB on top of the
// client's timeout), as the native client's does.
func (c *Client) post(path string, main any, files []checkedFile) request {
	r := request{method: http.MethodPost, path: path, ticket: path != "/ticket"}
	if len(files) == 0 {
		r.json = main
		return r
	}
	var total int64
	for _, f := range files {
		total += f.Size
	}
	r.timeout = helpdesk.UploadTimeout(c.timeout, total)
	r.body = multipartBody(main, files)
	return r
}

// multipartBody streams RT's multipart create: a "JSON" field, then an
// "Attachments" part per file, each file opened only while it is written.
func multipartBody(main any, files []checkedFile) func() (io.ReadCloser, string, error) {
	return func() (io.ReadCloser, string, error) {
		j, err := json.Marshal(main)
		if err != nil {
			return nil, "", err
		}
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			pw.CloseWithError(writeParts(mw, j, files))
		}()
		return pr, mw.FormDataContentType(), nil
	}
}

func writeParts(mw *multipart.Writer, j []byte, files []checkedFile) error {
	if err := mw.WriteField("JSON", string(j)); err != nil {
		return err
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", mime.FormatMediaType("form-data",
			map[string]string{"name": "Attachments", "filename": f.name}))
		h.Set("Content-Type", f.ctype)
		w, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		rc, err := f.Open()
		if err != nil {
			return support.InvalidFields([]support.FieldError{{Field: "attachments", Rule: support.RuleFileUnreadable,
				Params: map[string]string{"name": f.name, "reason": err.Error()}}})
		}
		_, err = io.Copy(w, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return mw.Close()
}

// findMarker looks for a ticket of the queue carrying marker, among those
// with the same subject and requestor filed in the last 90 days: RT's
// full-text search is off by default, so the candidates are found by
// TicketSQL and their first message is read.
func (c *Client) findMarker(ctx context.Context, in support.TicketInput, marker string) (int64, bool, error) {
	since := c.now().AddDate(0, 0, -90).UTC().Format("2006-01-02 15:04:05")
	query := "Queue = " + quote(c.queue) + " AND Subject = " + quote(in.Subject) +
		" AND Requestor.EmailAddress = " + quote(in.Reporter.Email) + " AND Created > " + quote(since)
	var page struct {
		Items []struct {
			ID flexID `json:"id"`
		} `json:"items"`
	}
	if err := c.get(ctx, "/tickets", url.Values{"query": {query}, "orderby": {"id"}, "order": {"ASC"},
		"per_page": {"20"}}, false, &page); err != nil {
		return 0, false, err
	}
	for _, it := range page.Items {
		texts, err := c.texts(ctx, int64(it.ID))
		if err != nil {
			return 0, false, err
		}
		for _, t := range texts {
			if strings.Contains(t.Content, marker) {
				return int64(it.ID), true, nil
			}
		}
	}
	return 0, false, nil
}

// quote writes a TicketSQL string.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
