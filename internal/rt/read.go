package rt

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/support"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// newKey makes a marker key for a create that came without one.
func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type rtCFValue struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

type rtTicket struct {
	ID           flexID      `json:"id"`
	Subject      string      `json:"Subject"`
	Status       string      `json:"Status"`
	Priority     string      `json:"Priority"`
	Created      time.Time   `json:"Created"`
	LastUpdated  time.Time   `json:"LastUpdated"`
	Owner        ref         `json:"Owner"`
	Requestor    []ref       `json:"Requestor"`
	CustomFields []rtCFValue `json:"CustomFields"`
}

// rtAttachment is one MIME part RT keeps: a message's text, or a file.
type rtAttachment struct {
	ID            flexID    `json:"id"`
	Filename      string    `json:"Filename"`
	ContentType   string    `json:"ContentType"`
	ContentLength string    `json:"ContentLength"`
	TransactionID ref       `json:"TransactionId"`
	Created       time.Time `json:"Created"`
	Content       string    `json:"Content"`
}

type rtTransaction struct {
	ID       flexID    `json:"id"`
	Type     string    `json:"Type"`
	Record   string    `json:"type"` // "transaction": RT sends both keys; json matches case-blind
	Field    string    `json:"Field"`
	OldValue string    `json:"OldValue"`
	NewValue string    `json:"NewValue"`
	Created  time.Time `json:"Created"`
	Creator  ref       `json:"Creator"`
}

// summary turns RT's ticket into ours: the custom fields back into ENT
// fields, the status and priority mapped.
func (c *Client) summary(t rtTicket) support.TicketSummary {
	values := map[string][]string{}
	byName := map[string][]string{}
	for _, cf := range t.CustomFields {
		byName[strings.ToLower(cf.Name)] = cf.Values
	}
	for _, k := range c.names.Keys() {
		values[k] = byName[strings.ToLower(c.names[k])]
	}
	s := support.TicketSummary{Number: c.nums.Number(int64(t.ID)), Status: statusFromRT(t.Status),
		CreatedAt: t.Created, UpdatedAt: t.LastUpdated}
	s.Subject = t.Subject
	helpdesk.Decode(values, &s.TicketInput)
	if s.Priority == "" {
		s.Priority = priorityFromNumber(t.Priority)
	}
	if t.Owner.ID != "" && t.Owner.ID != "Nobody" {
		s.Assignee = t.Owner.ID
	}
	// RT names a requestor by its user name, which is the e-mail only for
	// accounts RT made from an e-mail; the body's footer has the e-mail.
	if len(t.Requestor) > 0 && strings.Contains(t.Requestor[0].ID, "@") {
		s.Reporter.Email = t.Requestor[0].ID
	}
	return s
}

// GetTicket reads a ticket, its history, its messages and its files, the
// four calls at once (RT spends most of each checking the token).
func (c *Client) GetTicket(ctx context.Context, n support.Number) (*support.Ticket, error) {
	t, _, err := c.load(ctx, n, nil)
	if err != nil {
		return nil, err
	}
	// The ticket's page is RT's own, for whoever logs in there.
	if id, err := c.nums.ID(n); err == nil {
		t.URL = c.base + "/Ticket/Display.html?id=" + strconv.FormatInt(id, 10)
	}
	return t, nil
}

// load returns the ticket and the events its history and comments come
// from (what follow reports). txns, when not nil, is the history already
// read (follow's poll), which is then not read again.
func (c *Client) load(ctx context.Context, n support.Number, txns []rtTransaction) (*support.Ticket, []support.Event, error) {
	path, id, err := c.ticketPath(n)
	if err != nil {
		return nil, nil, err
	}
	var (
		rt    rtTicket
		story *story
		wg    sync.WaitGroup
		errs  [2]error
	)
	wg.Add(2)
	go func() { defer wg.Done(); errs[0] = c.get(ctx, path, nil, true, &rt) }()
	go func() { defer wg.Done(); story, errs[1] = c.story(ctx, id, txns) }()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	story.requestors = rt.Requestor
	t := &support.Ticket{TicketSummary: c.summary(rt)}
	events := story.events(c, n)
	c.ownerNames(ctx, events, t.Assignee)
	for i := range events {
		if events[i].Kind == support.EventCreated {
			events[i].Message = rt.Subject // as our creation event says it
		}
	}
	t.History, t.Comments = helpdesk.Story(events)
	if first := story.first(); first != nil {
		t.Description, t.Reporter.Name, t.Reporter.Email, t.IdempotencyKey = helpdesk.ParseBody(first.Content)
		if t.Reporter.Email == "" {
			t.Reporter.Email = c.summary(rt).Reporter.Email
		}
	}
	t.Attachments = story.files()
	t.AttachmentCount = len(t.Attachments)
	return t, events, nil
}

