package create

import (
	"context"
	"strings"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/support"
)

// checker validates a whole ticket the same way on the flag path and after
// the form: the field rules, the establishment against the server's
// directory, and each file by content against the server's limits.
type checker struct {
	lang string
	// dir is the server's directory; nil when the back end has none
	// (RT, Redmine): every establishment is then typed in full.
	dir  support.Directory
	info *support.ServerInfo // nil when the server could not be asked
	// directoryRefused: the last check found the establishment refused by
	// the server's directory (not a mistake a script can see by itself).
	directoryRefused bool
}

// lookup finds an establishment by its exact UAI in the server's directory.
func (c *checker) lookup(ctx context.Context, uai string) (*support.Establishment, error) {
	if c.dir == nil {
		return nil, support.Errorf(support.ENOTFOUND, "error.establishment_not_found", map[string]string{"uai": uai})
	}
	es, err := c.dir.SearchEstablishments(ctx, uai, 5)
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if strings.EqualFold(e.UAI, uai) {
			return &e, nil
		}
	}
	return nil, support.Errorf(support.ENOTFOUND, "error.establishment_not_found", map[string]string{"uai": uai})
}

func (c *checker) check(ctx context.Context, in support.TicketInput, paths []string) (support.TicketInput, []support.Upload, []support.FieldError) {
	norm, errs := in.Normalize()
	if norm.OnBehalfOf != "" && !hasField(errs, "on_behalf_of") {
		errs = accountFields(errs)
	}
	c.directoryRefused = false
	if c.info != nil && norm.Establishment.UAI != "" && !hasField(errs, "establishment.uai") {
		e, err := c.lookup(ctx, norm.Establishment.UAI)
		switch {
		case err == nil:
			norm.Establishment = *e
		case support.ErrorCode(err) == support.ENOTFOUND && !c.info.OpenDirectory:
			errs = append(errs, support.FieldError{Field: "establishment.uai", Rule: support.RuleUAIUnknown})
			c.directoryRefused = true
		case support.ErrorCode(err) == support.ENOTFOUND:
			if norm.Establishment.Name == "" {
				errs = append(errs, support.FieldError{Field: "establishment.name", Rule: support.RuleRequired})
			}
			if norm.Establishment.City == "" {
				errs = append(errs, support.FieldError{Field: "establishment.city", Rule: support.RuleRequired})
			}
		}
		// Any other error (a token refused, a server gone) is met again,
		// and reported, by the create itself.
	}
	ups, ferrs := c.files(paths)
	return norm, ups, append(errs, ferrs...)
}

// accountFields leaves out the problems of the fields that the server
// takes from the account named by --for: its name, function and e-mail
// whatever was typed; its phone and its establishment when it has one and
// none was given.
func accountFields(errs []support.FieldError) []support.FieldError {
	var out []support.FieldError
	for _, fe := range errs {
		switch {
		case fe.Field == "reporter.name", fe.Field == "reporter.function", fe.Field == "reporter.email":
			continue
		case (fe.Field == "reporter.phone" || fe.Field == "establishment.uai") && fe.Rule == support.RuleRequired:
			continue
		}
		out = append(out, fe)
	}
	return out
}

func hasField(errs []support.FieldError, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

// files checks every attachment before anything is sent (see
// cmdutil.CheckFiles, shared with `comment`).
func (c *checker) files(paths []string) ([]support.Upload, []support.FieldError) {
	return cmdutil.CheckFiles(c.lang, c.info, paths)
}
