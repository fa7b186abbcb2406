package prompter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ent-support/ent-support/internal/filecheck"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// messages gives the form's texts in one language.
type messages struct{ lang string }

func (m messages) t(key string, kv ...string) string {
	var params map[string]string
	if len(kv) > 0 {
		params = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			params[kv[i]] = kv[i+1]
		}
	}
	return locale.T(m.lang, key, params)
}

// rule turns a field error into the error a field shows, in the person's
// language, with the same text the flag path prints.
func (m messages) rule(fe *support.FieldError) error {
	if fe == nil {
		return nil
	}
	return errors.New(locale.Rule(m.lang, *fe))
}

// Field keys, in the order of the procedure. They name the fields of the
// form (huh keys) and decide which typed values a cancelled form keeps.
const (
	fName        = "reporter.name"
	fFunction    = "reporter.function"
	fPhone       = "reporter.phone"
	fEmail       = "reporter.email"
	fUAI         = "establishment.uai"
	fPick        = "establishment.pick"
	fEstName     = "establishment.name"
	fEstCity     = "establishment.city"
	fSubject     = "subject"
	fPopulation  = "population"
	fDescription = "description"
	fLocation    = "location"
	fPriority    = "priority"
)

// otherFunction is the "Autre" choice of the function select: it exists so
// that someone who may not contact support learns why, rather than picking
// a function that is not theirs.
const otherFunction = "autre"

// ticketState holds what the form edits, as typed. Both modes (huh and
// accessible) bind to it, so the checks and what a cancelled form keeps are
// the same in both.
type ticketState struct {
	ctx  context.Context
	req  *TicketRequest
	msg  messages
	orig support.TicketInput // to tell a pre-filled value from a typed one

	name, function, phone, email string
	uai, pick, estName, estCity  string
	subject                      string
	population                   []string
	description, location        string
	priority                     string

	attachments []attachment

	// vmu guards the values above, the attachments and req.Problems: huh
	// reads them from its commands' goroutines (see bind).
	vmu sync.Mutex

	known map[string]bool // fields the form does not ask (TicketRequest.Known)

	mu      sync.Mutex // the lookups run from huh's commands too
	lookups map[string]lookupResult
	queries map[string][]support.Establishment
}

type attachment struct {
	path string
	res  filecheck.Result
}

type lookupStatus int

const (
	lookupKnown   lookupStatus = iota
	lookupUnknown              // ENOTFOUND, or no directory at all
	lookupFailed               // the directory could not be asked
)

type lookupResult struct {
	status lookupStatus
	est    support.Establishment
}

func newTicketState(ctx context.Context, req *TicketRequest, lang string) *ticketState {
	in := req.Input
	s := &ticketState{
		ctx: ctx, req: req, msg: messages{lang}, orig: in,
		lookups: map[string]lookupResult{}, queries: map[string][]support.Establishment{},
	}
	s.known = map[string]bool{}
	for _, f := range req.Known {
		s.known[f] = true
	}
	s.name = in.Reporter.Name
	if f, ok := support.ParseFunction(string(in.Reporter.Function)); ok {
		s.function = string(f)
	}
	s.phone = in.Reporter.Phone
	if e, fe := support.ParsePhone(in.Reporter.Phone); fe == nil {
		s.phone = support.FormatPhone(e)
	}
	s.email = in.Reporter.Email
	s.uai = in.Establishment.UAI
	s.estName, s.estCity = in.Establishment.Name, in.Establishment.City
	s.subject = in.Subject
	for _, p := range in.Population {
		if v, ok := support.ParsePopulation(string(p)); ok {
			s.population = append(s.population, string(v))
		}
	}
	s.description = in.Description
	s.location = in.Location
	if p, ok := support.ParsePriority(string(in.Priority)); ok {
		s.priority = string(p)
	}
	for _, p := range req.Attachments {
		a := attachment{path: p, res: filecheck.Result{Name: filecheck.SanitizeName(p)}}
		if fi, err := os.Stat(p); err == nil {
			a.res.Size = fi.Size()
		}
		s.attachments = append(s.attachments, a)
	}
	return s
}