// text is a message's body, with the transaction it belongs to.
type text struct {
	txn     int64
	Content string
}

// story is what RT keeps of a ticket's life: its transactions, the texts
// of its messages, and its files.
type story struct {
	txns       []rtTransaction
	texts      map[int64]string // by transaction
	attach     []rtAttachment
	requestors []ref
}

// story reads the three collections at once.
func (c *Client) story(ctx context.Context, id int64, txns []rtTransaction) (*story, error) {
	s := &story{texts: map[int64]string{}, txns: txns}
	var (
		wg    sync.WaitGroup
		errs  [3]error
		texts []text
	)
	wg.Add(3)
	go func() {
		defer wg.Done()
		if s.txns == nil {
			s.txns, errs[0] = c.history(ctx, id)
		}
	}()
	go func() { defer wg.Done(); texts, errs[1] = c.texts(ctx, id) }()
	go func() { defer wg.Done(); s.attach, errs[2] = c.attachments(ctx, id) }()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for _, t := range texts {
		if _, ok := s.texts[t.txn]; !ok { // the first text part of a message
			s.texts[t.txn] = t.Content
		}
	}
	return s, nil
}

func (s *story) first() *text {
	for _, t := range s.txns {
		if t.Type == "Create" {
			return &text{txn: int64(t.ID), Content: s.texts[int64(t.ID)]}
		}
	}
	return nil
}

// files are the attachments with a file name, oldest first.
func (s *story) files() []support.Attachment {
	out := []support.Attachment{}
	for _, a := range s.attach {
		if a.Filename == "" {
			continue
		}
		size, _ := strconv.ParseInt(a.ContentLength, 10, 64)
		txn, _ := strconv.ParseInt(a.TransactionID.ID, 10, 64)
		at := support.Attachment{ID: int64(a.ID), Name: a.Filename, ContentType: a.ContentType, Size: size,
			CreatedAt: a.Created}
		if txn != s.createTxn() {
			at.CommentID = txn
		}
		out = append(out, at)
	}
	return out
}

func (s *story) createTxn() int64 {
	if f := s.first(); f != nil {
		return f.txn
	}
	return 0
}

// events turns the transactions into the domain's events: creation,
// messages (RT's correspondence and comments), status, priority and owner
// changes. Other transactions (watchers, custom fields, e-mail records)
// are not the ticket's story as our events tell it.
func (s *story) events(c *Client, n support.Number) []support.Event {
	requestor := map[string]bool{}
	for _, r := range s.requestors {
		requestor[r.ID] = true
	}
	files := map[int64][]string{}
	for _, a := range s.attach {
		if a.Filename != "" {
			txn, _ := strconv.ParseInt(a.TransactionID.ID, 10, 64)
			files[txn] = append(files[txn], a.Filename)
		}
	}
	var out []support.Event
	for _, t := range s.txns {
		id := int64(t.ID)
		e := support.Event{ID: id, Ticket: c.nums.Number(n.Seq), At: t.Created, Actor: t.Creator.ID}
		switch t.Type {
		case "Create":
			e.Kind, e.To = support.EventCreated, string(support.StatusNew)
		case "Correspond", "Comment":
			e.Kind, e.CommentID, e.Attachments = support.EventComment, id, files[id]
			e.Message = strings.TrimSpace(s.texts[id])
			e.Role = support.RoleAgent
			if requestor[t.Creator.ID] {
				e.Role = support.RoleReporter
			}
		case "Status":
			e.Kind, e.From, e.To = support.EventStatus, string(statusFromRT(t.OldValue)), string(statusFromRT(t.NewValue))
		case "Set":
			switch t.Field {
			case "Priority":
				from, to := priorityFromNumber(t.OldValue), priorityFromNumber(t.NewValue)
				if from == to {
					continue
				}
				e.Kind, e.From, e.To = support.EventPriority, string(from), string(to)
			case "Owner":
				e.Kind, e.From, e.To = support.EventAssignee, owner(t.OldValue), owner(t.NewValue)
			default:
				continue
			}
		case "Give", "Take", "Steal", "Untake":
			e.Kind, e.From, e.To = support.EventAssignee, owner(t.OldValue), owner(t.NewValue)
		default:
			continue
		}
		out = append(out, e)
	}
	return out
}

// ownerNames names the owners of assignee events as the ticket names its
// owner (RT's user name): transactions give user ids. The last change
// gave the ticket its current owner, whose name the ticket has; other ids
// are asked of RT, once per client (RT lets agents read users, not
// requestors: an id it will not name stays an id).
func (c *Client) ownerNames(ctx context.Context, events []support.Event, current string) {
	name := func(v string) string {
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return v
		}
		if n, ok := c.users.Load(v); ok {
			return n.(string)
		}
		var u struct {
			Name string `json:"Name"`
		}
		n := v
		if c.get(ctx, "/user/"+v, nil, false, &u) == nil && u.Name != "" {
			n = u.Name
		}
		c.users.Store(v, n)
		return n
	}
	last := true
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Kind != support.EventAssignee {
			continue
		}
		if last && current != "" && events[i].To != "" {
			c.users.Store(events[i].To, current)
		}
		last = false
		events[i].From, events[i].To = name(events[i].From), name(events[i].To)
	}
}

