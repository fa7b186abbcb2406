package service

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/filecheck"
	"github.com/ent-support/ent-support/internal/mailin"
	"github.com/ent-support/ent-support/internal/notify"
	"github.com/ent-support/ent-support/internal/support"
)

// MailResult is what became of one incoming e-mail.
type MailResult = support.MailResult

var _ support.MailHandler = (*Service)(nil)

// Tickets by e-mail: the figures of the rules.
const (
	// PendingMailDays is how long an incomplete request waits for its
	// sender's answer.
	PendingMailDays = 30
	// DefaultMailReplyLimit is how many automatic answers one address
	// gets per hour at most: two robots answering each other stop there.
	DefaultMailReplyLimit = 5
)

// Audit actions of incoming mail.
const (
	AuditMailRefused = "mail.refused"
)

// mailMaxSize is the largest message taken: the operator's setting, or
// the ticket's size limit and a fifth more (an encoding in base64 makes
// files a third larger, but a request near the limit is rare and the
// server's file checks still apply).
func (s *Service) mailMaxSize() int64 {
	if s.cfg.MailMaxSize > 0 {
		return s.cfg.MailMaxSize
	}
	return s.cfg.Limits.MaxTicketSize + s.cfg.Limits.MaxTicketSize/5
}

// SetMailHost sets the host of our Message-IDs, once the server knows its
// own address (before it serves).
func (s *Service) SetMailHost(host string) {
	if host != "" {
		s.cfg.MailHost = host
	}
}

// MailMaxSize is the largest incoming message HandleMail takes.
func (s *Service) MailMaxSize() int64 { return s.mailMaxSize() }

// mailIn is one incoming message being handled.
type mailIn struct {
	m      *mailin.Message
	raw    func() ([]byte, error) // the whole message, read again from its spool when kept
	key    string
	sender string
	user   *support.User // the sender's account, when it has one
}

// HandleMail takes one raw e-mail: a request for a ticket, the answer to
// what we asked about an incomplete one, or a reply to a ticket's mail.
// See support.MailHandler for what its error means; every answer to the
// sender goes through the notifier's queue, in the transaction that
// records the message.
func (s *Service) HandleMail(ctx context.Context, raw io.Reader) (MailResult, error) {
	inbox, ok := s.store.(support.MailInbox)
	if !ok {
		return MailResult{}, errors.New("service: this store keeps no incoming mail")
	}
	max := s.mailMaxSize()
	// The message is spooled to a file, not held in memory: a 20 MiB
	// message costs the server what its parse costs (flat), and the raw
	// bytes are read again only for a request kept until it is completed.
	spool, size, err := spoolMail(raw, max)
	if spool != nil {
		defer func() { spool.Close(); os.Remove(spool.Name()) }()
	}
	if err != nil {
		return MailResult{}, err
	}
	if size > max {
		return MailResult{}, mailTooLarge(max)
	}
	m, err := mailin.Parse(io.NewSectionReader(spool, 0, size), mailin.Options{MaxSize: max, MaxFile: s.cfg.Limits.MaxFileSize})
	switch {
	case errors.Is(err, mailin.ErrTooLarge):
		return MailResult{}, mailTooLarge(max)
	case errors.Is(err, mailin.ErrNotMail):
		return MailResult{}, support.Errorf(support.EINVALID, "error.mail_not_mail", nil)
	case err != nil:
		return MailResult{}, err
	}
	defer m.Close()
	readRaw := func() ([]byte, error) { return io.ReadAll(io.NewSectionReader(spool, 0, size)) }
	in := &mailIn{m: m, raw: readRaw, sender: strings.ToLower(strings.TrimSpace(m.From.Email))}
	if m.MessageID != "" {
		in.key = "mid:" + m.MessageID
	} else {
		in.key = "sha:" + m.Hash
	}
	if rec, err := inbox.MailRecordByKey(ctx, in.key); err == nil {
		return MailResult{Result: support.MailDuplicate, Number: rec.Number}, nil
	} else if support.ErrorCode(err) != support.ENOTFOUND {
		return MailResult{}, err
	}
	res, err := s.handleMail(ctx, inbox, in)
	if e := support.AsError(err); err != nil && e.Code == support.ECONFLICT && e.Key == support.KeyMailDuplicate {
		// The same message, handled meanwhile by another delivery.
		rec, err := inbox.MailRecordByKey(ctx, in.key)
		if err != nil {
			return MailResult{}, err
		}
		return MailResult{Result: support.MailDuplicate, Number: rec.Number}, nil
	}
	return res, err
}

