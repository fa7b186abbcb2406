package config

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDataDir(t *testing.T) {
	home := func() (string, error) { return "/home/claire", nil }
	tests := []struct {
		name string
		goos string
		env  map[string]string
		want string
	}{
		{"override wins", "linux", map[string]string{EnvDataDir: "/srv/ents", "XDG_DATA_HOME": "/x"}, "/srv/ents"},
		{"xdg", "linux", map[string]string{"XDG_DATA_HOME": "/x"}, filepath.Join("/x", "ent-support")},
		{"relative xdg is ignored", "linux", map[string]string{"XDG_DATA_HOME": "x"}, filepath.Join("/home/claire", ".local", "share", "ent-support")},
		{"linux default", "linux", nil, filepath.Join("/home/claire", ".local", "share", "ent-support")},
		{"macOS", "darwin", nil, filepath.Join("/home/claire", "Library", "Application Support", "ent-support")},
		{"windows", "windows", map[string]string{"LocalAppData": `C:\Users\claire\AppData\Local`}, filepath.Join(`C:\Users\claire\AppData\Local`, "ent-support")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dataDir(env(tt.env), tt.goos, home)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStateDir(t *testing.T) {
	home := func() (string, error) { return "/home/claire", nil }
	tests := []struct {
		name string
		goos string
		env  map[string]string
		want string
	}{
		{"override wins", "linux", map[string]string{EnvStateDir: "/srv/state", "XDG_STATE_HOME": "/x"}, "/srv/state"},
		{"xdg", "linux", map[string]string{"XDG_STATE_HOME": "/x"}, filepath.Join("/x", "ent-support")},
		{"relative xdg is ignored", "linux", map[string]string{"XDG_STATE_HOME": "x"}, filepath.Join("/home/claire", ".local", "state", "ent-support")},
		{"linux default", "linux", nil, filepath.Join("/home/claire", ".local", "state", "ent-support")},
		{"macOS", "darwin", nil, filepath.Join("/home/claire", "Library", "Application Support", "ent-support", "state")},
		{"windows", "windows", map[string]string{"LocalAppData": `C:\Users\claire\AppData\Local`}, filepath.Join(`C:\Users\claire\AppData\Local`, "ent-support", "state")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stateDir(env(tt.env), tt.goos, home)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSaveLoadRoundTripAndMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf")
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := c.Profile("loire")
	for k, v := range map[string]string{"server": "https://ent.example", "token": "ents_x", "name": "Claire Martin", "uai": "0421234X"} {
		if !p.Set(k, v) {
			t.Fatalf("Set(%q) refused", k)
		}
	}
	if p.Set("colour", "blue") {
		t.Error("Set accepted an unknown key")
	}
	c.SetProfile("loire", p)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	c2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, c2.Profile("loire")); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if got := c2.ProfileNames(); !cmp.Equal(got, []string{"loire"}) {
		t.Errorf("names %v", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestResolveEnvironmentWins(t *testing.T) {
	c := &Config{}
	c.SetProfile("default", &Profile{Server: "https://a", Token: "t1"})
	got := c.Resolve(ProfileName("", env(nil)), env(map[string]string{EnvServer: "https://b"}))
	want := Resolved{Profile: "default", Server: "https://b", Token: "t1", TokenSource: TokenConfig}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Resolve (-want +got):\n%s", diff)
	}
	got = c.Resolve("default", env(map[string]string{EnvToken: "t2"}))
	if got.Token != "t2" || got.TokenSource != TokenEnv {
		t.Errorf("the environment's token should win: %+v", got)
	}
	if got := (&Config{}).Resolve("default", env(nil)); got.Token != "" || got.TokenSource != TokenNone {
		t.Errorf("no token anywhere: %+v", got)
	}
	if n := ProfileName("", env(map[string]string{EnvProfile: "loire"})); n != "loire" {
		t.Errorf("profile from env: %q", n)
	}
	if n := ProfileName("rhone", env(map[string]string{EnvProfile: "loire"})); n != "rhone" {
		t.Errorf("flag should win: %q", n)
	}
}