// --- checks: each calls the support parser the flag path uses ---

func (s *ticketState) checkName(v string) error {
	_, fe := support.ParseName(fName, v)
	return s.msg.rule(fe)
}

func (s *ticketState) checkFunction(v string) error {
	if v == otherFunction {
		return s.msg.rule(&support.FieldError{Field: fFunction, Rule: support.RuleFunction})
	}
	if _, ok := support.ParseFunction(v); !ok {
		return s.msg.rule(&support.FieldError{Field: fFunction, Rule: support.RuleRequired})
	}
	return nil
}

func (s *ticketState) checkPhone(v string) error {
	_, fe := support.ParsePhone(v)
	return s.msg.rule(fe)
}

func (s *ticketState) checkEmail(v string) error {
	_, fe := support.ParseEmail(v)
	return s.msg.rule(fe)
}

// checkUAI accepts a valid UAI the server will take, or (with a search) a
// name or city that matches at least one establishment, to pick next.
func (s *ticketState) checkUAI(v string) error {
	u, fe := support.ParseUAI(v)
	if fe == nil {
		if r := s.lookup(u); r.status == lookupUnknown && !s.req.Info.OpenDirectory && s.req.Lookup != nil {
			return s.msg.rule(&support.FieldError{Field: fUAI, Rule: support.RuleUAIUnknown})
		}
		return nil
	}
	if s.searchable(v) {
		if len(s.search(v)) > 0 {
			return nil
		}
		return errors.New(s.msg.t("form.uai.no_match", "query", strings.TrimSpace(v)))
	}
	return s.msg.rule(fe)
}

// searchable tells a name or city from a mistyped UAI: a UAI starts with
// digits, a name does not, and the key hint is worth more than a search.
func (s *ticketState) searchable(v string) bool {
	t := strings.TrimSpace(v)
	return s.req.Search != nil && utf8.RuneCountInString(t) >= 2 && !(t[0] >= '0' && t[0] <= '9')
}

func (s *ticketState) checkEstName(v string) error {
	return s.lengthCheck(support.TicketInput{Establishment: support.Establishment{Name: v}}, fEstName, v, true)
}

func (s *ticketState) checkEstCity(v string) error {
	return s.lengthCheck(support.TicketInput{Establishment: support.Establishment{City: v}}, fEstCity, v, true)
}

func (s *ticketState) checkSubject(v string) error {
	return s.lengthCheck(support.TicketInput{Subject: v}, fSubject, v, false)
}

func (s *ticketState) checkDescription(v string) error {
	return s.lengthCheck(support.TicketInput{Description: v}, fDescription, v, false)
}

// lengthCheck runs Normalize (the flag path's check) on an input holding
// only this field and keeps this field's error. Name and city are optional
// for Normalize but asked only when needed, so required here.
func (s *ticketState) lengthCheck(in support.TicketInput, field, v string, required bool) error {
	if required && strings.TrimSpace(v) == "" {
		return s.msg.rule(&support.FieldError{Field: field, Rule: support.RuleRequired})
	}
	_, errs := in.Normalize()
	for _, fe := range errs {
		if fe.Field == field {
			return s.msg.rule(&fe)
		}
	}
	return nil
}

func (s *ticketState) checkPopulation(v []string) error {
	if len(v) == 0 {
		return errors.New(s.msg.t("form.population.required"))
	}
	for _, p := range v {
		if _, ok := support.ParsePopulation(p); !ok {
			return s.msg.rule(&support.FieldError{Field: fPopulation, Rule: support.RulePopulation,
				Params: map[string]string{"value": p}})
		}
	}
	return nil
}

func (s *ticketState) checkLocation(v string) error {
	_, fe := support.ParseLocation(v)
	return s.msg.rule(fe)
}

func (s *ticketState) checkPriority(v string) error {
	if _, ok := support.ParsePriority(v); !ok {
		return s.msg.rule(&support.FieldError{Field: fPriority, Rule: support.RulePriority})
	}
	return nil
}

// --- the directory ---

