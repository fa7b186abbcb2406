package create

import (
	"context"
	"fmt"
	"strings"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/support"
)

// The reporter's profile (GET /api/v1/me) in a ticket. A reporter files
// for themselves: their name, phone and e-mail pre-fill the ticket, and so
// do their establishment and function when they have only one. Staff
// (agents, admins, the embedded mode's local admin) file on behalf of
// someone else: their own profile pre-fills nothing.

// reporterOf returns the user when their profile is the ticket's
// reporter, and nil for staff.
func reporterOf(me *support.User) *support.User {
	if me == nil || me.Role != support.RoleReporter {
		return nil
	}
	return me
}

// profileInput is what a reporter's profile gives a ticket.
func profileInput(me *support.User) support.TicketInput {
	var in support.TicketInput
	if me == nil {
		return in
	}
	in.Reporter = support.Reporter{Name: me.Name, Phone: me.Phone, Email: me.Email}
	if len(me.Establishments) == 1 {
		in.Establishment.UAI = me.Establishments[0].UAI
	}
	// The function, when it is the same everywhere (a correspondent of two
	// schools): otherwise it follows the establishment chosen.
	for i, m := range me.Establishments {
		if i > 0 && m.Function != in.Reporter.Function {
			in.Reporter.Function = ""
			break
		}
		in.Reporter.Function = m.Function
	}
	return in
}

// membership returns the reporter's membership of the establishment uai.
func membership(me *support.User, uai string) (support.Membership, bool) {
	if me == nil {
		return support.Membership{}, false
	}
	u, fe := support.ParseUAI(uai)
	if fe != nil {
		return support.Membership{}, false
	}
	for _, m := range me.Establishments {
		if strings.EqualFold(m.UAI, u) {
			return m, true
		}
	}
	return support.Membership{}, false
}

// applyMembership: the profile is the truth about a reporter's function.
// In one of their establishments, it is the one they hold there, whatever
// a flag, file, draft or saved default said.
func applyMembership(in *support.TicketInput, me *support.User) {
	if m, ok := membership(me, in.Establishment.UAI); ok {
		in.Reporter.Function = m.Function
	}
}

// knownFields decides which identity questions the form leaves out for a
// reporter: those whose value is the profile's and valid. The function is
// never asked of a reporter (it follows the establishment); the
// establishment is not asked when it is their only one and the directory
// knows it (estKnown). Anything missing, invalid, or different from the
// profile (a flag, a file, a draft or a saved default that says otherwise)
// is asked, pre-filled with the value in hand. Staff are asked everything,
// but the identity when they file --for an account.
func knownFields(in support.TicketInput, me *support.User, estKnown bool) []string {
	if me == nil {
		if strings.TrimSpace(in.OnBehalfOf) != "" {
			// Staff filing --for an account: the server takes the identity
			// from that account, whatever is typed; only the establishment
			// (one of theirs) is asked.
			return []string{"reporter.name", "reporter.function", "reporter.phone", "reporter.email"}
		}
		return nil
	}
	var known []string
	if n, fe := support.ParseName("reporter.name", in.Reporter.Name); fe == nil {
		if p, fe := support.ParseName("reporter.name", me.Name); fe == nil && p == n {
			known = append(known, "reporter.name")
		}
	}
	if len(me.Establishments) > 0 {
		known = append(known, "reporter.function")
	}
	if samePhone(in.Reporter.Phone, me.Phone) {
		known = append(known, "reporter.phone")
	}
	if sameEmail(in.Reporter.Email, me.Email) {
		known = append(known, "reporter.email")
	}
	if _, ok := membership(me, in.Establishment.UAI); ok && len(me.Establishments) == 1 && estKnown {
		known = append(known, "establishment.uai")
	}
	return known
}

// samePhone: both valid, and the same number however written.
func samePhone(a, b string) bool {
	pa, fa := support.ParsePhone(a)
	pb, fb := support.ParsePhone(b)
	return fa == nil && fb == nil && pa == pb
}

