package prompter

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/huh"

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

// mineSelect asks which of their establishments the ticket is about.
func (h *Huh) mineSelect(s *ticketState) huh.Field {
	m := h.msg
	var opts []huh.Option[string]
	for _, e := range s.req.Mine {
		opts = append(opts, huh.NewOption(m.mineLabel(e), e.Establishment.UAI))
	}
	// Options before the value, so that a pre-filled one is the one shown.
	return huh.NewSelect[string]().Key(fUAI).Title(m.t("form.mine.title")).Options(opts...).
		Accessor(bind(s, &s.uai)).Validate(s.checkUAI).
		Description(describe(m.t("form.mine.desc"), s.problems(fUAI, "", "")))
}

// textQuestion is how the accessible mode asks one line (see asker.ticket).
type textQuestion func(field string, dst *string, desc, initial string, check func(string) error, hint func(string) string) error

// establishment asks the establishment in accessible mode: one of the
// reporter's own, or a UAI, name or city to search, then its name and
// city when the directory does not know it.
func (a *asker) establishment(s *ticketState, reached map[string]bool, text textQuestion) error {
	if !s.ask(fUAI) {
		return nil
	}
	m := a.m
	o := s.orig
	if len(s.req.Mine) > 0 {
		var opts []choice
		for _, e := range s.req.Mine {
			opts = append(opts, choice{m.mineLabel(e), e.Establishment.UAI})
		}
		v, err := a.choose(m.t("form.mine.title"), describe(m.t("form.mine.desc"), s.problems(fUAI, "", "")), opts, s.uai, s.checkUAI)
		if err != nil {
			return err
		}
		s.uai, reached[fUAI] = v, true
	} else {
		uaiDesc := m.t("form.uai.desc")
		if s.req.Search != nil {
			uaiDesc = m.t("form.uai.desc_search")
		}
		if err := text(fUAI, &s.uai, uaiDesc, o.Establishment.UAI, s.checkUAI, s.uaiHint); err != nil {
			return err
		}
		if s.needPick() {
			var opts []choice
			for _, e := range s.search(s.uai) {
				opts = append(opts, choice{matchLabel(e), e.UAI})
			}
			v, err := a.choose(m.t("form.pick.title"), m.t("form.pick.desc", "query", strings.TrimSpace(s.uai)), opts, s.pick, s.checkUAI)
			if err != nil {
				return err
			}
			s.pick, reached[fPick] = v, true
		}
	}
	if s.needDetails() {
		if err := text(fEstName, &s.estName, m.t("form.est_name.desc", "uai", s.chosenUAI()), o.Establishment.Name, s.checkEstName, nil); err != nil {
			return err
		}
		if err := text(fEstCity, &s.estCity, m.t("form.est_city.desc"), o.Establishment.City, s.checkEstCity, nil); err != nil {
			return err
		}
	}
	return nil
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
