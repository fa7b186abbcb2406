package mailin

import (
	"cmp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/ent-support/ent-support/internal/support"
)

// Request holds the nine fields of the support procedure read from the
// body, as raw strings in the shape the CLI's flags take (see
// Message.Request).
type Request struct {
	Name, Function, Phone, Establishment, City, UAI, Subject, Description, Location, Priority string
	Populations                                                                               []string
	// Found tells which fields were given a value in the body, by the
	// API's JSON keys: reporter.name, reporter.function, reporter.phone,
	// establishment.uai, establishment.name, establishment.city, subject,
	// population, description, location, priority. A subject taken from
	// the mail's Subject is not in Found.
	Found map[string]bool
}

// field is what a label stands for.
type field int

const (
	fNone field = iota
	fName
	fFunction
	fPhone
	fEstablishment
	fCity
	fSubject
	fPopulation
	fDescription
	fLocation
	fPriority
	fAttachments // "Capture d'écran et/ou pièce jointe": no value, ends the description
	fFirstName   // "Prénom" alone, when the name is asked in two lines
)

// labels maps the first words of a label (folded: lower case, no accents,
// words separated by one space) to its field, most specific first.
var labels = []struct {
	prefix string
	f      field
}{
	{"description", fDescription},
	{"objet", fSubject},
	{"population", fPopulation},
	{"populations", fPopulation},
	{"public concerne", fPopulation},
	{"publics concernes", fPopulation},
	{"degre de priorite", fPriority},
	{"degre d urgence", fPriority},
	{"niveau de priorite", fPriority},
	{"priorite", fPriority},
	{"urgence", fPriority},
	{"url", fLocation},
	{"adresse url", fLocation},
	{"fil d ariane", fLocation},
	{"lien", fLocation},
	{"adresse de la page", fLocation},
	{"code uai", fEstablishment},
	{"uai", fEstablishment},
	{"rne", fEstablishment},
	{"numero uai", fEstablishment},
	{"nom de l etablissement", fEstablishment},
	{"etablissement", fEstablishment},
	{"college", fEstablishment},
	{"lycee", fEstablishment},
	{"ville", fCity},
	{"commune", fCity},
	{"numero de telephone", fPhone},
	{"numero de tel", fPhone},
	{"n de telephone", fPhone},
	{"telephone", fPhone},
	{"tel", fPhone},
	{"portable", fPhone},
	{"mobile", fPhone},
	{"fonction", fFunction},
	{"qualite", fFunction},
	{"nom et prenom", fName},
	{"nom prenom", fName},
	{"prenom et nom", fName},
	{"prenom nom", fName},
	{"nom", fName},
	{"prenom", fFirstName},
	{"capture d ecran", fAttachments},
	{"captures d ecran", fAttachments},
	{"piece jointe", fAttachments},
	{"pieces jointes", fAttachments},
}