// sameEmail: both valid, and the same address whatever its case.
func sameEmail(a, b string) bool {
	ea, fa := support.ParseEmail(a)
	eb, fb := support.ParseEmail(b)
	return fa == nil && fb == nil && strings.EqualFold(ea, eb)
}

// contactChanges is what of a filed ticket's phone and e-mail differs
// from the reporter's profile, to offer to save.
func contactChanges(t support.TicketInput, me *support.User) support.ContactUpdate {
	var c support.ContactUpdate
	if me == nil {
		return c
	}
	if _, fe := support.ParsePhone(t.Reporter.Phone); fe == nil && !samePhone(t.Reporter.Phone, me.Phone) {
		c.Phone = t.Reporter.Phone
	}
	if _, fe := support.ParseEmail(t.Reporter.Email); fe == nil && !sameEmail(t.Reporter.Email, me.Email) {
		c.Email = t.Reporter.Email
	}
	return c
}

// mine lists the reporter's establishments for the form, named from the
// directory when it knows them.
func (c *checker) mine(ctx context.Context, me *support.User) []prompter.Membership {
	if me == nil {
		return nil
	}
	var out []prompter.Membership
	for _, m := range me.Establishments {
		e := support.Establishment{UAI: m.UAI}
		if found, err := c.lookup(ctx, m.UAI); err == nil {
			e = *found
		}
		out = append(out, prompter.Membership{Establishment: e, Function: m.Function})
	}
	return out
}

// saveProfile, once the ticket is filed, offers to save the phone or
// e-mail it carries when they differ from the reporter's profile (with
// --save-profile: saves them without asking). The ticket is filed
// whatever happens here: a refusal (an e-mail another user holds) or an
// interruption is one line on stderr, never the command's failure.
func saveProfile(ctx context.Context, opts *NewOptions, who *support.User, t support.TicketInput, interactive bool) {
	w, lang := opts.IO.ErrOut, opts.Lang
	me := reporterOf(who)
	if me == nil {
		if who != nil && opts.SaveProfile {
			fmt.Fprintln(w, locale.T(lang, "cli.new.save.staff", nil))
		}
		return
	}
	ch := contactChanges(t, me)
	if ch == (support.ContactUpdate{}) {
		return
	}
	editor, err := opts.ContactEditor()
	if err != nil {
		// A back end that cannot change contact details: said only when
		// asked to save (--save-profile), never asked.
		if opts.SaveProfile {
			fmt.Fprintln(w, locale.T(lang, "cli.new.save.failed", map[string]string{"reason": locale.Message(lang, err)}))
		}
		return
	}
	var what []string
	if ch.Phone != "" {
		p, _ := support.ParsePhone(ch.Phone)
		what = append(what, locale.T(lang, "cli.new.save.phone", map[string]string{"phone": support.FormatPhone(p)}))
	}
	if ch.Email != "" {
		what = append(what, locale.T(lang, "cli.new.save.email", map[string]string{"email": ch.Email}))
	}
	whatText := strings.Join(what, locale.T(lang, "cli.new.save.and", nil))
	save := opts.SaveProfile
	if !save && interactive {
		ok, err := opts.Prompter().Confirm(ctx, "", locale.T(lang, "cli.new.save.question", map[string]string{"what": whatText}))
		save = err == nil && ok
	}
	if !save {
		return
	}
	sctx, cancel := context.WithTimeout(ctx, cmdutil.NetworkTimeout)
	defer cancel()
	if _, err := editor.UpdateMe(sctx, ch); err != nil {
		reason := locale.Message(lang, err)
		if e := support.AsError(err); e != nil {
			for _, fe := range e.Fields {
				reason += " " + locale.Field(lang, fe)
			}
		}
		fmt.Fprintln(w, locale.T(lang, "cli.new.save.failed", map[string]string{"reason": reason}))
		return
	}
	fmt.Fprintln(w, locale.T(lang, "cli.new.save.done", map[string]string{"what": whatText}))
}
