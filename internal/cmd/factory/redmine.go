package factory

import (
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/build"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/redmine"
)

// redmineBackend is a profile of kind redmine: the Redmine client, with
// the profile's project, tracker, prefix and field names. Redmine has no
// admin service of ours (people and directory are Redmine's).
func redmineBackend(f *cmdutil.Factory, r config.Resolved) (*backend, error) {
	timeout, err := clientTimeout(f.Getenv(EnvTimeout))
	if err != nil {
		return nil, err
	}
	state, err := config.StateDir(f.Getenv)
	if err != nil {
		return nil, err
	}
	// ENT_SUPPORT_POLL_INTERVAL (a Go duration) changes follow's polite
	// default, for tests and impatient operators.
	poll, _ := time.ParseDuration(f.Getenv("ENT_SUPPORT_POLL_INTERVAL"))
	c, err := redmine.New(redmine.Config{BaseURL: strings.TrimRight(r.Server, "/"), Key: r.Token,
		Project: r.Backend.Project, Tracker: r.Backend.Tracker, Prefix: r.Backend.Prefix, Fields: r.Backend.Fields,
		StateDir: state, Lang: f.Lang, UserAgent: "ent-support/" + build.Version, Timeout: timeout, PollInterval: poll})
	if err != nil {
		return nil, err
	}
	return &backend{tickets: c}, nil
}