func (s *ticketState) lookup(uai string) lookupResult {
	s.mu.Lock()
	r, ok := s.lookups[uai]
	s.mu.Unlock()
	if ok {
		return r
	}
	r = lookupResult{status: lookupUnknown}
	if s.req.Lookup != nil {
		est, err := s.req.Lookup(s.ctx, uai)
		switch {
		case err == nil && est != nil:
			r = lookupResult{status: lookupKnown, est: *est}
		case support.ErrorCode(err) == support.ENOTFOUND || (err == nil && est == nil):
		default:
			// Not cached: the next keystroke may find the server again.
			return lookupResult{status: lookupFailed}
		}
	}
	s.mu.Lock()
	s.lookups[uai] = r
	s.mu.Unlock()
	return r
}

// search asks the directory for a name or city; results are cached per
// query since huh evaluates descriptions, options and validators apart.
func (s *ticketState) search(q string) []support.Establishment {
	q = strings.TrimSpace(q)
	if s.req.Search == nil || q == "" {
		return nil
	}
	s.mu.Lock()
	r, ok := s.queries[q]
	s.mu.Unlock()
	if ok {
		return r
	}
	r, err := s.req.Search(s.ctx, q)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	s.queries[q] = r
	s.mu.Unlock()
	return r
}

// chosenUAI is the establishment the form ends with: the UAI typed, or the
// one picked among the matches of a name.
func (s *ticketState) chosenUAI() string {
	if u, fe := support.ParseUAI(s.uai); fe == nil {
		return u
	}
	if !s.needPick() {
		return ""
	}
	if u, fe := support.ParseUAI(s.pick); fe == nil {
		return u
	}
	return ""
}

// needPick: a name or city was typed, so the matches are offered.
func (s *ticketState) needPick() bool {
	_, fe := support.ParseUAI(s.uai)
	return fe != nil && s.searchable(s.uai)
}

// needDetails: the establishment is not in the directory and the server
// accepts it anyway, so its name and city must be asked.
func (s *ticketState) needDetails() bool {
	u := s.chosenUAI()
	return u != "" && s.req.Info.OpenDirectory && s.lookup(u).status == lookupUnknown
}

// --- live hints (huh shows errors on Enter only) ---

func (s *ticketState) problems(field string, current, initial string) string {
	if current != initial {
		return ""
	}
	s.vmu.Lock()
	probs := s.req.Problems
	s.vmu.Unlock()
	var lines []string
	for _, fe := range probs {
		if fe.Field == field && fe.Rule != support.RuleRequired {
			lines = append(lines, s.msg.t("form.problem", "message", locale.Rule(s.msg.lang, fe)))
		}
	}
	return strings.Join(lines, "\n")
}

// describe joins a field's description, its problems and a live hint.
func describe(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n")
}

func (s *ticketState) phoneHint(v string) string {
	if e, fe := support.ParsePhone(v); fe == nil {
		return s.msg.t("form.phone.ok", "phone", support.FormatPhone(e))
	}
	return ""
}

func (s *ticketState) uaiHint(v string) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	u, fe := support.ParseUAI(v)
	if fe == nil {
		r := s.lookup(u)
		switch r.status {
		case lookupKnown:
			return s.msg.t("form.uai.known", "name", r.est.Name, "city", r.est.City)
		case lookupFailed:
			return s.msg.t("form.uai.lookup_failed")
		}
		if s.req.Lookup == nil && !s.req.Info.OpenDirectory {
			return ""
		}
		if s.req.Info.OpenDirectory {
			return s.msg.t("form.uai.unknown_open")
		}
		return s.msg.t("form.problem", "message", locale.Rule(s.msg.lang, support.FieldError{Field: fUAI, Rule: support.RuleUAIUnknown}))
	}
	if s.searchable(v) {
		if found := s.search(v); len(found) > 0 {
			return s.matchesHint(found)
		}
		return s.msg.t("form.uai.no_match", "query", strings.TrimSpace(v))
	}
	// Only once the 8 characters are there: a half-typed code is not wrong yet.
	if fe.Rule == support.RuleUAIKey {
		return s.msg.t("form.problem", "message", locale.Rule(s.msg.lang, *fe))
	}
	return ""
}

