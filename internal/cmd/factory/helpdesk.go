package factory

import (
	"cmp"
	"context"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/build"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/rt"
	"github.com/ent-support/ent-support/internal/support"
)

// EnvPollInterval changes how often `follow` asks a helpdesk (RT,
// Redmine) that cannot push: a Go duration, at least 500 ms.
const EnvPollInterval = "ENT_SUPPORT_POLL_INTERVAL"

// helpdeskSettings are what the RT and Redmine back ends take from the
// profile and the environment alike.
func helpdeskSettings(f *cmdutil.Factory, r config.Resolved) (timeout, poll time.Duration, state string, err error) {
	if r.Server == "" {
		return 0, 0, "", cmdutil.Usage("cli.backend.no_server", map[string]string{"kind": r.Backend.Kind})
	}
	if timeout, err = clientTimeout(f.Getenv(EnvTimeout)); err != nil {
		return 0, 0, "", err
	}
	if v := strings.TrimSpace(f.Getenv(EnvPollInterval)); v != "" {
		if poll, err = time.ParseDuration(v); err != nil || poll < 500*time.Millisecond || poll > time.Hour {
			return 0, 0, "", cmdutil.Usage("cli.poll.invalid", map[string]string{"value": v})
		}
	}
	state, err = config.StateDir(f.Getenv)
	return timeout, poll, state, err
}

// caFile is --ca-file, else ENT_SUPPORT_CA_FILE: a territory's own CA,
// trusted by every back end alike.
func caFile(f *cmdutil.Factory) string {
	return cmp.Or(f.CAFileFlag, f.Getenv(EnvCAFile))
}

// rtBackend is Request Tracker 5 through REST2, for a profile of kind rt.
// RT has no directory, no way to change a person's contact details and
// no admin service of ours; its REST2 cannot say who holds a token, so it
// checks tokens on their own.
func rtBackend(f *cmdutil.Factory, r config.Resolved) (*cmdutil.Backend, error) {
	timeout, poll, state, err := helpdeskSettings(f, r)
	if err != nil {
		return nil, err
	}
	prefix := r.Backend.Prefix
	if prefix == "" {
		prefix = "RT"
	}
	c, err := rt.New(rt.Config{CAFile: caFile(f), BaseURL: r.Server, Token: r.Token, Queue: r.Backend.Queue, Prefix: prefix,
		Fields: r.Backend.Fields, StateDir: state, UserAgent: "ent-support/" + build.Version, Timeout: timeout,
		PollInterval: poll, Now: f.Now, T: f.T})
	if err != nil {
		return nil, err
	}
	return &cmdutil.Backend{Kind: config.KindRT, Name: f.T("cli.auth.kind.rt", nil), Caps: cmdutil.Capabilities{
		Info: c, Tickets: c, Identity: c, Workflow: c, Follower: c, Doctor: c, TokenChecker: c,
	}}, nil
}

// nativeDoctor checks a profile of our own server: reachable, then the
// token (there is nothing to configure on our side).
type nativeDoctor struct {
	info   support.InfoService
	me     support.Identity
	t      func(string, map[string]string) string
	server string
}

func (d nativeDoctor) Doctor(ctx context.Context) []support.Check {
	p := map[string]string{"server": d.server}
	if d.server == "" {
		p["server"] = d.t("doctor.native.embedded", nil)
	}
	info, err := d.info.Info(ctx)
	c := support.Check{Name: d.t("doctor.native.reachable", p), OK: err == nil}
	if err != nil {
		c.Fix = d.t("doctor.native.reachable.fix", p)
		return []support.Check{c}
	}
	p["version"] = info.Version
	c.Detail = d.t("doctor.native.version", p)
	out := []support.Check{c}
	me, err := d.me.Me(ctx)
	tc := support.Check{Name: d.t("doctor.native.token", p), OK: err == nil}
	if err != nil {
		tc.Fix = d.t("doctor.native.token.fix", p)
	} else {
		tc.Detail = me.Mailbox()
	}
	return append(out, tc)
}
