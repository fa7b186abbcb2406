package prompter

import (
	"strings"

	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// The ticket form is described once, by ticketFields: the drawn form
// (huh.go) and the accessible mode (accessible.go) both walk that table,
// so that their labels, help texts, options, checks and order cannot
// drift apart. A renderer only decides how a kind of field is drawn or
// asked.

// fieldKind is how a field is answered.
type fieldKind int

const (
	kindLine   fieldKind = iota // one line of text
	kindText                    // several lines (the description)
	kindSelect                  // one option
	kindMulti                   // several options
)

// formField is one question of the ticket form.
type formField struct {
	key   string // the field's key (fName…), as in support.FieldError
	kind  fieldKind
	title string

	// help explains the field; helpA11y replaces it in accessible mode,
	// where it is answered otherwise (by numbers, with a closing dot).
	help, helpA11y func() string
	// problems are what was wrong with the field before (a refused value,
	// a pre-filled one that breaks a rule); nil: none are shown.
	problems func() string
	// hint follows the value: under the field as it is typed, and said
	// once the field is answered in accessible mode.
	hint func(string) string
	// typing is a hint for the drawn form only, as it is typed (a count,
	// a choice that will be refused): accessible mode checks on Enter.
	typing func(string) string
	// follows is the value the help (and options, when dynamic) change
	// with; nil when they are fixed for the form.
	follows any

	value  *string   // the value of a line, a text or a select
	values *[]string // the values of a multiple choice
	check  func(string) error
	checks func([]string) error // a multiple choice's check

	options        func() []choice
	dynamicOptions bool                        // options change with follows
	parse          func(string) (string, bool) // a multiple choice typed out
	max            int                         // a text's character limit

	// page groups the fields the drawn form shows together; when, if not
	// nil, tells from the answers before it whether the page is there.
	page int
	when func() bool
	// gate is the field whose ask decides whether this one is asked.
	gate string
}

// Pages of the drawn form, in order.
const (
	pageWho = iota
	pageEstablishment
	pagePick
	pageDetails
	pageSubject
	pageDescription
	pageEnd
)

// ticketFields is the form of the procedure over s, in its order. editor
// names the program Ctrl+E opens in the description (drawn form only).
func (s *ticketState) ticketFields(editor string) []formField {
	m := s.msg
	o := s.orig
	label := func(k string) string { return locale.FieldLabel(m.lang, k) }
	text := func(key string, kv ...string) func() string { return func() string { return m.t(key, kv...) } }
	// typed shows a field's problems while its value is the one they are about.
	typed := func(key string, p *string, initial string) func() string {
		return func() string { return s.problems(key, get(s, p), initial) }
	}
	chosen := func(key string) func() string { return func() string { return s.problems(key, "", "") } }
	line := func(page int, key string, p *string, initial string, check func(string) error) formField {
		return formField{key: key, kind: kindLine, title: label(key), page: page, gate: key,
			problems: typed(key, p, initial), follows: p, value: p, check: check}
	}

	name := line(pageWho, fName, &s.name, o.Reporter.Name, s.checkName)
	name.help = text("form.name.desc")

	function := formField{key: fFunction, kind: kindSelect, title: label(fFunction), page: pageWho, gate: fFunction,
		help: text("form.function.desc"), problems: typed(fFunction, &s.function, string(o.Reporter.Function)),
		typing: s.functionHint, follows: &s.function, value: &s.function, check: s.checkFunction,
		options: func() []choice {
			return []choice{
				{m.t("form.function.chef_etablissement"), string(support.ChefEtablissement)},
				{m.t("form.function.adjoint"), string(support.Adjoint)},
				{m.t("form.function.correspondant_ent"), string(support.CorrespondantENT)},
				{m.t("form.function.other"), otherFunction},
			}
		}}

	phone := line(pageWho, fPhone, &s.phone, o.Reporter.Phone, s.checkPhone)
	phone.help, phone.hint = text("form.phone.desc"), s.phoneHint

	email := line(pageWho, fEmail, &s.email, o.Reporter.Email, s.checkEmail)
	email.help = text("form.email.desc")

	fields := []formField{name, function, phone, email}

	if len(s.req.Mine) > 0 {
		// The reporter's own establishments: chosen, not searched.
		fields = append(fields, formField{key: fUAI, kind: kindSelect, title: m.t("form.mine.title"),
			page: pageEstablishment, gate: fUAI, help: text("form.mine.desc"), problems: chosen(fUAI),
			value: &s.uai, check: s.checkUAI,
			options: func() []choice {
				var opts []choice
				for _, e := range s.req.Mine {
					opts = append(opts, choice{m.mineLabel(e), e.Establishment.UAI})
				}
				return opts
			}})
	} else {
		uai := line(pageEstablishment, fUAI, &s.uai, o.Establishment.UAI, s.checkUAI)
		uai.help, uai.hint = text("form.uai.desc"), s.uaiHint
		if s.req.Search != nil {
			uai.help = text("form.uai.desc_search")
		}
		fields = append(fields, uai, formField{key: fPick, kind: kindSelect, title: m.t("form.pick.title"),
			page: pagePick, gate: fUAI, when: s.needPick,
			help: func() string {
				return m.t("form.pick.desc", "query", strings.TrimSpace(get(s, &s.uai)))
			},
			follows: &s.uai, value: &s.pick, check: s.checkUAI, dynamicOptions: true,
			options: func() []choice {
				var opts []choice
				for _, e := range s.search(get(s, &s.uai)) {
					opts = append(opts, choice{matchLabel(e), e.UAI})
				}
				return opts
			}})
	}

	// Asked only when the directory does not know the establishment and
	// the server takes it anyway.
	estName := line(pageDetails, fEstName, &s.estName, o.Establishment.Name, s.checkEstName)
	estName.help = func() string {
		s.vmu.Lock()
		uai := s.chosenUAI()
		s.vmu.Unlock()
		return m.t("form.est_name.desc", "uai", uai)
	}
	estCity := line(pageDetails, fEstCity, &s.estCity, o.Establishment.City, s.checkEstCity)
	estCity.help = text("form.est_city.desc")
	for _, f := range []*formField{&estName, &estCity} {
		f.gate, f.when = fUAI, s.needDetails
	}

	subject := line(pageSubject, fSubject, &s.subject, o.Subject, s.checkSubject)
	subject.help = text("form.subject.desc")
	subject.typing = func(v string) string { return s.countHint(v, support.SubjectMax) }

	population := formField{key: fPopulation, kind: kindMulti, title: label(fPopulation), page: pageSubject,
		gate: fPopulation, help: text("form.population.desc"), helpA11y: text("form.population.desc_a11y"),
		problems: chosen(fPopulation), values: &s.population, checks: s.checkPopulation,
		options: func() []choice { return choices(m, "form.population.", support.Populations) },
		parse: func(v string) (string, bool) {
			p, ok := support.ParsePopulation(v)
			return string(p), ok
		}}

	description := formField{key: fDescription, kind: kindText, title: label(fDescription), page: pageDescription,
		gate: fDescription, help: text("form.description.desc", "editor", editor),
		helpA11y: text("form.description.desc_a11y"),
		problems: typed(fDescription, &s.description, o.Description),
		typing:   func(v string) string { return s.countHint(v, support.DescriptionMax) },
		follows:  &s.description, value: &s.description, check: s.checkDescription, max: support.DescriptionMax}

	location := line(pageEnd, fLocation, &s.location, o.Location, s.checkLocation)
	location.help, location.hint = text("form.location.desc"), s.locationHint

	priority := formField{key: fPriority, kind: kindSelect, title: label(fPriority), page: pageEnd, gate: fPriority,
		help: text("form.priority.desc"), problems: chosen(fPriority), value: &s.priority, check: s.checkPriority,
		options: func() []choice { return choices(m, "form.priority.", support.Priorities) }}

	return append(fields, estName, estCity, subject, population, description, location, priority)
}

// choices lists values with their labels, the message prefix+value.
func choices[T ~string](m messages, prefix string, values []T) []choice {
	out := make([]choice, 0, len(values))
	for _, v := range values {
		out = append(out, choice{m.t(prefix + string(v)), string(v)})
	}
	return out
}

// description joins a field's help (the one of accessible mode when
// a11y), its problems and the hints of value v.
func (f *formField) description(a11y bool, v string) string {
	help := f.help
	if a11y && f.helpA11y != nil {
		help = f.helpA11y
	}
	parts := []string{help()}
	if f.problems != nil {
		parts = append(parts, f.problems())
	}
	if a11y {
		return describe(parts...)
	}
	if f.hint != nil {
		parts = append(parts, f.hint(v))
	}
	if f.typing != nil {
		parts = append(parts, f.typing(v))
	}
	return describe(parts...)
}