// spoolMail copies a message to a temporary file, stopping one byte past
// max (a size over max is then a lower bound).
func spoolMail(r io.Reader, max int64) (*os.File, int64, error) {
	f, err := os.CreateTemp("", "ent-mail-*")
	if err != nil {
		return nil, 0, err
	}
	n, err := io.Copy(f, io.LimitReader(r, max+1))
	return f, n, err
}

func mailTooLarge(max int64) error {
	return support.Errorf(support.ETOOLARGE, "error.mail_too_large", map[string]string{"max": strconv.Itoa(int(max))})
}

func (s *Service) handleMail(ctx context.Context, inbox support.MailInbox, in *mailIn) (MailResult, error) {
	rec := support.MailRecord{Key: in.key, Sender: in.sender}
	if in.sender == "" || s.ownAddress(in.sender) {
		// No one to answer, or our own mail come back (a bounce of it,
		// a forward loop): taking it would start a storm.
		rec.Result = support.MailIgnored
		return MailResult{Result: rec.Result}, inbox.RecordMail(ctx, rec, nil, nil)
	}
	if s.cfg.MailRequireAuth && !authenticated(in.m, s.cfg.MailAuthHost) {
		// A sender the MTA could not vouch for may be forged: no answer
		// (it would go to whoever was impersonated).
		s.Record(ctx, support.AuditEntry{Action: AuditMailRefused, Target: in.sender, Detail: "not authenticated (SPF/DMARC)"})
		rec.Result = support.MailRefused
		return MailResult{Result: rec.Result}, inbox.RecordMail(ctx, rec, nil, nil)
	}
	u, err := s.store.UserByEmail(ctx, in.sender)
	switch code := support.ErrorCode(err); {
	case code == support.ENOTFOUND || (err == nil && (u.Disabled || u.Role == support.RoleMailgate)):
		detail := "unknown sender"
		if err == nil {
			detail = "account disabled or not a person"
		}
		s.Record(ctx, support.AuditEntry{Action: AuditMailRefused, Target: in.sender, Detail: detail})
		return s.answer(ctx, inbox, in, support.MailRefused, "", s.procedureReply("fr", in))
	case err != nil:
		return MailResult{}, err
	}
	in.user = u
	// An answer to what we asked about an incomplete request.
	for _, id := range in.m.InReplyTo {
		if !strings.HasPrefix(id, "mail-") {
			continue
		}
		p, err := inbox.PendingByReply(ctx, id, s.cfg.Now())
		if support.ErrorCode(err) == support.ENOTFOUND {
			continue
		} else if err != nil {
			return MailResult{}, err
		}
		if p.Sender == in.sender {
			return s.mailRequest(ctx, inbox, in, p)
		}
	}
	if n, ok := s.mailTicket(in.m); ok {
		return s.mailReply(ctx, inbox, in, n)
	}
	return s.mailRequest(ctx, inbox, in, nil)
}

// ownAddress tells our own sender address.
func (s *Service) ownAddress(email string) bool {
	if s.cfg.MailFrom == "" {
		return false
	}
	a, err := mail.ParseAddress(s.cfg.MailFrom)
	return err == nil && strings.EqualFold(a.Address, email)
}

// mailTicket finds the ticket a message answers: its number in the
// subject ([CG42N1-1042]), or one of our notifications' Message-IDs in
// In-Reply-To or References. Another server's numbers do not count.
func (s *Service) mailTicket(m *mailin.Message) (support.Number, bool) {
	cands := []string{mailin.TicketNumber(m.Subject)}
	for _, id := range m.InReplyTo {
		cands = append(cands, notify.TicketOfMessageID(id, s.cfg.MailHost))
	}
	for _, c := range cands {
		if c == "" {
			continue
		}
		n, fe := support.ParseNumber(c)
		if fe == nil && strings.EqualFold(n.Prefix, s.cfg.Prefix) {
			n.Prefix = s.cfg.Prefix
			return n, true
		}
	}
	return support.Number{}, false
}

