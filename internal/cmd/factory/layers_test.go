package factory

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ent-support/ent-support/internal/build"
	"github.com/ent-support/ent-support/internal/config"
)

// TestTheFactoryWeighsEveryLevel: the real factory reads the --server
// flag, ENT_SUPPORT_SERVER, the user's config.yaml, the system-wide file
// named by ENT_SUPPORT_SYSTEM_CONFIG and build.DefaultServer, in that
// order, each against the next.
func TestTheFactoryWeighsEveryLevel(t *testing.T) {
	type levels struct{ flag, env, user, system, build string }
	all := levels{"https://flag.example", "https://env.example", "https://user.example", "https://system.example", "https://build.example"}
	tests := []struct {
		name   string
		levels levels
		want   string
		source config.ServerSource
	}{
		{"flag over environment", all, all.flag, config.ServerFlag},
		{"environment over config.yaml", levels{"", all.env, all.user, all.system, all.build}, all.env, config.ServerEnv},
		{"config.yaml over the system file", levels{"", "", all.user, all.system, all.build}, all.user, config.ServerProfile},
		{"the system file over the build", levels{"", "", "", all.system, all.build}, all.system, config.ServerSystem},
		{"the build over nothing", levels{"", "", "", "", all.build}, all.build, config.ServerBuild},
		{"nothing", levels{}, "", config.ServerNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			systemFile := filepath.Join(t.TempDir(), "config.yaml")
			f, dir := testFactory(t, map[string]string{config.EnvServer: tt.levels.env, config.EnvSystemConfig: systemFile})
			f.ServerFlag = tt.levels.flag
			if tt.levels.user != "" {
				cfg, err := config.Load(dir)
				if err != nil {
					t.Fatal(err)
				}
				cfg.SetProfile("", &config.Profile{Server: tt.levels.user})
				if err := cfg.Save(); err != nil {
					t.Fatal(err)
				}
			}
			if tt.levels.system != "" {
				if err := os.WriteFile(systemFile, []byte("profiles:\n  default:\n    server: "+tt.levels.system+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			old := build.DefaultServer
			build.DefaultServer = tt.levels.build
			t.Cleanup(func() { build.DefaultServer = old })
			r, err := f.Server()
			if err != nil {
				t.Fatal(err)
			}
			if r.Server != tt.want || r.ServerSource != tt.source {
				t.Errorf("Server = %q from %q; want %q from %q", r.Server, r.ServerSource, tt.want, tt.source)
			}
		})
	}
}
