package factory

import (
	"cmp"

	"github.com/ent-support/ent-support/internal/build"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/redmine"
)

// redmineBackend is Redmine 5 through its REST API, for a profile of kind
// redmine: the profile's project, tracker, prefix (RM when unset) and
// field names. People and the directory are Redmine's: no admin service,
// no directory, and contact details are changed in the Redmine account.
func redmineBackend(f *cmdutil.Factory, r config.Resolved) (*cmdutil.Backend, error) {
	timeout, poll, state, err := helpdeskSettings(f, r)
	if err != nil {
		return nil, err
	}
	c, err := redmine.New(redmine.Config{CAFile: caFile(f), BaseURL: r.Server, Key: r.Token, Project: r.Backend.Project,
		Tracker: r.Backend.Tracker, Prefix: cmp.Or(r.Backend.Prefix, "RM"), Fields: r.Backend.Fields,
		StateDir: state, Lang: f.Lang, UserAgent: "ent-support/" + build.Version, Timeout: timeout, PollInterval: poll})
	if err != nil {
		return nil, err
	}
	return &cmdutil.Backend{Kind: config.KindRedmine, Name: f.T("cli.auth.kind.redmine", nil), Caps: cmdutil.Capabilities{
		Info: c, Tickets: c, Identity: c, Workflow: c, Follower: c, Doctor: c,
	}}, nil
}