// foldLabel lower-cases s, strips accents and keeps words of letters and
// digits separated by one space: "Établissement / Ville" -> "etablissement ville".
func foldLabel(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		r = unaccent(r)
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

func unaccent(r rune) rune {
	switch r {
	case 'é', 'è', 'ê', 'ë':
		return 'e'
	case 'à', 'â', 'ä':
		return 'a'
	case 'î', 'ï':
		return 'i'
	case 'ô', 'ö':
		return 'o'
	case 'ù', 'û', 'ü':
		return 'u'
	case 'ç':
		return 'c'
	case 'œ':
		return 'o'
	}
	return r
}

// matchLabel returns the field a folded label names.
func matchLabel(folded string) field {
	if folded == "" || len(folded) > 90 || strings.Count(folded, " ") > 11 {
		return fNone
	}
	for _, l := range labels {
		if folded == l.prefix || strings.HasPrefix(folded, l.prefix+" ") {
			return l.f
		}
	}
	return fNone
}

// parenRe matches a parenthesis in a label: the procedure's examples.
var parenRe = lazyRegexp(`\([^()]*\)`)

var bulletRe = lazyRegexp(`^(?:[•·◦▪●■–—\-*+]|\d{1,2}\s*[-.)])\s+`)

// splitLabel reads a "Label : value" line; ok is false when the line is not
// one (bullets, bold markers, quote markers and spacing around the label
// are tolerated).
func splitLabel(line string) (f field, value string, ok bool) {
	s := strings.TrimLeft(line, " \t\u00a0>")
	s = bulletRe().ReplaceAllString(s, "")
	s = strings.TrimLeft(s, "*_ \t\u00a0")
	i := labelColon(s)
	if i < 0 {
		// A label and its value in two table cells.
		label, rest, found := strings.Cut(s, "\t")
		if !found {
			return fNone, "", false
		}
		f = matchLabel(foldLabel(label))
		if f == fNone {
			return fNone, "", false
		}
		return f, cleanValue(rest), true
	}
	label := parenRe().ReplaceAllString(s[:i], " ")
	f = matchLabel(foldLabel(label))
	if f == fNone {
		return fNone, "", false
	}
	_, size := firstRune(s[i:])
	return f, cleanValue(s[i+size:]), true
}

// labelColon returns the index of the colon that ends a label: not inside
// parentheses (the procedure's "URL de l'établissement (par exemple :
// http://…) ou fil d'Ariane :"), not that of an address ("http://"); -1 if
// none.
func labelColon(s string) int {
	depth := 0
	for i, r := range s {
		switch r {
		case '(', '[':
			depth++
		case ')', ']':
			if depth > 0 {
				depth--
			}
		case ':', '：':
			if depth == 0 && !strings.HasPrefix(s[i+len(string(r)):], "//") {
				return i
			}
		}
		if i > 200 {
			break
		}
	}
	return -1
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

// cleanValue trims spacing and bold markers around a value.
func cleanValue(v string) string {
	v = strings.Trim(v, " \t\u00a0*")
	if len(v) > 1 && v[0] == '_' && v[len(v)-1] == '_' {
		v = strings.Trim(v, "_")
	}
	return strings.TrimSpace(v)
}

// Request reads the nine fields of the procedure from "Label : value" lines
// of the body, with the procedure's French labels in any case, with or
// without accents, after a bullet (•, -, *), in bold (*x*, **x**), with any
// spacing around the colon ("Label :", "Label:", a no-break space), or in a
// two-column table. The description runs until the next label (or the
// quoted original, or a signature; a forwarded message below it is part of
// it, header block included); other values take the rest of their
// line, or the next line when theirs is empty. The first non-empty value of
// a field wins (a quoted empty template below does not erase it). Without
// an "Objet" line, the mail's subject (without Re:, TR:... and ticket
// number) is the subject.
//
// Values are raw strings in the shape the CLI's flags take: the function as
// chef_etablissement, adjoint or correspondant_ent when recognisable,
// populations and priority as their codes, else the text as written so that
// the server's validation names the problem. "Etablissement / Ville" gives
// the UAI when the value holds one (7 digits and a letter), the name and
// the city ("Collège du Pilat (0420001Y) / Bourg-Argental").
func (m *Message) Request() Request {
	return parseRequest(m.Text, m.Subject)
}

func parseRequest(text, subject string) Request {
	req := Request{Found: map[string]bool{}}
	lines := strings.Split(normalizeNewlines(text), "\n")
	values := map[field]string{}
	var estab []string
	inHeader := headerBlockLines(lines)
	for i := 0; i < len(lines); i++ {
		f, v, ok := splitLabel(lines[i])
		if !ok || f == fAttachments || inHeader[i] {
			continue
		}
		if f == fDescription {
			var b []string
			if v != "" {
				b = append(b, v)
			}
			quoted := isQuoted(lines[i])
			j := i + 1
			for ; j < len(lines); j++ {
				l := lines[j]
				if _, _, isLabel := splitLabel(l); (isLabel && !inHeader[j]) || isQuoted(l) != quoted || isBoundary(lines, j) {
					break
				}
				if quoted {
					l = strings.TrimPrefix(strings.TrimLeft(l, " "), ">")
					l = strings.TrimPrefix(l, " ")
				}
				b = append(b, strings.TrimRight(l, " \t"))
			}
			v = strings.TrimSpace(collapseBlank(strings.Join(b, "\n")))
			if v != "" && values[f] == "" {
				values[f] = v
			}
			i = j - 1
			continue
		}
		if v == "" {
			// The value on the next non-blank line, unless it is a label.
			for j := i + 1; j < len(lines) && j <= i+2; j++ {
				t := strings.TrimSpace(strings.TrimLeft(lines[j], " >"))
				if t == "" {
					continue
				}
				if _, _, isLabel := splitLabel(lines[j]); !isLabel && !isBoundary(lines, j) {
					v = cleanValue(t)
				}
				break
			}
		} else {
			// A long value wrapped by the client (hard line breaks at 72
			// to 78 columns) goes on while each line is long and the next
			// is plain text.
			for j := i + 1; j < len(lines) && j <= i+3 && utf8.RuneCountInString(lines[j-1]) >= 60; j++ {
				t := strings.TrimSpace(lines[j])
				if isQuoted(lines[j]) != isQuoted(lines[i]) {
					break
				}
				t = strings.TrimSpace(strings.TrimLeft(t, ">"))
				if _, _, isLabel := splitLabel(lines[j]); t == "" || isLabel || isBoundary(lines, j) {
					break
				}
				v = cleanValue(v + " " + t)
			}
		}
		if f == fEstablishment && v != "" {
			// "Etablissement" and "UAI" may come on two lines: each adds
			// what the other lacks.
			estab = append(estab, v)
			continue
		}
		if v != "" && values[f] == "" {
			values[f] = v
		}
	}

	name, first := values[fName], values[fFirstName]
	if first != "" && !strings.Contains(strings.ToLower(name), strings.ToLower(first)) {
		name = strings.TrimSpace(first + " " + name)
	}
	if name = stripCivility(name); name != "" {
		req.Name, req.Found["reporter.name"] = name, true
	}
	if v := values[fFunction]; v != "" {
		req.Function, req.Found["reporter.function"] = normFunction(v), true
	}
	if v := values[fPhone]; v != "" {
		req.Phone, req.Found["reporter.phone"] = normPhone(v), true
	}
	for _, v := range estab {
		u, n, c := splitEstablishment(v)
		req.UAI = cmp.Or(req.UAI, u)
		req.Establishment = cmp.Or(req.Establishment, n)
		req.City = cmp.Or(req.City, c)
	}
	if v := values[fCity]; v != "" && req.City == "" {
		req.City = v
	}
	req.Found["establishment.uai"] = req.UAI != ""
	req.Found["establishment.name"] = req.Establishment != ""
	req.Found["establishment.city"] = req.City != ""
	if v := values[fSubject]; v != "" {
		req.Subject, req.Found["subject"] = v, true
	} else {
		req.Subject = stripSubject(subject)
	}
	if v := values[fPopulation]; v != "" {
		req.Populations, req.Found["population"] = normPopulations(v), true
	}
	if v := values[fDescription]; v != "" {
		req.Description, req.Found["description"] = v, true
	}
	if v := values[fLocation]; v != "" {
		req.Location, req.Found["location"] = normLocation(v), true
	}
	if v := values[fPriority]; v != "" {
		req.Priority, req.Found["priority"] = normPriority(v), true
	}
	for k, v := range req.Found {
		if !v {
			delete(req.Found, k)
		}
	}
	return req
}

// headerBlockLines marks the lines of quoted header blocks ("De : …
// Envoyé : … Objet : …"): their "Objet" is the subject of another message.
func headerBlockLines(lines []string) map[int]bool {
	var in map[int]bool
	for i := range lines {
		if !isHeaderBlock(lines, i) {
			continue
		}
		if in == nil {
			in = map[int]bool{}
		}
		for j := i; j < len(lines) && j <= i+6; j++ {
			if headerLineRe().MatchString(lines[j]) {
				in[j] = true
			}
		}
	}
	return in
}

// isBoundary reports whether lines[j] starts a quoted original or a
// signature.
func isBoundary(lines []string, j int) bool {
	t := strings.TrimSpace(lines[j])
	return lines[j] == "-- " || t == "--" || separatorRe().MatchString(t) || mobileRe().MatchString(t) ||
		(isHeaderBlock(lines, j) && !forwarded(lines, j)) || attribution(lines, j) > 0 ||
		(isRule(lines[j]) && j+1 < len(lines) && isHeaderBlock(lines, j+1) && !forwarded(lines, j+1))
}

func collapseBlank(s string) string {
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	return s
}

var (
	subjectPrefixRe = lazyRegexp(`(?i)^\s*((re|r[ée]f|r[ée]p|tr|fw|fwd|aw|wg|sv|vs)\s*(\[\d+\])?\s*:\s*|\[[A-Za-z][A-Za-z0-9]{0,15}-\d{1,18}\]\s*)`)
)

// stripSubject removes reply and forward prefixes and ticket numbers.
func stripSubject(s string) string {
	for {
		t := subjectPrefixRe().ReplaceAllString(s, "")
		if t == s {
			return strings.TrimSpace(s)
		}
		s = t
	}
}

var phoneRe = lazyRegexp(`(?:(?:\+|\b00)33\s?(?:\(0\)\s?)?|\b0)[1-9](?:[\s.\-]?\d{2}){4}\b`)

// normPhone takes the first French number out of a value that says more
// ("06 39 98 12 34 (portable)", "04 77 … ou 06 …"); else the value as
// written, for the validation to explain.
func normPhone(v string) string {
	if p := phoneRe().FindString(v); p != "" {
		return p
	}
	return v
}

// stripCivility removes a title before a name ("Mme", "M.", "Monsieur"):
// a name is letters, spaces, hyphens and apostrophes.
func stripCivility(name string) string {
	for _, c := range []string{"madame ", "monsieur ", "mme. ", "mme ", "mlle ", "mr. ", "mr ", "m. "} {
		if len(name) > len(c) && strings.EqualFold(name[:len(c)], c) {
			return strings.TrimSpace(name[len(c):])
		}
	}
	return name
}

// normFunction gives the API value of a function when recognisable.
func normFunction(v string) string {
	if f, ok := support.ParseFunction(v); ok {
		return string(f)
	}
	words := strings.Fields(foldLabel(v))
	has := func(ws ...string) bool {
		for _, w := range words {
			for _, x := range ws {
				if w == x {
					return true
				}
			}
		}
		return false
	}
	head := ""
	if len(words) > 0 {
		head = words[0]
	}
	joined := " " + strings.Join(words, " ") + " "
	chef := has("principal", "principale", "proviseur", "proviseure", "directeur", "directrice") ||
		strings.Contains(joined, " chef d etablissement ") || strings.Contains(joined, " cheffe d etablissement ")
	switch {
	case has("adjoint", "adjointe") && (chef || len(words) == 1 || has("direction")) && !has("gestionnaire"):
		return string(support.Adjoint)
	case has("correspondant", "correspondante", "referent", "referente") && has("ent"):
		return string(support.CorrespondantENT)
	case chef && (head == "principal" || head == "principale" || head == "proviseur" || head == "proviseure" ||
		head == "chef" || head == "cheffe" || head == "directeur" || head == "directrice"):
		return string(support.ChefEtablissement)
	}
	return v
}

// populationWords are the words people write for a population, built on
// first use.
var populationWords = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"tous": "tous", "toutes": "tous", "tout": "tous", "tout le monde": "tous", "tous les utilisateurs": "tous",
		"tous publics": "tous", "tous les publics": "tous", "tous les profils": "tous",
		"enseignant": "enseignants", "enseignants": "enseignants", "enseignante": "enseignants", "enseignantes": "enseignants",
		"professeur": "enseignants", "professeurs": "enseignants", "prof": "enseignants", "profs": "enseignants",
		"eleve": "eleves", "eleves": "eleves", "collegiens": "eleves", "lyceens": "eleves",
		"parent": "parents", "parents": "parents", "parents d eleves": "parents", "familles": "parents",
		"personnel": "personnels", "personnels": "personnels", "agents": "personnels",
		"personnels administratifs": "personnels", "personnel administratif": "personnels",
		"vie scolaire": "vie_scolaire", "vie_scolaire": "vie_scolaire", "cpe": "vie_scolaire",
		"direction": "direction", "equipe de direction": "direction",
	}
})

