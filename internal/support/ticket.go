package support

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Priority is the degree of priority of the procedure.
type Priority string

const (
	Bloquante Priority = "bloquante" // the ENT is unavailable
	Majeure   Priority = "majeure"   // a major feature of a service is unavailable
	Mineure   Priority = "mineure"   // requests for information, guidance, or help with a minor feature of a service that is unavailable
)

// Priorities lists the priorities from the most to the least urgent.
var Priorities = []Priority{Bloquante, Majeure, Mineure}

// Rank orders priorities: 0 for bloquante, 2 for mineure, 3 for unknown.
func (p Priority) Rank() int {
	for i, q := range Priorities {
		if p == q {
			return i
		}
	}
	return len(Priorities)
}

// ParsePriority accepts a priority in any case, with or without accents.
func ParsePriority(s string) (Priority, bool) {
	p := Priority(fold(s))
	return p, p.Rank() < len(Priorities)
}

// Status is where a ticket stands.
type Status string

const (
	StatusNew      Status = "nouveau"
	StatusOpen     Status = "en_cours"
	StatusWaiting  Status = "en_attente"
	StatusResolved Status = "resolu"
	StatusClosed   Status = "clos"
)

// Statuses lists every status in the order of the ticket's life.
var Statuses = []Status{StatusNew, StatusOpen, StatusWaiting, StatusResolved, StatusClosed}

// ParseStatus accepts a status in any case, with or without accents.
func ParseStatus(s string) (Status, bool) {
	v := Status(fold(s))
	for _, t := range Statuses {
		if v == t {
			return v, true
		}
	}
	return "", false
}

// Function is the reporter's function in the establishment: only these
// may contact support.
type Function string

const (
	ChefEtablissement Function = "chef_etablissement"
	Adjoint           Function = "adjoint"
	CorrespondantENT  Function = "correspondant_ent"
)

// Functions lists the functions allowed to contact support.
var Functions = []Function{ChefEtablissement, Adjoint, CorrespondantENT}

// functionAliases are the words people type for an allowed function.
var functionAliases = map[string]Function{
	"chef_etablissement": ChefEtablissement, "chef_d_etablissement": ChefEtablissement,
	"chef": ChefEtablissement, "principal": ChefEtablissement, "proviseur": ChefEtablissement,
	"directeur": ChefEtablissement, "directrice": ChefEtablissement,
	"adjoint": Adjoint, "adjointe": Adjoint, "principal_adjoint": Adjoint, "proviseur_adjoint": Adjoint,
	"chef_d_etablissement_adjoint": Adjoint,
	"correspondant_ent":            CorrespondantENT, "correspondante_ent": CorrespondantENT,
	"correspondant": CorrespondantENT, "correspondante": CorrespondantENT, "referent_ent": CorrespondantENT,
}

// ParseFunction accepts the API value of a function or the words people
// commonly write for it ("Chef d'établissement", "principal adjoint").
func ParseFunction(s string) (Function, bool) {
	f, ok := functionAliases[fold(s)]
	return f, ok
}

// Population is a group of people affected by the problem.
type Population string

// Populations lists every population.
var Populations = []Population{"enseignants", "eleves", "parents", "personnels", "vie_scolaire", "direction", "tous"}

var populationAliases = map[string]Population{
	"enseignant": "enseignants", "professeurs": "enseignants", "profs": "enseignants",
	"eleve": "eleves", "parent": "parents", "personnel": "personnels",
}

// ParsePopulation accepts a population in any case, with or without
// accents, singular or plural.
func ParsePopulation(s string) (Population, bool) {
	v := fold(s)
	for _, p := range Populations {
		if Population(v) == p {
			return p, true
		}
	}
	p, ok := populationAliases[v]
	return p, ok
}

