package redmine

import (
	"strings"

	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/support"
)

// fieldKeys are the ENT fields that land in Redmine custom fields: all of
// helpdesk's but the priority, which is Redmine's own priority.
var fieldKeys = func() []string {
	var out []string
	for _, k := range helpdesk.FieldKeys {
		if k != helpdesk.FieldPriority {
			out = append(out, k)
		}
	}
	return out
}()

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

// priorityName is the Redmine priority for p: the profile's
// (fields: priority.bloquante: Immédiat) or the default.
func (c *Client) priorityName(p support.Priority) string {
	if v := strings.TrimSpace(c.cfg.Fields["priority."+string(p)]); v != "" {
		return v
	}
	return defaultPriorityNames[p]
}

// statusName is the Redmine status for s: the profile's
// (fields: status.en_attente: En attente) or the French default.
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