var populationSplitRe = lazyRegexp(`\s*(?:[,;/+&\n]|\bet\b|\band\b)\s*`)

// normPopulations reads a list of populations ("Enseignants, élèves",
// "tous"), each as its code when recognisable, else as written.
func normPopulations(v string) []string {
	var out []string
	seen := map[string]bool{}
	for _, item := range populationSplitRe().Split(v, -1) {
		item = strings.TrimSpace(strings.Trim(item, " .*()"))
		if item == "" {
			continue
		}
		k := foldLabel(item)
		for _, art := range []string{"les ", "des ", "aux ", "la ", "le ", "l "} {
			k = strings.TrimPrefix(k, art)
		}
		code, ok := populationWords()[k]
		if !ok {
			if p, okp := support.ParsePopulation(item); okp {
				code, ok = string(p), true
			}
		}
		if !ok {
			code = item
		}
		if !seen[code] {
			seen[code] = true
			out = append(out, code)
		}
	}
	return out
}

// normPriority gives the priority code from the first word that names one
// ("Bloquante (l'ENT est indisponible)", "majeur").
func normPriority(v string) string {
	for _, w := range strings.Fields(foldLabel(v)) {
		switch w {
		case "bloquante", "bloquant":
			return string(support.Bloquante)
		case "majeure", "majeur":
			return string(support.Majeure)
		case "mineure", "mineur":
			return string(support.Mineure)
		}
	}
	return v
}

