package create

import (
	"context"

	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/support"
)

// services are the capabilities of the back end that `new` works with:
// info, tickets and identity it needs; dir is nil when the back end has no
// directory of establishments (RT, Redmine), and then the establishment is
// typed in full (UAI, name, city) as the server's info says.
type services struct {
	info     support.InfoService
	tickets  support.Tickets
	identity support.Identity
	dir      support.Directory
}

// services asks the factory for each capability `new` uses. The contact
// editor is asked for only when the reporter saves their details.
func (opts *NewOptions) services() (*services, error) {
	var s services
	var err error
	if s.info, err = opts.Info(); err != nil {
		return nil, err
	}
	if s.tickets, err = opts.Tickets(); err != nil {
		return nil, err
	}
	if s.identity, err = opts.Identity(); err != nil {
		return nil, err
	}
	if s.dir, err = opts.Directory(); err != nil && !cmdutil.IsUnsupported(err) {
		return nil, err
	}
	return &s, nil
}

// search is the form's establishment search, nil without a directory:
// the form then asks for the UAI, the name and the city.
func (s *services) search() func(ctx context.Context, q string) ([]support.Establishment, error) {
	if s.dir == nil {
		return nil
	}
	return func(ctx context.Context, q string) ([]support.Establishment, error) {
		return s.dir.SearchEstablishments(ctx, q, prompter.SearchLimit)
	}
}
