package entcmd

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/httpapi/openapitest"
	"github.com/ent-support/ent-support/internal/servertest"
	"github.com/ent-support/ent-support/internal/sqlstore/pgtest"
)

// TestMain lets testscript run this test binary as the ent-support
// command: scripts exercise the real Main, in real processes. The run
// fails if any process the tests started outlives them.
func TestMain(m *testing.M) {
	testscript.Main(servertest.Checked(m), map[string]func(){
		"ent-support": func() { os.Exit(Main()) },
	})
}

// bootstrapToken is the first admin's token of every script's server.
const bootstrapToken = "ents_script_bootstrap_token_0123456789"

// scriptNow is the clock of the phone line in every script: a Sunday,
// when it is closed.
const scriptNow = "2026-12-06T12:00:00+01:00"

// TestScripts runs every script of testdata/script, each against a fresh
// server process of its own on a fresh SQLite file.
func TestScripts(t *testing.T) {
	runScripts(t, func(env *testscript.Env) error {
		return startServer(env, "sqlite:"+filepath.Join(env.WorkDir, ".server.db"))
	})
}

// TestScriptsPostgres runs the same scripts, unchanged, each against a
// fresh server process on a fresh PostgreSQL database.
func TestScriptsPostgres(t *testing.T) {
	c := pgtest.Start(t)
	runScripts(t, func(env *testscript.Env) error {
		dsn, drop, err := c.CreateDatabase()
		if err != nil {
			return err
		}
		// Deferred first, so run last: after the server stopped.
		env.Defer(drop)
		return startServer(env, dsn)
	})
}

func runScripts(t *testing.T, setup func(*testscript.Env) error) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *cmdtest.Update,
		Setup:               setup,
		Cmds:                scriptCmds,
	})
}

// scriptCmds are the commands every script may use besides testscript's.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"ent":        cmdEnt,
	"jq":         cmdJQ,
	"stdout2env": cmdStdoutToEnv,
	"mkfile":     cmdMkfile,
	"sha256":     cmdSHA256,
	"waitfile":   cmdWaitFile,
	"relay":      cmdRelay,
	"checkapi":   cmdCheckAPI,
}

// startServer starts `ent-support server` on a free port with the fresh
// database dsn, waits until it listens, and points the scripts at it as the
// bootstrap admin. The client's config and data directories and the
// system-wide file live in $WORK, so no script sees the machine's own.
func startServer(env *testscript.Env, dsn string) error {
	bin, err := exec.LookPath("ent-support")
	if err != nil {
		return err
	}
	work := env.WorkDir
	// The server's log, data and address are in $WORK/.server, out of
	// the scripts' way.
	dir := filepath.Join(work, ".server")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	p, err := servertest.Run(servertest.Options{Bin: bin, Dir: dir, Token: bootstrapToken, Database: dsn,
		Args: []string{"--prefix", "CG42N1"}}, env.Defer)
	if err != nil {
		return err
	}
	// The scripts reach the server through a proxy that checks every
	// answer against the OpenAPI document; a script whose server answered
	// anything the document does not say fails.
	scriptEnvs.Store(work, env)
	env.Defer(func() { scriptEnvs.Delete(work) })
	addr, err := validatingProxy(env.Defer, env.T().Fatal, "http://"+p.Addr)
	if err != nil {
		return err
	}
	// The same database opened read-only, for a second server that can
	// write nothing (outbox_readonly).
	readOnly := dsn + "?mode=ro"
	if strings.HasPrefix(dsn, "postgres") {
		readOnly = dsn + "&default_transaction_read_only=on"
	}
	env.Setenv("SERVER_DB_READONLY", readOnly)
	env.Setenv("SERVER_ADDR", addr)
	rl := &relay{target: addr}
	env.Values[relayKey{}] = rl
	env.Defer(rl.down)
	env.Setenv("ADMIN_TOKEN", bootstrapToken)
	env.Setenv("ENT_SUPPORT_SERVER", "http://"+addr)
	env.Setenv("ENT_SUPPORT_TOKEN", bootstrapToken)
	env.Setenv("ENT_SUPPORT_CONFIG_DIR", filepath.Join(work, "config"))
	// The phone line is closed (a Sunday) unless a script says otherwise:
	// what a bloquante ticket prints does not depend on when tests run.
	env.Setenv(cmdutil.EnvNow, scriptNow)
	env.Setenv("ENT_SUPPORT_DATA_DIR", filepath.Join(work, "data"))
	env.Setenv("ENT_SUPPORT_STATE_DIR", filepath.Join(work, "state"))
	// The system-wide file is the script's own (absent unless it writes
	// one), never the machine's /etc/ent-support/config.yaml.
	env.Setenv("ENT_SUPPORT_SYSTEM_CONFIG", filepath.Join(work, "etc", "ent-support", "config.yaml"))
	return nil
}