// owner reads an owner change's value: a user id in transactions; the
// Nobody user (id 6 in every RT) is "".
func owner(v string) string {
	if v == "" || v == "6" || v == "Nobody" {
		return ""
	}
	return v
}

// history reads all of a ticket's transactions, oldest first.
func (c *Client) history(ctx context.Context, id int64) ([]rtTransaction, error) {
	var out []rtTransaction
	for page := 1; ; page++ {
		var p struct {
			Items []rtTransaction `json:"items"`
		}
		q := url.Values{"fields": {"Type,Created,Creator,Field,OldValue,NewValue"}, "per_page": {"100"},
			"page": {strconv.Itoa(page)}}
		if err := c.get(ctx, "/ticket/"+itoa(id)+"/history", q, true, &p); err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if len(p.Items) < 100 {
			break
		}
	}
	if len(out) == 0 {
		// Every ticket has its Create transaction: RT answers an empty
		// history for a ticket that does not exist (or that the caller
		// may not see), where follow would otherwise wait for ever.
		return nil, support.Errorf(support.ENOTFOUND, "error.ticket_not_found",
			map[string]string{"number": c.nums.Number(id).String()})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// texts reads the text/plain parts of a ticket's messages with their
// content, in one filtered call (files are not downloaded).
func (c *Client) texts(ctx context.Context, id int64) ([]text, error) {
	var out []text
	for page := 1; ; page++ {
		var p struct {
			Items []rtAttachment `json:"items"`
		}
		a, err := c.do(ctx, request{method: http.MethodPost, path: "/ticket/" + itoa(id) + "/attachments",
			query: url.Values{"fields": {"ContentType,Content,TransactionId,Filename"}, "per_page": {"100"},
				"page": {strconv.Itoa(page)}, "orderby": {"id"}, "order": {"ASC"}},
			json: []map[string]string{{"field": "ContentType", "value": "text/plain"}}, retry: true, ticket: true})
		if err != nil {
			return nil, err
		}
		if err := c.decode(a, &p); err != nil {
			return nil, err
		}
		for _, it := range p.Items {
			if it.Filename != "" {
				continue // a .txt file, not a message
			}
			txn, _ := strconv.ParseInt(it.TransactionID.ID, 10, 64)
			out = append(out, text{txn: txn, Content: it.Content})
		}
		if len(p.Items) < 100 {
			break
		}
	}
	return out, nil
}

// attachments lists a ticket's MIME parts, without their content.
func (c *Client) attachments(ctx context.Context, id int64) ([]rtAttachment, error) {
	var out []rtAttachment
	for page := 1; ; page++ {
		var p struct {
			Items []rtAttachment `json:"items"`
		}
		q := url.Values{"fields": {"Filename,ContentType,ContentLength,TransactionId,Created"}, "per_page": {"100"},
			"page": {strconv.Itoa(page)}, "orderby": {"id"}, "order": {"ASC"}}
		if err := c.get(ctx, "/ticket/"+itoa(id)+"/attachments", q, true, &p); err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if len(p.Items) < 100 {
			break
		}
	}
	return out, nil
}

// OpenAttachment returns one of the ticket's files. RT sends it base64 in
// JSON; it is decoded as it is read.
func (c *Client) OpenAttachment(ctx context.Context, n support.Number, id int64) (*support.Attachment, io.ReadCloser, error) {
	_, tid, err := c.ticketPath(n)
	if err != nil {
		return nil, nil, err
	}
	list, err := c.attachments(ctx, tid)
	if err != nil {
		return nil, nil, err
	}
	var meta *rtAttachment
	for i := range list {
		if int64(list[i].ID) == id && list[i].Filename != "" {
			meta = &list[i]
		}
	}
	if meta == nil {
		return nil, nil, support.Errorf(support.ENOTFOUND, "error.attachment_not_found", nil)
	}
	var full rtAttachment
	if err := c.get(ctx, "/attachment/"+itoa(id), nil, true, &full); err != nil {
		return nil, nil, err
	}
	size, _ := strconv.ParseInt(meta.ContentLength, 10, 64)
	at := &support.Attachment{ID: id, Name: meta.Filename, ContentType: meta.ContentType, Size: size, CreatedAt: meta.Created}
	return at, io.NopCloser(base64.NewDecoder(base64.StdEncoding, strings.NewReader(full.Content))), nil
}
