package server

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
)

// rotate-link-key: the database from --database, else
// ENT_SUPPORT_SERVER_DATABASE; --revoke passed on; the outcome said on
// stderr; a failure returned as is.
func TestRotateLinkKey(t *testing.T) {
	for _, tc := range []struct {
		name, env, wantDB, wantMsg string
		args                       []string
		revoke                     bool
		fail                       error
	}{
		{name: "flag", args: []string{"--database", "sqlite:/srv/a.db"}, env: "sqlite:/srv/env.db", wantDB: "sqlite:/srv/a.db", wantMsg: "Clé des liens remplacée :"},
		{name: "environment", env: "postgres://db/ent", wantDB: "postgres://db/ent", wantMsg: "Clé des liens remplacée :"},
		{name: "default", wantDB: "", wantMsg: "Clé des liens remplacée :"},
		{name: "revoke", args: []string{"--revoke"}, revoke: true, wantMsg: "anciennes clés révoquées"},
		{name: "failure", fail: errors.New("database is locked")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, _, _, stderr := cmdtest.Factory(t, cmdtest.NewTickets())
			f.Getenv = func(k string) string {
				if k == "ENT_SUPPORT_SERVER_DATABASE" {
					return tc.env
				}
				return ""
			}
			var gotDB string
			var gotRevoke bool
			f.RotateLinkKey = func(_ context.Context, db string, revoke bool) error {
				gotDB, gotRevoke = db, revoke
				return tc.fail
			}
			cmd := NewCmdServer(f, func(*ServerOptions) error { t.Error("the server ran"); return nil })
			cmd.SetArgs(append([]string{"rotate-link-key"}, tc.args...))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tc.fail != nil {
				if !errors.Is(err, tc.fail) {
					t.Errorf("error %v, want %v", err, tc.fail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if gotDB != tc.wantDB || gotRevoke != tc.revoke {
				t.Errorf("rotated %q revoke=%t, want %q revoke=%t", gotDB, gotRevoke, tc.wantDB, tc.revoke)
			}
			if !strings.Contains(stderr.String(), tc.wantMsg) {
				t.Errorf("stderr %q, want %q", stderr.String(), tc.wantMsg)
			}
		})
	}
}
