package redmine

import (
	"regexp"
	"strings"

	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// ENT field keys, as the profile's fields map names them.
const (
	keyFunction      = "function"
	keyPhone         = "phone"
	keyEstablishment = "establishment"
	keyCity          = "city"
	keyPopulation    = "population"
	keyLocation      = "location"
)

// fieldKeys lists the ENT fields that land in custom fields, in form order.
var fieldKeys = []string{keyFunction, keyPhone, keyEstablishment, keyCity, keyPopulation, keyLocation}

// defaultFieldNames are the custom fields' French names.
var defaultFieldNames = map[string]string{
	keyFunction:      "Fonction",
	keyPhone:         "Téléphone",
	keyEstablishment: "Établissement",
	keyCity:          "Commune",
	keyPopulation:    "Population concernée",
	keyLocation:      "URL ou fil d'Ariane",
}

// defaultPriorityNames are Redmine priorities named after the procedure's.
var defaultPriorityNames = map[support.Priority]string{
	support.Bloquante: "Bloquante", support.Majeure: "Majeure", support.Mineure: "Mineure",
}

// defaultStatusNames are Redmine's French default statuses for ours.
// "Commentaire" (Feedback) is Redmine's "waiting for the reporter".
var defaultStatusNames = map[support.Status]string{
	support.StatusNew: "Nouveau", support.StatusOpen: "En cours", support.StatusWaiting: "Commentaire",
	support.StatusResolved: "Résolu", support.StatusClosed: "Fermé",
}

// fieldName is the custom field's name for an ENT field key, from the
// profile or the French default.
func (c *Client) fieldName(key string) string {
	if v := strings.TrimSpace(c.cfg.Fields[key]); v != "" {
		return v
	}
	return defaultFieldNames[key]
}

func (c *Client) priorityName(p support.Priority) string {
	if v := strings.TrimSpace(c.cfg.Fields["priority."+string(p)]); v != "" {
		return v
	}
	return defaultPriorityNames[p]
}

func (c *Client) statusName(s support.Status) string {
	if v := strings.TrimSpace(c.cfg.Fields["status."+string(s)]); v != "" {
		return v
	}
	return defaultStatusNames[s]
}

// sameName compares names the way people see them: case and accents aside.
func sameName(a, b string) bool {
	return strings.EqualFold(unaccent.Replace(strings.TrimSpace(a)), unaccent.Replace(strings.TrimSpace(b)))
}

var unaccent = strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "É", "E", "È", "E", "Ê", "E",
	"à", "a", "â", "a", "À", "A", "î", "i", "ï", "i", "ô", "o", "Ô", "O", "ù", "u", "û", "u", "ü", "u", "ç", "c", "Ç", "C")

// The values written into the custom fields are the French labels people
// read in Redmine (a list field's allowed values), never our API keys.

func functionLabel(f support.Function) string {
	return locale.T(locale.FR, "cli.function."+string(f), nil)
}

func populationLabel(p support.Population) string {
	return locale.T(locale.FR, "cli.population."+string(p), nil)
}

// parseFunction reads a function back: its label, or the words people use.
func parseFunction(v string) support.Function {
	for _, f := range support.Functions {
		if sameName(v, functionLabel(f)) {
			return f
		}
	}
	f, _ := support.ParseFunction(v)
	return f
}

func parsePopulation(v string) (support.Population, bool) {
	for _, p := range support.Populations {
		if sameName(v, populationLabel(p)) {
			return p, true
		}
	}
	return support.ParsePopulation(v)
}

// establishmentValue writes "Name (UAI)", or the UAI alone.
func establishmentValue(e support.Establishment) string {
	if e.Name == "" {
		return e.UAI
	}
	return e.Name + " (" + e.UAI + ")"
}

var uaiInValue = regexp.MustCompile(`^(?:(.*?)\s*\()?([0-9]{7}[A-Za-z])\)?\s*$`)

func parseEstablishment(v string) support.Establishment {
	if m := uaiInValue.FindStringSubmatch(strings.TrimSpace(v)); m != nil {
		return support.Establishment{Name: m[1], UAI: strings.ToUpper(m[2])}
	}
	return support.Establishment{Name: v}
}

// fieldValues gives each ENT field key's custom field value for in.
func fieldValues(in support.TicketInput) map[string]any {
	pops := make([]string, 0, len(in.Population))
	for _, p := range in.Population {
		pops = append(pops, populationLabel(p))
	}
	return map[string]any{
		keyFunction:      functionLabel(in.Reporter.Function),
		keyPhone:         support.FormatPhone(in.Reporter.Phone),
		keyEstablishment: establishmentValue(in.Establishment),
		keyCity:          in.Establishment.City,
		keyPopulation:    pops,
		keyLocation:      in.Location,
	}
}

// The description carries what has no field of its own in Redmine: who
// filed the ticket for whom (the author is the key's owner) and the
// ticket's idempotency key, the marker searched for before any create.
const (
	footerSep    = "\n\n-- \n"
	reporterLine = "Déclaré par : "
	markerLine   = "Référence ent-support : "
)

// marker is what the description holds for key: unique, and found by a
// "contains" search.
func marker(key string) string { return markerLine + key }

func description(in support.TicketInput, key string) string {
	var b strings.Builder
	b.WriteString(in.Description)
	b.WriteString(footerSep)
	b.WriteString(reporterLine + in.Reporter.Name)
	if in.Reporter.Email != "" {
		b.WriteString(" <" + in.Reporter.Email + ">")
	}
	if key != "" {
		b.WriteString("\n" + marker(key))
	}
	return b.String()
}

// splitDescription returns the description without our footer, and the
// reporter's name and e-mail the footer names.
func splitDescription(d string) (body, name, email string) {
	d = strings.ReplaceAll(d, "\r\n", "\n")
	i := strings.LastIndex(d, footerSep)
	if i < 0 {
		return d, "", ""
	}
	body = d[:i]
	for _, line := range strings.Split(d[i+len(footerSep):], "\n") {
		if rest, ok := strings.CutPrefix(line, reporterLine); ok {
			name = rest
			if j := strings.LastIndex(rest, " <"); j >= 0 && strings.HasSuffix(rest, ">") {
				name, email = rest[:j], rest[j+2:len(rest)-1]
			}
		}
	}
	return body, name, email
}