// mailFiles are the message's files as a ticket's or a comment's, and
// the problems of those that cannot be: over the file size limit (their
// content was not kept), or in a format nobody can read (Outlook's
// winmail.dat). The files are checked again like any upload.
func (s *Service) mailFiles(m *mailin.Message) ([]support.Upload, []support.FieldError) {
	var (
		out  []support.Upload
		errs []support.FieldError
	)
	for _, f := range m.Files {
		if max := s.cfg.Limits.MaxFileSize; max > 0 && f.Size > max {
			errs = append(errs, *filecheck.TooBig(filecheck.SanitizeName(f.Name), f.Size, max))
			continue
		}
		out = append(out, support.Upload{Name: f.Name, Size: f.Size, Open: f.Open})
	}
	for _, name := range m.Refused {
		errs = append(errs, support.FieldError{Field: "attachments", Rule: "mail_unreadable_part",
			Params: map[string]string{"name": filecheck.SanitizeName(name)}})
	}
	return out, errs
}

// mailReply makes a reply to a ticket's mail a comment of its sender,
// quoted text and signature removed, or the reopening of a resolved
// ticket by its reporter. Someone who may not see the ticket is told so
// and the ticket is untouched.
func (s *Service) mailReply(ctx context.Context, inbox support.MailInbox, in *mailIn, n support.Number) (MailResult, error) {
	u := in.user
	uctx := support.WithUser(ctx, u)
	t, err := s.GetTicket(uctx, n)
	if support.ErrorCode(err) == support.ENOTFOUND {
		s.Record(ctx, support.AuditEntry{ActorID: u.ID, Actor: u.Mailbox(), Action: AuditMailRefused,
			Target: n.String(), Detail: "reply to a ticket the sender may not see"})
		return s.answer(ctx, inbox, in, support.MailRefused, "", s.deniedReply(in, n))
	} else if err != nil {
		return MailResult{}, err
	}
	body := strings.TrimSpace(mailin.Reply(in.m.Text))
	files, ferrs := s.mailFiles(in.m)
	if len(ferrs) > 0 {
		// All or nothing, as a comment with files is: the sender sends
		// again without the file that cannot be taken.
		return s.answer(ctx, inbox, in, support.MailRefused, t.Number.String(),
			s.problemsReply(in, t.Number, support.InvalidFields(ferrs)))
	}
	rec := support.MailRecord{Key: in.key, Sender: in.sender, Result: support.MailComment}
	if t.Status == support.StatusResolved && !u.Role.IsStaff() {
		rec.Result = support.MailReopened
		_, err = s.Reopen(support.WithMailRecord(uctx, rec), n, body)
		if err == nil && len(files) > 0 {
			// The files come as a comment of their own: a reopening has
			// a reason, not files. Were this to fail, the reopening
			// stands and the answer says which files were not kept.
			_, err = s.AddComment(uctx, n, "", files)
		}
	} else {
		_, err = s.AddComment(support.WithMailRecord(uctx, rec), n, body, files)
	}
	switch support.ErrorCode(err) {
	case "":
		return MailResult{Result: rec.Result, Number: t.Number.String()}, nil
	case support.EINVALID, support.ECONFLICT, support.ETOOLARGE:
		if e := support.AsError(err); e.Key == support.KeyMailDuplicate {
			return MailResult{}, err
		}
		return s.answer(ctx, inbox, in, support.MailRefused, t.Number.String(), s.problemsReply(in, t.Number, err))
	}
	return MailResult{}, err
}