var urlRe = lazyRegexp(`https?://[^\s<>()"]+`)

// normLocation keeps a breadcrumb as written and takes the address out of a
// link written with text ("le site <http://…>").
func normLocation(v string) string {
	if strings.Count(v, ">") >= 1 && !strings.Contains(v, "://") {
		return v
	}
	if u := urlRe().FindString(v); u != "" {
		return strings.TrimRight(u, ".,;")
	}
	return v
}

var (
	uaiRe        = lazyRegexp(`(?i)\b(\d{7})\s?([a-z])\b`)
	uaiAroundRe  = lazyRegexp(`(?i)[(\[]?\s*(?:(?:code\s+)?(?:uai|rne)\s*:?\s*)?\d{7}\s?[a-z]\b\s*[)\]]?`)
	estabSplitRe = lazyRegexp(`\s*/\s*|\s+[-–—]\s+|\s*,\s*`)
)

// splitEstablishment reads "Collège du Pilat (0420001Y) / Bourg-Argental":
// the UAI if there is one, the name and the city.
func splitEstablishment(v string) (uai, name, city string) {
	if m := uaiRe().FindStringSubmatch(v); m != nil {
		uai = m[1] + strings.ToUpper(m[2])
		loc := uaiAroundRe().FindStringIndex(v)
		if loc != nil {
			v = v[:loc[0]] + " " + v[loc[1]:]
		}
	}
	const seps = " \t-–—,/:"
	// Trailing separators say nothing; a leading one ("0420034J / Ville"
	// once the UAI is out) says that the name is missing, not the city.
	v = strings.TrimRight(strings.TrimSpace(v), seps)
	loc := estabSplitRe().FindAllStringIndex(v, -1)
	if loc == nil {
		return uai, strings.Trim(v, seps), ""
	}
	// The city is after the last separator; the name what comes before it.
	last := loc[len(loc)-1]
	return uai, strings.Trim(v[:last[0]], seps), strings.Trim(v[last[1]:], seps)
}

