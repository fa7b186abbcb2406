package entcmd

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/rt"
	"github.com/ent-support/ent-support/internal/rt/rttest"
	"github.com/ent-support/ent-support/internal/support"
)

// rtProfile is a config.yaml whose default profile files into RT.
func rtProfile(e *rttest.Env) string {
	return fmt.Sprintf("profiles:\n  default:\n    backend:\n      kind: rt\n      queue: %q\n      prefix: CG42N1\n", e.Queue)
}

// TestScriptsRT runs testdata/rt against the Request Tracker that .ci/rt
// installed: the real binary, as the seeded correspondent (AGENT_TOKEN is
// the agent's). RT's database is shared by every run, so each script's
// subjects carry $UNIQ.
func TestScriptsRT(t *testing.T) {
	e := rttest.Load(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/rt",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *cmdtest.Update,
		Setup: func(env *testscript.Env) error {
			work := env.WorkDir
			if err := os.MkdirAll(filepath.Join(work, "config"), 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(work, "config", "config.yaml"), []byte(rtProfile(e)), 0o600); err != nil {
				return err
			}
			env.Setenv("ENT_SUPPORT_SERVER", e.URL)
			env.Setenv("ENT_SUPPORT_TOKEN", e.CorrToken)
			env.Setenv("AGENT_TOKEN", e.AgentToken)
			env.Setenv("CORR_TOKEN", e.CorrToken)
			env.Setenv("AGENT_USER", e.AgentUser)
			env.Setenv("CORR_EMAIL", e.CorrEmail)
			env.Setenv("RT_URL", e.URL)
			env.Setenv("UNIQ", fmt.Sprintf("%d", time.Now().UnixNano()))
			env.Setenv("ENT_SUPPORT_POLL_INTERVAL", "1s")
			// RT behind a relay that the script turns off and on.
			u, err := url.Parse(e.URL)
			if err != nil {
				return err
			}
			host := u.Host
			if u.Port() == "" {
				host = net.JoinHostPort(u.Hostname(), "80")
			}
			rl := &relay{target: host, path: strings.TrimRight(u.Path, "/")}
			env.Values[relayKey{}] = rl
			env.Defer(rl.down)
			env.Setenv("ENT_SUPPORT_CONFIG_DIR", filepath.Join(work, "config"))
			env.Setenv(cmdutil.EnvNow, scriptNow)
			env.Setenv("ENT_SUPPORT_DATA_DIR", filepath.Join(work, "data"))
			env.Setenv("ENT_SUPPORT_STATE_DIR", filepath.Join(work, "state"))
			return nil
		},
		Cmds: scriptCmds,
	})
}

// TestRTStoppedMidCreate: RT is killed while `new` sends a ticket with a
// screenshot, at four moments of the create. Whatever RT had committed,
// the ticket goes to the outbox (exit 5); once RT is back, `outbox send`
// searches for its marker before sending again, and each subject exists
// exactly once in RT.
func TestRTStoppedMidCreate(t *testing.T) {
	e := rttest.Load(t)
	srv := e.StartServer(t)
	c := newClient(t, srv.URL)
	c.env = append(c.env, "ENT_SUPPORT_TOKEN="+e.CorrToken, "ENT_SUPPORT_TIMEOUT=20s")
	if err := os.MkdirAll(filepath.Join(c.dir, "config"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, "config", "config.yaml"), []byte(rtProfile(e)), 0o600); err != nil {
		t.Fatal(err)
	}
	// The reporter must be the seeded correspondent: RT makes the
	// requestor's account, and only it may read the ticket.
	ticket := strings.Replace(mustRead(t, filepath.Join(c.dir, "ticket.yaml")), "marie.curie@example.org", e.CorrEmail, 1)
	if err := os.WriteFile(filepath.Join(c.dir, "ticket.yaml"), []byte(ticket), 0o600); err != nil {
		t.Fatal(err)
	}
	shot := pngFile(t, c.dir, 512<<10)
	// Warm the field cache while RT is up (as any earlier `new` would).
	if code, _, errs := c.run("doctor"); code != 0 {
		t.Fatalf("doctor: %d\n%s", code, errs)
	}
	uniq := time.Now().Format("150405.000")
	var subjects []string
	for i, delay := range []time.Duration{50 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1100 * time.Millisecond} {
		subject := fmt.Sprintf("Coupure RT %s n°%d", uniq, i)
		subjects = append(subjects, subject)
		done := make(chan string, 1)
		go func() { done <- c.file(subject, "--attach", shot) }()
		time.Sleep(delay)
		srv.Stop()
		printed := <-done
		srv.Start()
		if printed != "" {
			// RT answered before it died: filed, nothing kept.
			t.Logf("round %d (kill after %v): filed %s before RT stopped", i, delay, printed)
			continue
		}
		// (Not with `list`: it would send the outbox first.)
		t.Logf("round %d (kill after %v): kept in the outbox; RT had committed it: %v", i, delay,
			rtHas(t, e, srv.URL, subject))
		got := c.flush()
		if len(got) != 1 {
			t.Errorf("round %d: outbox send printed %v, want one number", i, got)
		}
	}
	if got := c.flush(); len(got) != 0 {
		t.Errorf("a second send printed %v", got)
	}
	for _, s := range subjects {
		code, out, errs := c.run("list", "--limit", "100")
		if code != 0 {
			t.Fatalf("list: %d %s", code, errs)
		}
		if n := strings.Count(out, "\t"+s+"\n"); n != 1 {
			t.Errorf("%q is in RT %d times, want exactly once", s, n)
		}
	}
}

// rtHas reports whether RT holds a ticket with this subject, asking RT
// directly.
func rtHas(t *testing.T, e *rttest.Env, url, subject string) bool {
	t.Helper()
	c, err := rt.New(rt.Config{BaseURL: url, Token: e.CorrToken, Queue: e.Queue})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.ListTickets(context.Background(), support.TicketFilter{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range p.Tickets {
		if tk.Subject == subject {
			return true
		}
	}
	return false
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
