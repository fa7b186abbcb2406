package prompter

import (
	"fmt"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// ask tells whether the form asks a field: always, unless the reporter's
// profile gave it (TicketRequest.Known) and nothing is wrong with it.
func (s *ticketState) ask(field string) bool {
	if !s.known[field] {
		return true
	}
	s.vmu.Lock()
	probs := s.req.Problems
	s.vmu.Unlock()
	for _, fe := range probs {
		if fe.Field == field {
			return true
		}
	}
	return false
}

// applyMine makes the function the one the reporter holds in the
// establishment chosen among theirs: their profile is the truth about it.
func (s *ticketState) applyMine() {
	in := &s.req.Input
	uai, _ := support.ParseUAI(in.Establishment.UAI)
	for _, m := range s.req.Mine {
		if m.Establishment.UAI != uai {
			continue
		}
		in.Reporter.Function = m.Function
		if in.Establishment.Name == "" && m.Establishment.Name != "" {
			in.Establishment.Name, in.Establishment.City = m.Establishment.Name, m.Establishment.City
		}
	}
}

// mineLabel names one of the reporter's establishments in a choice.
func (m messages) mineLabel(e Membership) string {
	fn := m.t("form.function." + string(e.Function))
	if e.Establishment.Name == "" {
		return fmt.Sprintf("%s — %s", e.Establishment.UAI, fn)
	}
	return fmt.Sprintf("%s, %s (%s) — %s", e.Establishment.Name, e.Establishment.City, e.Establishment.UAI, fn)
}

// matchLabel is one establishment found by a search: the UAI first, as
// typed codes are, then what people remember of it.
func matchLabel(e support.Establishment) string {
	return fmt.Sprintf("%s — %s (%s)", e.UAI, e.Name, e.City)
}

// shownMatches is how many matches the UAI field lists as people type.
const shownMatches = 5

// matchesHint lists, under the UAI field, the first establishments that
// match what is typed (a name, a town): the search shows as people type,
// and Enter then offers them all to choose from.
func (s *ticketState) matchesHint(found []support.Establishment) string {
	lines := []string{s.msg.t("form.uai.matches", "count", countLabel(len(found)))}
	for i, e := range found {
		if i == shownMatches {
			lines = append(lines, s.msg.t("form.uai.more", "count", fmt.Sprint(len(found)-shownMatches)))
			break
		}
		lines = append(lines, "  "+matchLabel(e))
	}
	return strings.Join(lines, "\n")
}

// countLabel is a match count; a full page may hide more.
func countLabel(n int) string {
	if n >= SearchLimit {
		return fmt.Sprintf("%d+", n)
	}
	return fmt.Sprint(n)
}

// SearchLimit is how many matches TicketRequest.Search should return:
// with that many, the form says there may be more.
const SearchLimit = 20
