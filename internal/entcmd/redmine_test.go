package entcmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/redmine/redminetest"
)

// TestRedmineScripts runs testdata/redmine/*.txtar with the real binary
// against the real Redmine 5 that .ci/redmine started: the profile is of
// kind redmine, as the correspondent (role Rapporteur); $AGENT_KEY is an
// agent's key (role Manager), used with ENT_SUPPORT_TOKEN. $RUN and $UAI
// are the script's own, for subjects to count and lists to filter on a
// shared server.
func TestRedmineScripts(t *testing.T) {
	e := redminetest.Real(t)
	cmds := maps.Clone(scriptCmds)
	cmds["redmine"] = func(ts *testscript.TestScript, neg bool, args []string) { cmdRedmine(ts, neg, args, e) }
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/redmine",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *cmdtest.Update,
		Setup:               func(env *testscript.Env) error { return redmineSetup(env, e) },
		Cmds:                cmds,
	})
}

// privateRedmine holds a script's private Redmine, if it started one.
type (
	privateKey     struct{}
	privateRedmine struct{ in *redminetest.Instance }
)

// redmineSetup writes the profile: server, key, kind, project, tracker,
// prefix RM, and the reporter's saved defaults.
func redmineSetup(env *testscript.Env, e redminetest.Env) error {
	work := env.WorkDir
	var b [4]byte
	rand.Read(b[:])
	env.Setenv("RUN", hex.EncodeToString(b[:]))
	// A valid UAI of the script's own, for lists that other tests'
	// tickets must not disturb.
	n := (int(b[0])<<16 | int(b[1])<<8 | int(b[2])) % 10_000_000
	env.Setenv("UAI", fmt.Sprintf("%07d%c", n, "ABCDEFGHJKLMNPRSTUVWXYZ"[n%23]))
	env.Values[privateKey{}] = &privateRedmine{}
	env.Setenv("AGENT_KEY", e.AgentKey)
	env.Setenv("REDMINE_URL", e.URL)
	env.Setenv("REDMINE_KEY", e.Key)
	env.Setenv("ENT_SUPPORT_CONFIG_DIR", filepath.Join(work, "config"))
	env.Setenv(cmdutil.EnvNow, scriptNow)
	env.Setenv("ENT_SUPPORT_DATA_DIR", filepath.Join(work, "data"))
	env.Setenv("ENT_SUPPORT_STATE_DIR", filepath.Join(work, "state"))
	env.Setenv("ENT_SUPPORT_POLL_INTERVAL", "500ms")
	if err := os.MkdirAll(filepath.Join(work, "config"), 0o700); err != nil {
		return err
	}
	profile := fmt.Sprintf(`profiles:
  default:
    server: %s
    token: %s
    backend: {kind: redmine, project: %s, tracker: %s, prefix: RM}
    reporter: {name: Camille Dupont, function: correspondant_ent, phone: 06 39 98 12 34, email: camille.dupont@ac-exemple.test}
`, e.URL, e.Key, e.Project, e.Tracker)
	return os.WriteFile(filepath.Join(work, "config", "config.yaml"), []byte(profile), 0o600)
}

// cmdRedmine drives the Redmine side of a script:
//
//	redmine count SUBJECT N   the project holds exactly N issues of that subject (admin key)
//	redmine start             start a private Redmine (same database, own port): $PRIVATE_URL
//	redmine stop              SIGKILL it, mid-run
//	redmine restart           start it again on the same port
//	redmine lossy             a proxy to it ($LOSSY_URL) that, at the first create, lets
//	                          Redmine commit it, then kills Redmine before the answer
func cmdRedmine(ts *testscript.TestScript, neg bool, args []string, e redminetest.Env) {
	if len(args) == 0 {
		ts.Fatalf("usage: redmine count|start|stop|restart")
	}
	h := ts.Value(privateKey{}).(*privateRedmine)
	switch args[0] {
	case "count":
		if len(args) != 3 {
			ts.Fatalf("usage: redmine count SUBJECT N")
		}
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		if got := countSubject(ts, e, args[1]); got != want {
			ts.Fatalf("%d issues titled %q, want %d", got, args[1], want)
		}
	case "start", "restart":
		port := 0
		if h.in != nil {
			port = h.in.Port
		}
		in, err := redminetest.Start(port)
		ts.Check(err)
		ts.Defer(func() { in.Stop() })
		ts.Setenv("PRIVATE_URL", in.URL)
		h.in = in
	case "lossy":
		if h.in == nil {
			ts.Fatalf("redmine lossy: start one first")
		}
		target, _ := url.Parse(h.in.URL)
		rp := httputil.NewSingleHostReverseProxy(target)
		var creates atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/issues.json" && creates.Add(1) == 1 {
				rec := httptest.NewRecorder()
				rp.ServeHTTP(rec, r) // Redmine files it...
				h.in.Stop()          // ...and dies before anyone hears of it
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					conn.Close()
				}
				return
			}
			rp.ServeHTTP(w, r)
		}))
		ts.Defer(srv.Close)
		ts.Setenv("LOSSY_URL", srv.URL)
	case "stop":
		if h.in == nil {
			ts.Fatalf("redmine stop: none started")
		}
		ts.Check(h.in.Stop())
	default:
		ts.Fatalf("redmine: unknown %q", args[0])
	}
}

// countSubject counts the project's issues with exactly this subject.
func countSubject(ts *testscript.TestScript, e redminetest.Env, subject string) int {
	q := url.Values{"project_id": {e.Project}, "status_id": {"*"}, "subject": {"~" + subject}, "limit": {"100"}}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, e.URL+"/issues.json?"+q.Encode(), nil)
	req.Header.Set("X-Redmine-API-Key", e.AdminKey)
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	var list struct {
		Issues []struct {
			Subject string `json:"subject"`
		} `json:"issues"`
	}
	ts.Check(json.NewDecoder(resp.Body).Decode(&list))
	n := 0
	for _, is := range list.Issues {
		if strings.TrimSpace(is.Subject) == subject {
			n++
		}
	}
	return n
}