func (s *ticketState) countHint(v string, max int) string {
	return s.msg.t("form.count", "count", fmt.Sprint(utf8.RuneCountInString(strings.TrimSpace(v))), "max", fmt.Sprint(max))
}

func (s *ticketState) locationHint(v string) string {
	l, fe := support.ParseLocation(v)
	if fe != nil {
		return ""
	}
	if strings.Contains(l, "://") {
		return s.msg.t("form.location.url")
	}
	return s.msg.t("form.location.breadcrumb", "value", l)
}

func (s *ticketState) functionHint(v string) string {
	if v == otherFunction {
		return s.msg.t("form.problem", "message", locale.Rule(s.msg.lang, support.FieldError{Field: fFunction, Rule: support.RuleFunction}))
	}
	return ""
}

// --- attachments ---

// attachmentPath cleans what people paste or drop into a terminal: quotes
// around a Windows path, backslash-escaped spaces from macOS, a leading ~.
func attachmentPath(v string) string {
	p := strings.TrimSpace(v)
	if len(p) >= 2 && (p[0] == '"' && p[len(p)-1] == '"' || p[0] == '\'' && p[len(p)-1] == '\'') {
		p = p[1 : len(p)-1]
	}
	if runtime.GOOS != "windows" {
		p = strings.ReplaceAll(p, `\ `, " ")
	}
	if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[1:])
		}
	}
	return p
}

// inspectAttachment checks a file by content against the server's limits,
// the way the client checks it again before sending.
func (s *ticketState) inspectAttachment(v string) (attachment, error) {
	p := attachmentPath(v)
	a := attachment{path: p}
	fi, err := os.Stat(p)
	if err != nil {
		return a, errors.New(s.msg.t("form.attach.missing", "path", p))
	}
	if fi.IsDir() {
		return a, errors.New(s.msg.t("form.attach.directory", "path", p))
	}
	s.vmu.Lock()
	atts := s.attachments
	s.vmu.Unlock()
	for _, b := range atts {
		if same, _ := sameFile(b.path, p); same {
			return a, errors.New(s.msg.t("form.attach.duplicate"))
		}
	}
	lim := s.limits()
	if lim.MaxFiles > 0 && len(atts) >= lim.MaxFiles {
		return a, s.msg.rule(filecheck.TooMany(lim.MaxFiles))
	}
	f, err := os.Open(p)
	if err != nil {
		return a, s.msg.rule(&support.FieldError{Field: "attachments", Rule: support.RuleFileUnreadable,
			Params: map[string]string{"name": filepath.Base(p), "reason": err.Error()}})
	}
	defer f.Close()
	res, fe := filecheck.Inspect(filepath.Base(p), f, lim.MaxFileSize)
	if fe != nil {
		return a, s.msg.rule(fe)
	}
	a.res = res
	if total := totalSize(atts) + res.Size; lim.MaxTicketSize > 0 && total > lim.MaxTicketSize {
		return a, s.msg.rule(filecheck.TicketTooBig(total, lim.MaxTicketSize))
	}
	return a, nil
}

func sameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}

func (s *ticketState) limits() support.Limits {
	l := s.req.Info.Limits
	if l == (support.Limits{}) {
		l = support.DefaultLimits()
	}
	return l
}

func totalSize(atts []attachment) int64 {
	var n int64
	for _, a := range atts {
		n += a.res.Size
	}
	return n
}

func (s *ticketState) attachHint(v string) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	a, err := s.inspectAttachment(v)
	if err != nil {
		// A path being typed is not an error yet; a file that is there but
		// refused is worth saying at once.
		if _, statErr := os.Stat(attachmentPath(v)); statErr != nil {
			return ""
		}
		return s.msg.t("form.problem", "message", err.Error())
	}
	return s.attachLine("form.attach.detected", a)
}

func (s *ticketState) attachLine(key string, a attachment) string {
	return s.msg.t(key, "name", a.res.Name, "type", a.res.ContentType, "size", locale.Size(s.msg.lang, a.res.Size))
}

// addAttachment joins a checked file and writes the list into the request.
func (s *ticketState) addAttachment(a attachment) {
	s.vmu.Lock()
	s.attachments = append(s.attachments[:len(s.attachments):len(s.attachments)], a)
	s.vmu.Unlock()
	s.apply(func(string) bool { return false })
}