// mailRequest makes a request a ticket when it is complete and allowed;
// otherwise it keeps it and asks its sender, in one answer, for each
// missing or invalid field. p is the request this message completes.
func (s *Service) mailRequest(ctx context.Context, inbox support.MailInbox, in *mailIn, p *support.PendingMail) (MailResult, error) {
	req := in.m.Request()
	if req.Description == "" && len(req.Found) == 0 {
		// No label at all: the message's own words are the description.
		req.Description = strings.TrimSpace(mailin.Reply(in.m.Text))
	}
	files, ferrs := s.mailFiles(in.m)
	raw := in.raw
	if p != nil {
		var prev mailin.Request
		if err := json.Unmarshal(p.Fields, &prev); err != nil {
			return MailResult{}, err
		}
		req = mergeRequest(prev, req)
		if len(files) == 0 {
			// The files came with an earlier message, kept with the
			// request.
			prevMsg, err := mailin.Parse(bytes.NewReader(p.Raw), mailin.Options{MaxSize: s.mailMaxSize(), MaxFile: s.cfg.Limits.MaxFileSize})
			if err != nil {
				return MailResult{}, err
			}
			defer prevMsg.Close()
			// Its files that could not be taken were named in our
			// answer already: the others go with the ticket.
			files, _ = s.mailFiles(prevMsg)
			raw = func() ([]byte, error) { return p.Raw, nil }
		}
	}
	if len(ferrs) > 0 {
		return s.keepPending(ctx, inbox, in, req, raw, ferrs)
	}
	uctx := support.WithUser(ctx, in.user)
	rec := support.MailRecord{Key: in.key, Sender: in.sender, Result: support.MailTicket}
	idem := notify.MailKeyPrefix + in.m.MessageID
	if in.m.MessageID == "" {
		idem = "mail-sha:" + in.m.Hash
	}
	t, err := s.CreateTicket(support.WithMailRecord(uctx, rec), ticketInput(req, in.sender), support.CreateOptions{
		IdempotencyKey: idem, Attachments: files})
	if err == nil {
		if p != nil {
			// Done with: a failure here leaves a request that expires.
			if err := inbox.DeletePending(ctx, p.ID, s.cfg.Now()); err != nil {
				s.log.Warn("pending mail request not deleted", "error", err)
			}
		}
		if t.Replayed {
			return MailResult{Result: support.MailDuplicate, Number: t.Number.String()}, nil
		}
		return MailResult{Result: support.MailTicket, Number: t.Number.String()}, nil
	}
	e := support.AsError(err)
	if e.Code != support.EINVALID || len(e.Fields) == 0 {
		return MailResult{}, err
	}
	return s.keepPending(ctx, inbox, in, req, raw, e.Fields)
}

// keepPending keeps an incomplete request (its fields so far, and raw, the
// message with its files) and asks its sender for what fes name.
func (s *Service) keepPending(ctx context.Context, inbox support.MailInbox, in *mailIn, req mailin.Request, rawFn func() ([]byte, error), fes []support.FieldError) (MailResult, error) {
	raw, err := rawFn()
	if err != nil {
		return MailResult{}, err
	}
	fields, err := json.Marshal(req)
	if err != nil {
		return MailResult{}, err
	}
	reply := s.incompleteReply(in, req, fes)
	pending := &support.PendingMail{ReplyID: reply.MessageID, Sender: in.sender, Raw: raw, Fields: fields,
		ExpiresAt: s.cfg.Now().Add(PendingMailDays * 24 * time.Hour)}
	return s.answerPending(ctx, inbox, in, reply, pending)
}

// mergeRequest is an earlier request completed by a later message: each
// field the later one gives wins. Its subject counts only when written as
// a field: the mail's own is "Re: …" of our answer.
func mergeRequest(prev, next mailin.Request) mailin.Request {
	out := prev
	set := func(dst *string, v string) {
		if strings.TrimSpace(v) != "" {
			*dst = v
		}
	}
	set(&out.Name, next.Name)
	set(&out.Function, next.Function)
	set(&out.Phone, next.Phone)
	set(&out.Establishment, next.Establishment)
	set(&out.City, next.City)
	set(&out.UAI, next.UAI)
	set(&out.Description, next.Description)
	set(&out.Location, next.Location)
	set(&out.Priority, next.Priority)
	if next.Found["subject"] {
		set(&out.Subject, next.Subject)
	}
	if len(next.Populations) > 0 {
		out.Populations = next.Populations
	}
	if out.Found == nil {
		out.Found = map[string]bool{}
	}
	for k, v := range next.Found {
		out.Found[k] = out.Found[k] || v
	}
	return out
}

// ticketInput is a request read from a message as the fields of a create:
// the rest (name, function, phone, establishment) comes from the sender's
// account, as the form pre-fills it, through CreateTicket's own rules.
func ticketInput(r mailin.Request, sender string) support.TicketInput {
	in := support.TicketInput{
		Reporter:      support.Reporter{Name: r.Name, Function: support.Function(r.Function), Phone: r.Phone, Email: sender},
		Establishment: support.Establishment{UAI: r.UAI, Name: r.Establishment, City: r.City},
		Subject:       r.Subject, Description: r.Description, Location: r.Location, Priority: support.Priority(r.Priority),
	}
	for _, p := range r.Populations {
		in.Population = append(in.Population, support.Population(p))
	}
	return in
}