// fold lower-cases s, strips French accents, and turns spaces, apostrophes
// and dashes into underscores: "Chef d'Établissement" -> chef_d_etablissement.
func fold(s string) string {
	var b strings.Builder
	underscore := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch r {
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'à', 'â', 'ä':
			r = 'a'
		case 'î', 'ï':
			r = 'i'
		case 'ô', 'ö':
			r = 'o'
		case 'ù', 'û', 'ü':
			r = 'u'
		case 'ç':
			r = 'c'
		}
		// Any space counts: a no-break space (typed before ":" or pasted
		// from a word processor) separates words as well.
		if unicode.IsSpace(r) || r == '\'' || r == '’' || r == '-' || r == '_' {
			if !underscore && b.Len() > 0 {
				b.WriteByte('_')
			}
			underscore = true
			continue
		}
		underscore = false
		b.WriteRune(r)
	}
	return strings.TrimSuffix(b.String(), "_")
}

// Reporter is the person who files the ticket.
type Reporter struct {
	Name     string   `json:"name"`
	Function Function `json:"function"`
	Phone    string   `json:"phone"` // E.164 once validated
	Email    string   `json:"email"`
}

// Establishment is a school, known by its UAI.
type Establishment struct {
	UAI        string `json:"uai"`
	Name       string `json:"name,omitempty"`
	City       string `json:"city,omitempty"`
	Department string `json:"department,omitempty"`
	Territory  string `json:"territory,omitempty"`
}

// TicketInput is what a reporter submits: the fields of the procedure.
// Its JSON keys are the API's, and those of `new --from-file`.
type TicketInput struct {
	Reporter      Reporter      `json:"reporter"`
	Establishment Establishment `json:"establishment"`
	Subject       string        `json:"subject"`
	Population    []Population  `json:"population"`
	Description   string        `json:"description"`
	Location      string        `json:"location"`
	Priority      Priority      `json:"priority"`
	// OnBehalfOf is the e-mail of the reporter's account an agent or admin
	// files the ticket for (a phone call): that account's identity and
	// establishments then apply, and its e-mail gets the notifications.
	// Empty when the caller files for themselves. Never stored.
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// TicketSummary is a ticket as listed: its fields and where it stands,
// without its history, comments and files.
type TicketSummary struct {
	Number Number `json:"number"`
	TicketInput
	Status    Status    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// CreatedBy is the user ID of the account the ticket speaks for: the
	// reporter, whose e-mail its notifications go to.
	CreatedBy int64 `json:"created_by"`
	// FiledBy is who filed it, "Name <e-mail>": the reporter, or the agent
	// or admin who filed it on their behalf. Empty on older tickets.
	FiledBy         string `json:"filed_by,omitempty"`
	Assignee        string `json:"assignee,omitempty"` // the e-mail of the agent who took it
	AttachmentCount int    `json:"attachment_count"`
}

// Ticket is a filed ticket, whole.
type Ticket struct {
	TicketSummary
	Attachments []Attachment   `json:"attachments"`
	History     []HistoryEntry `json:"history"`
	Comments    []Comment      `json:"comments"`
	// URL is the ticket's page for people: on our server, its signed,
	// read-only page (the e-mails' link). Set on a read of one ticket
	// only, by the back end that serves it; empty when there is none.
	URL string `json:"url,omitempty"`

	// IdempotencyKey and BodyHash are kept with the ticket so that a replay
	// of the same create returns it; never shown.
	IdempotencyKey string `json:"-"`
	BodyHash       string `json:"-"`
	// Replayed is set on the answer to a create that found the ticket
	// already made with its idempotency key: nothing was created.
	Replayed bool `json:"-"`
}

// Attachment is the description of a file joined to a ticket or a comment.
type Attachment struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CommentID   int64     `json:"comment_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// HistoryEntry is one change of a ticket: of its status when Field is
// empty (From is empty at creation), else of the field it names
// (FieldPriority: From and To are priorities; FieldAssignee: e-mails, ""
// for nobody).
type HistoryEntry struct {
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"` // a name, with the e-mail
	Field   string    `json:"field,omitempty"`
	From    Status    `json:"from,omitempty"`
	To      Status    `json:"to"`
	Message string    `json:"message,omitempty"`
}