// scriptEnvs holds each running script's Env, by its $WORK, for the
// commands that need it.
var scriptEnvs sync.Map

// apiValidator is shared by every script's proxy (parsing the document
// is the costly part).
var apiValidator = sync.OnceValues(openapitest.New)

// validatingProxy starts a proxy in front of the server at target that
// checks every exchange against the OpenAPI document, and returns its
// address. At the end of the script it stops, and fails the script if it
// found anything.
func validatingProxy(deferFn func(func()), fatal func(...any), target string) (string, error) {
	v, err := apiValidator()
	if err != nil {
		return "", err
	}
	proxy, err := openapitest.NewProxy(v, target)
	if err != nil {
		return "", err
	}
	deferFn(func() {
		proxy.Close()
		if vs := proxy.Violations(); len(vs) > 0 {
			fatal("the server's answers differ from openapi.json:\n" + strings.Join(vs, "\n"))
		}
	})
	return proxy.Addr, nil
}

// cmdCheckAPI puts a validating proxy (see validatingProxy) in front of a
// server a script started itself: the variable holding its host:port then
// holds the proxy's.
//
//	checkapi ADDR
func cmdCheckAPI(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: checkapi VAR")
	}
	env, ok := scriptEnvs.Load(ts.Getenv("WORK"))
	if !ok {
		ts.Fatalf("checkapi: no server set up for this script")
	}
	// Not ts.Fatalf: it only works while a command runs, and the check
	// runs when the script ends.
	addr, err := validatingProxy(ts.Defer, env.(*testscript.Env).T().Fatal, "http://"+ts.Getenv(args[0]))
	ts.Check(err)
	ts.Setenv(args[0], addr)
}

// cmdEnt runs ent-support and checks its exit code:
//
//	ent 2 new --no-input ...
func cmdEnt(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: ent EXITCODE [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("ent: exit code %q is not a number", args[0])
	}
	err = ts.Exec("ent-support", args[1:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("ent: %v", err)
	}
	if got != want {
		ts.Fatalf("ent-support %s: exit code %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}

// cmdJQ checks a JSON document with jq -e: the filter must yield true.
// The document is the last command's stdout, or the file given.
//
//	jq '.status == "nouveau"' [file]
func cmdJQ(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: jq FILTER [file]")
	}
	in := "stdout"
	if len(args) == 2 {
		in = args[1]
	}
	cmd := exec.Command("jq", "-e", args[0])
	cmd.Stdin = strings.NewReader(ts.ReadFile(in))
	out, err := cmd.CombinedOutput()
	if err != nil && !neg {
		ts.Fatalf("jq -e %s: %v\n%s", args[0], err, out)
	}
	if err == nil && neg {
		ts.Fatalf("jq -e %s: unexpectedly true\n%s", args[0], out)
	}
}

// cmdStdoutToEnv keeps the last command's stdout, trimmed, in a variable:
// a token or a number to use later.
func cmdStdoutToEnv(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: stdout2env VAR")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile("stdout")))
}

// cmdMkfile writes a file of a kind and size: png (a PNG signature then
// random bytes, which is what type detection looks at), random or empty.
//
//	mkfile png shot.png 2048
func cmdMkfile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: mkfile png|random|zero FILE SIZE")
	}
	size, err := strconv.Atoi(args[2])
	ts.Check(err)
	b := make([]byte, size)
	switch args[0] {
	case "png":
		rand.Read(b)
		copy(b, "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
	case "random":
		rand.Read(b)
	case "zero":
	default:
		ts.Fatalf("mkfile: unknown kind %q", args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o644))
}

// cmdSHA256 puts the SHA-256 of a file in a variable.
func cmdSHA256(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sha256 FILE VAR")
	}
	h := sha256.Sum256([]byte(ts.ReadFile(args[0])))
	ts.Setenv(args[1], hex.EncodeToString(h[:]))
}

// cmdWaitFile waits (10 s at most) for a file to exist with content, and
// puts that content, trimmed, in a variable: a server's ready file.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: waitfile FILE VAR")
	}
	path := ts.MkAbs(args[0])
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(b)) > 0 {
			ts.Setenv(args[1], string(bytes.TrimSpace(b)))
			return
		}
	}
	ts.Fatalf("waitfile: %s did not appear within 10 s", args[0])
}