func (s *ticketState) setProblems(p []support.FieldError) {
	s.vmu.Lock()
	s.req.Problems = p
	s.vmu.Unlock()
}

func (s *ticketState) attachedList() string {
	s.vmu.Lock()
	atts := s.attachments
	s.vmu.Unlock()
	if len(atts) == 0 {
		return ""
	}
	names := make([]string, len(atts))
	for i, a := range atts {
		names[i] = a.res.Name
	}
	return s.msg.t("form.attach.already", "list", strings.Join(names, ", "))
}

// --- writing back ---

// apply writes the state into req.Input. reached tells which fields the
// person got to: a field never reached keeps what req.Input had (a select
// holds its first option before anyone chooses it). Valid values are
// written normalised, others as typed, so that a draft keeps every word.
func (s *ticketState) apply(reached func(field string) bool) {
	in := &s.req.Input
	str := func(field string, dst *string, v string, parse func(string) (string, *support.FieldError)) {
		if !reached(field) {
			return
		}
		if n, fe := parse(v); fe == nil {
			*dst = n
		} else {
			*dst = v
		}
	}
	str(fName, &in.Reporter.Name, s.name, func(v string) (string, *support.FieldError) { return support.ParseName(fName, v) })
	if reached(fFunction) {
		if f, ok := support.ParseFunction(s.function); ok {
			in.Reporter.Function = f
		}
	}
	str(fPhone, &in.Reporter.Phone, s.phone, support.ParsePhone)
	str(fEmail, &in.Reporter.Email, s.email, support.ParseEmail)
	if reached(fUAI) {
		u, fe := support.ParseUAI(s.uai)
		if fe != nil && reached(fPick) {
			u = s.chosenUAI()
		}
		if u != "" {
			in.Establishment.UAI = u
			if r := s.lookup(u); r.status == lookupKnown {
				in.Establishment.Name, in.Establishment.City = r.est.Name, r.est.City
			}
		} else {
			in.Establishment.UAI = s.uai
		}
	}
	if reached(fEstName) && s.needDetails() {
		in.Establishment.Name = strings.Join(strings.Fields(s.estName), " ")
	}
	if reached(fEstCity) && s.needDetails() {
		in.Establishment.City = strings.Join(strings.Fields(s.estCity), " ")
	}
	if reached(fSubject) {
		in.Subject = strings.Join(strings.Fields(s.subject), " ")
	}
	if reached(fPopulation) {
		in.Population = in.Population[:0:0]
		for _, p := range s.population {
			in.Population = append(in.Population, support.Population(p))
		}
	}
	if reached(fDescription) {
		in.Description = strings.TrimSpace(strings.ReplaceAll(s.description, "\r\n", "\n"))
	}
	str(fLocation, &in.Location, s.location, support.ParseLocation)
	if reached(fPriority) {
		if p, ok := support.ParsePriority(s.priority); ok {
			in.Priority = p
		}
	}
	s.applyMine()
	s.req.Attachments = s.req.Attachments[:0:0]
	for _, a := range s.attachments {
		s.req.Attachments = append(s.req.Attachments, a.path)
	}
}

// invalid lists the fields the form would end with that break a rule: a
// last guard so that the form never knowingly returns a bad value.
func (s *ticketState) invalid() []support.FieldError {
	_, errs := s.req.Input.Normalize()
	var out []support.FieldError
	for _, fe := range errs {
		if strings.HasPrefix(fe.Field, "establishment.") && fe.Field != fUAI && !s.needDetails() {
			continue
		}
		out = append(out, fe)
	}
	if s.needDetails() {
		if strings.TrimSpace(s.req.Input.Establishment.Name) == "" {
			out = append(out, support.FieldError{Field: fEstName, Rule: support.RuleRequired})
		}
		if strings.TrimSpace(s.req.Input.Establishment.City) == "" {
			out = append(out, support.FieldError{Field: fEstCity, Rule: support.RuleRequired})
		}
	}
	return out
}

func reachedAll(string) bool { return true }