// Comment is information added by the reporter or a reply by an agent.
type Comment struct {
	ID          int64        `json:"id"`
	Author      string       `json:"author"`
	Role        Role         `json:"role"`
	Body        string       `json:"body"`
	CreatedAt   time.Time    `json:"created_at"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Normalize checks every field of in and returns the normalised input
// (phone in E.164, UAI upper case, breadcrumb spacing, CRLF to LF...) with
// every problem at once, in field order. Establishment name and city are
// checked for length only: whether they are needed depends on the server's
// directory (see service).
func (in TicketInput) Normalize() (TicketInput, []FieldError) {
	var errs []FieldError
	add := func(fe *FieldError) {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	out := in

	var fe *FieldError
	out.Reporter.Name, fe = ParseName("reporter.name", in.Reporter.Name)
	add(fe)

	if strings.TrimSpace(string(in.Reporter.Function)) == "" {
		add(&FieldError{Field: "reporter.function", Rule: RuleRequired})
	} else if f, ok := ParseFunction(string(in.Reporter.Function)); ok {
		out.Reporter.Function = f
	} else {
		add(&FieldError{Field: "reporter.function", Rule: RuleFunction})
	}

	out.Reporter.Phone, fe = ParsePhone(in.Reporter.Phone)
	add(fe)
	out.Reporter.Email, fe = ParseEmail(in.Reporter.Email)
	add(fe)

	out.Establishment.UAI, fe = ParseUAI(in.Establishment.UAI)
	add(fe)
	out.Establishment.Name, _ = collapse(in.Establishment.Name)
	add(firstOf(checkText("establishment.name", out.Establishment.Name, false), checkLen("establishment.name", out.Establishment.Name, 0, EstablishmentNameMax)))
	out.Establishment.City, _ = collapse(in.Establishment.City)
	add(firstOf(checkText("establishment.city", out.Establishment.City, false), checkLen("establishment.city", out.Establishment.City, 0, CityMax)))
	// Department and territory come from the directory, or from the client
	// where the server accepts establishments it does not know: then they
	// are text like the name and city, and as bounded.
	out.Establishment.Department, _ = collapse(in.Establishment.Department)
	add(firstOf(checkText("establishment.department", out.Establishment.Department, false), checkLen("establishment.department", out.Establishment.Department, 0, DepartmentMax)))
	out.Establishment.Territory, _ = collapse(in.Establishment.Territory)
	add(firstOf(checkText("establishment.territory", out.Establishment.Territory, false), checkLen("establishment.territory", out.Establishment.Territory, 0, TerritoryMax)))

	out.Subject, _ = collapse(in.Subject)
	add(firstOf(checkText("subject", out.Subject, false), checkLen("subject", out.Subject, SubjectMin, SubjectMax)))

	out.Population = nil
	if len(in.Population) == 0 {
		add(&FieldError{Field: "population", Rule: RuleRequired})
	}
	seen := map[Population]bool{}
	for _, p := range in.Population {
		v, ok := ParsePopulation(string(p))
		if !ok {
			// The value is kept as typed: dropping it would make the output
			// pass a check its input failed, and lose what was typed.
			add(&FieldError{Field: "population", Rule: RulePopulation, Params: map[string]string{"value": string(p)}})
			out.Population = append(out.Population, p)
			continue
		}
		if !seen[v] {
			seen[v] = true
			out.Population = append(out.Population, v)
		}
	}

	out.Description = normalizeText(in.Description)
	add(firstOf(checkText("description", out.Description, true), checkLen("description", out.Description, DescriptionMin, DescriptionMax)))

	out.Location, fe = ParseLocation(in.Location)
	add(fe)

	if strings.TrimSpace(string(in.Priority)) == "" {
		add(&FieldError{Field: "priority", Rule: RuleRequired})
	} else if p, ok := ParsePriority(string(in.Priority)); ok {
		out.Priority = p
	} else {
		add(&FieldError{Field: "priority", Rule: RulePriority})
	}

	if strings.TrimSpace(in.OnBehalfOf) != "" {
		out.OnBehalfOf, fe = ParseEmail(in.OnBehalfOf)
		if fe != nil {
			fe.Field = "on_behalf_of"
		}
		add(fe)
	}
	return out, errs
}

// normalizeText trims multi-line text and turns CRLF, then lone CR, into
// LF: replacing CRLF alone turned "\r\r\n" into a new "\r\n", so a second
// normalisation changed the text again.
func normalizeText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
}

// CommentInput is what a comment carries besides its files: its JSON is
// the API's body of POST /tickets/{number}/comments.
type CommentInput struct {
	Body string `json:"body"`
}

// ParseCommentBody checks and normalises the text of a comment with the
// description's rules (multi-line, no control characters), 1 to CommentMax
// characters. An empty body is allowed only when files come with it: a
// screenshot sent later needs no words.
func ParseCommentBody(body string, hasFiles bool) (string, *FieldError) {
	out := normalizeText(body)
	if out == "" && hasFiles {
		return "", nil
	}
	return out, firstOf(checkText("comment.body", out, true), checkLen("comment.body", out, CommentMin, CommentMax))
}

// ParseEmail checks an e-mail address (a bare address, no display name).
func ParseEmail(s string) (string, *FieldError) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", &FieldError{Field: "reporter.email", Rule: RuleRequired}
	}
	a, err := mail.ParseAddress(t)
	if err != nil || a.Address != t || len(t) > EmailMax || !strings.Contains(t[strings.LastIndexByte(t, '@'):], ".") {
		return "", &FieldError{Field: "reporter.email", Rule: RuleEmail}
	}
	return t, nil
}

// checkText refuses control characters (escape sequences would rewrite an
// agent's terminal; NUL is refused by PostgreSQL), and format characters
// that reorder text (bidi overrides). Multi-line text keeps \n and \t.
func checkText(field, s string, multiline bool) *FieldError {
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return &FieldError{Field: field, Rule: RuleControlChars}
		}
	}
	return nil
}

func firstOf(errs ...*FieldError) *FieldError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// collapse trims s and folds inner runs of white space into one space.
func collapse(s string) (string, bool) {
	t := strings.Join(strings.Fields(s), " ")
	return t, t != s
}

// ParseName checks a person's name (field names the field in errors) and
// returns it with white space collapsed.
func ParseName(field, s string) (string, *FieldError) {
	name, _ := collapse(s)
	if fe := checkLen(field, name, NameMin, NameMax); fe != nil {
		return name, fe
	}
	// Combining accents (a name typed or pasted in decomposed form, "e" +
	// U+0301) belong to the letter before them. A name needs a letter:
	// "--" is not one.
	letters, prev := 0, ' '
	for _, r := range name {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.Is(unicode.Mn, r) && (unicode.IsLetter(prev) || unicode.Is(unicode.Mn, prev)):
		case r == ' ' || r == '-' || r == '\'' || r == '’':
		default:
			return name, &FieldError{Field: field, Rule: RuleNameChars}
		}
		prev = r
	}
	if letters == 0 {
		return name, &FieldError{Field: field, Rule: RuleNameChars}
	}
	return name, nil
}

// checkLen checks the length of s in characters; min 0 means optional.
func checkLen(field, s string, min, max int) *FieldError {
	n := utf8.RuneCountInString(s)
	if n == 0 && min > 0 {
		return &FieldError{Field: field, Rule: RuleRequired}
	}
	if n < min || n > max || !utf8.ValidString(s) {
		return &FieldError{Field: field, Rule: RuleLength,
			Params: map[string]string{"min": itoa(min), "max": itoa(max), "length": itoa(n)}}
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