// canAnswer says whether an automatic answer may go to the message's
// sender: never to a robot (Auto-Submitted, bulk or list mail, a null
// sender), and at most MailReplyLimit per address per hour, counted in
// the database so that every server process counts the same answers.
func (s *Service) canAnswer(ctx context.Context, inbox support.MailInbox, in *mailIn) (bool, error) {
	if why := in.m.IsAutomatic(); why != "" {
		return false, nil
	}
	limit := s.cfg.MailReplyLimit
	if limit == 0 {
		limit = DefaultMailReplyLimit
	}
	n, err := inbox.CountMailReplies(ctx, in.sender, s.cfg.Now().Add(-time.Hour))
	if err != nil {
		return false, err
	}
	if n >= limit {
		s.log.Warn("no answer to incoming mail: the sender's hourly limit is reached", "sender", in.sender, "limit", limit)
		return false, nil
	}
	return true, nil
}

// answer records the message with result, and the answer to it when one
// may be sent.
func (s *Service) answer(ctx context.Context, inbox support.MailInbox, in *mailIn, result, number string, reply support.MailDelivery) (MailResult, error) {
	ok, err := s.canAnswer(ctx, inbox, in)
	if err != nil {
		return MailResult{}, err
	}
	rec := support.MailRecord{Key: in.key, Sender: in.sender, Result: result, Number: number, Replied: ok}
	var d *support.MailDelivery
	if ok {
		d = &reply
	}
	if err := inbox.RecordMail(ctx, rec, d, nil); err != nil {
		return MailResult{}, err
	}
	s.hub.notifyAll()
	return MailResult{Result: result, Number: number, Reply: ok}, nil
}

// answerPending keeps an incomplete request and asks for the rest. With
// no answer possible (a robot, a sender over the limit), nothing could
// complete it: it is not kept.
func (s *Service) answerPending(ctx context.Context, inbox support.MailInbox, in *mailIn, reply support.MailDelivery, p *support.PendingMail) (MailResult, error) {
	ok, err := s.canAnswer(ctx, inbox, in)
	if err != nil {
		return MailResult{}, err
	}
	if !ok {
		rec := support.MailRecord{Key: in.key, Sender: in.sender, Result: support.MailIgnored}
		return MailResult{Result: rec.Result}, inbox.RecordMail(ctx, rec, nil, nil)
	}
	rec := support.MailRecord{Key: in.key, Sender: in.sender, Result: support.MailPending, Replied: true}
	if err := inbox.RecordMail(ctx, rec, &reply, p); err != nil {
		return MailResult{}, err
	}
	s.hub.notifyAll()
	return MailResult{Result: support.MailPending, Reply: true}, nil
}

// replyMessageID is the Message-ID of an automatic answer: random, so
// that it cannot be guessed to complete someone else's request, and on
// our host, so that an answer to it is recognised.
func (s *Service) replyMessageID(kind string) string {
	var b [12]byte
	rand.Read(b[:])
	return "mail-" + hex.EncodeToString(b[:]) + "." + kind + "@" + s.cfg.MailHost
}

// authenticated reads the Authentication-Results the MTA of host added
// (without host, the topmost one, which the last MTA, ours, added): the
// sender's domain passed DMARC, or SPF.
func authenticated(m *mailin.Message, host string) bool {
	for i, v := range m.Headers("Authentication-Results") {
		if host == "" && i > 0 {
			break // without a name to check, only our MTA's own (topmost) is believed
		}
		id, rest, _ := strings.Cut(v, ";")
		if host != "" && !strings.EqualFold(strings.TrimSpace(id), host) {
			continue // another server's verdict, or one the sender wrote
		}
		for _, part := range strings.Split(rest, ";") {
			f := strings.Fields(strings.ToLower(part))
			if len(f) > 0 && (f[0] == "dmarc=pass" || f[0] == "spf=pass") {
				return true
			}
		}
	}
	return false
}