// ticketRe finds "[PREFIX-N]".
var ticketRe = lazyRegexp(`\[\s*([A-Za-z][A-Za-z0-9]{0,15})-(\d{1,18})\s*\]`)

// TicketNumber finds "[PREFIX-N]" in a subject and returns "PREFIX-N" with
// the prefix in upper case ("" if none).
func TicketNumber(subject string) string {
	m := ticketRe().FindStringSubmatch(subject)
	if m == nil {
		return ""
	}
	return strings.ToUpper(m[1]) + "-" + m[2]
}

// templateLabels are the procedure's own labels, as a request written for
// the server carries them. The server reads these French labels whatever
// the sender's language, so they are not translated: a template sent to
// an English-speaking sender has them too.
var templateLabels = map[string]string{
	"name":          "Nom et prénom",
	"function":      "Fonction",
	"phone":         "Numéro de téléphone",
	"establishment": "Etablissement / Ville",
	"subject":       "Objet de la demande",
	"population":    "Population concernée",
	"description":   "Description précise",
	"location":      "URL de l'établissement ou fil d'Ariane",
	"priority":      "Degré de priorité",
}

// TemplateLabel returns the label of the procedure for a field of the
// template ("name", "function", "phone", "establishment", "subject",
// "population", "description", "location", "priority"), as Request reads it.
func TemplateLabel(key string) string { return templateLabels[key] }
