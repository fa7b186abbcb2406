package create

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ent-support/ent-support/internal/filecheck"
	"github.com/ent-support/ent-support/internal/support"
)

// checker validates a whole ticket the same way on the flag path and after
// the form: the field rules, the establishment against the server's
// directory, and each file by content against the server's limits.
type checker struct {
	lang string
	svc  support.TicketService
	info *support.ServerInfo // nil when the server could not be asked
}

// lookup finds an establishment by its exact UAI in the server's directory.
func (c *checker) lookup(ctx context.Context, uai string) (*support.Establishment, error) {
	es, err := c.svc.SearchEstablishments(ctx, uai, 5)
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
	if c.info != nil && norm.Establishment.UAI != "" && !hasField(errs, "establishment.uai") {
		e, err := c.lookup(ctx, norm.Establishment.UAI)
		switch {
		case err == nil:
			norm.Establishment = *e
		case support.ErrorCode(err) == support.ENOTFOUND && !c.info.OpenDirectory:
			errs = append(errs, support.FieldError{Field: "establishment.uai", Rule: support.RuleUAIUnknown})
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

func hasField(errs []support.FieldError, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

// files checks every attachment before anything is sent: a file that
// cannot be read, is empty, too big or of a refused type is reported with
// the others. Without the server's limits (server unreachable), sizes are
// checked against the defaults.
func (c *checker) files(paths []string) ([]support.Upload, []support.FieldError) {
	lim := support.DefaultLimits()
	if c.info != nil && c.info.Limits.MaxFileSize > 0 {
		lim = c.info.Limits
	}
	var (
		ups   []support.Upload
		errs  []support.FieldError
		total int64
	)
	if lim.MaxFiles > 0 && len(paths) > lim.MaxFiles {
		errs = append(errs, *filecheck.TooMany(lim.MaxFiles))
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			errs = append(errs, *unreadable(c.lang, "attachments", p, err))
			continue
		}
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			f.Close()
			errs = append(errs, *unreadable(c.lang, "attachments", p, errIsDir))
			continue
		}
		res, fe := filecheck.Inspect(filepath.Base(p), f, lim.MaxFileSize)
		f.Close()
		if fe != nil {
			errs = append(errs, *fe)
			continue
		}
		total += res.Size
		path := p
		ups = append(ups, support.Upload{Name: res.Name, Size: res.Size,
			Open: func() (io.ReadCloser, error) { return os.Open(path) }})
	}
	if lim.MaxTicketSize > 0 && total > lim.MaxTicketSize {
		errs = append(errs, *filecheck.TicketTooBig(total, lim.MaxTicketSize))
	}
	return ups, errs
}
