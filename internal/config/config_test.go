package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
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
	got := c.Resolve(ProfileName("", env(nil)), "", env(map[string]string{EnvServer: "https://b"}))
	want := Resolved{Profile: "default", Server: "https://b", ServerSource: ServerEnv, Token: "t1", TokenSource: TokenConfig}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Resolve (-want +got):\n%s", diff)
	}
	got = c.Resolve("default", "", env(map[string]string{EnvToken: "t2"}))
	if got.Token != "t2" || got.TokenSource != TokenEnv {
		t.Errorf("the environment's token should win: %+v", got)
	}
	if got := (&Config{}).Resolve("default", "", env(nil)); got.Token != "" || got.TokenSource != TokenNone {
		t.Errorf("no token anywhere: %+v", got)
	}
	if n := ProfileName("", env(map[string]string{EnvProfile: "loire"})); n != "loire" {
		t.Errorf("profile from env: %q", n)
	}
	if n := ProfileName("rhone", env(map[string]string{EnvProfile: "loire"})); n != "rhone" {
		t.Errorf("flag should win: %q", n)
	}
}

// TestBackendKeys: the back end's settings are config keys like the
// others, and backend.fields.KEY renames one custom field.
func TestBackendKeys(t *testing.T) {
	p := &Profile{}
	for k, v := range map[string]string{"backend.kind": "rt", "backend.queue": "ENT Support", "backend.prefix": "CG42N1",
		"backend.fields.phone": "Tél.", "Backend.Fields.City": "Ville"} {
		if !p.Set(k, v) {
			t.Fatalf("Set(%s) refused", k)
		}
	}
	want := Backend{Kind: "rt", Queue: "ENT Support", Prefix: "CG42N1", Fields: map[string]string{"phone": "Tél.", "city": "Ville"}}
	if d := cmp.Diff(want, p.Backend); d != "" {
		t.Errorf("Backend (-want +got):\n%s", d)
	}
	if v, ok := p.Get("backend.fields.phone"); !ok || v != "Tél." {
		t.Errorf("Get = %q %v", v, ok)
	}
	p.Set("backend.fields.phone", "")
	if _, ok := p.Backend.Fields["phone"]; ok {
		t.Error("an empty value should clear the field")
	}
	if p.Set("backend.fields.", "x") || p.Set("backend.nope", "x") {
		t.Error("unknown keys accepted")
	}
}

func TestSystemFile(t *testing.T) {
	tests := []struct {
		name, goos string
		env        map[string]string
		want       string
	}{
		{"override wins", "linux", map[string]string{EnvSystemConfig: "/srv/it/ent.yaml"}, "/srv/it/ent.yaml"},
		{"linux", "linux", nil, filepath.Join("/etc", "ent-support", "config.yaml")},
		{"bsd", "freebsd", nil, filepath.Join("/etc", "ent-support", "config.yaml")},
		{"macOS", "darwin", nil, filepath.Join("/Library", "Application Support", "ent-support", "config.yaml")},
		{"windows", "windows", map[string]string{"ProgramData": `D:\ProgramData`}, filepath.Join(`D:\ProgramData`, "ent-support", "config.yaml")},
		{"windows without ProgramData", "windows", nil, filepath.Join(`C:\ProgramData`, "ent-support", "config.yaml")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := systemFile(env(tt.env), tt.goos); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// layers writes the user's and the system-wide file (either may be "")
// and loads them over build.
func layers(t *testing.T, user, system, build string) *Config {
	t.Helper()
	dir := t.TempDir()
	l := Layers{UserDir: filepath.Join(dir, "user"), SystemFile: filepath.Join(dir, "etc", FileName), BuildServer: build}
	for path, text := range map[string]string{filepath.Join(l.UserDir, FileName): user, l.SystemFile: system} {
		if text == "" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := LoadLayers(l)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestServerPrecedence: flag > environment > the user's profile > the
// system-wide file > the build's default > nothing (the embedded server),
// each level against the next, and each alone.
func TestServerPrecedence(t *testing.T) {
	const (
		user   = "profiles: {default: {server: https://user.example}}\n"
		system = "profiles: {default: {server: https://system.example}}\n"
		build  = "https://build.example"
	)
	tests := []struct {
		name                           string
		flag, env, user, system, build string
		wantServer                     string
		wantSource                     ServerSource
		wantFile                       string // "user", "system" or ""
	}{
		{"flag beats environment", "https://flag.example", "https://env.example", user, system, build, "https://flag.example", ServerFlag, ""},
		{"environment beats the user's profile", "", "https://env.example", user, system, build, "https://env.example", ServerEnv, ""},
		{"the user's profile beats the system file", "", "", user, system, build, "https://user.example", ServerProfile, "user"},
		{"the system file beats the build", "", "", "", system, build, "https://system.example", ServerSystem, "system"},
		{"the build beats nothing", "", "", "", "", build, build, ServerBuild, ""},
		{"nothing: embedded", "", "", "", "", "", "", ServerNone, ""},
		{"flag alone", "https://flag.example", "", "", "", "", "https://flag.example", ServerFlag, ""},
		{"environment alone", "", "https://env.example", "", "", "", "https://env.example", ServerEnv, ""},
		{"the user's profile alone", "", "", user, "", "", "https://user.example", ServerProfile, "user"},
		{"the system file alone", "", "", "", system, "", "https://system.example", ServerSystem, "system"},
		{"a user's file without a server leaves the system's", "", "", "profiles: {default: {reporter: {name: Claire Martin}}}\n", system, build,
			"https://system.example", ServerSystem, "system"},
		{"another profile of the system file is not this one's", "", "", "", "profiles: {loire: {server: https://loire.example}}\n", "",
			"", ServerNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := layers(t, tt.user, tt.system, tt.build)
			r := c.Resolve("", tt.flag, env(map[string]string{EnvServer: tt.env}))
			wantFile := map[string]string{"user": c.Path(), "system": c.systemPath}[tt.wantFile]
			if r.Server != tt.wantServer || r.ServerSource != tt.wantSource || r.ServerFile != wantFile {
				t.Errorf("Resolve = %q from %q (%q); want %q from %q (%q)", r.Server, r.ServerSource, r.ServerFile,
					tt.wantServer, tt.wantSource, wantFile)
			}
			if r.Profile != DefaultProfile {
				t.Errorf("profile %q", r.Profile)
			}
		})
	}
}

// TestSystemFileDefaults: the system-wide file gives defaults under the
// user's, for every setting; the server and its back end come from one
// file together; the system file's token is never used.
func TestSystemFileDefaults(t *testing.T) {
	const system = `profiles:
  default:
    server: https://rt.cd42.example
    token: ents_shared_by_it_0123456789
    reporter: {establishment: Collège du Pilat, uai: 0421234N, city: Bourg-Argental}
    backend: {kind: rt, queue: ENT, prefix: CG42N1, fields: {phone: Tél.}}
`
	t.Run("the user's reporter defaults over the system's, one by one", func(t *testing.T) {
		c := layers(t, "profiles: {default: {reporter: {name: Claire Martin, city: Saint-Étienne}}}\n", system, "")
		got := c.Effective("").Reporter
		want := Defaults{Name: "Claire Martin", UAI: "0421234N", Establishment: "Collège du Pilat", City: "Saint-Étienne"}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("reporter (-want +got):\n%s", d)
		}
		r := c.Resolve("", "", env(nil))
		wantBackend := Backend{Kind: KindRT, Queue: "ENT", Prefix: "CG42N1", Fields: map[string]string{"phone": "Tél."}}
		if d := cmp.Diff(wantBackend, r.Backend); d != "" || r.Server != "https://rt.cd42.example" {
			t.Errorf("server %q, backend (-want +got):\n%s", r.Server, d)
		}
		if r.Token != "" || r.TokenSource != TokenNone {
			t.Errorf("the system file's token was used: %q from %q", r.Token, r.TokenSource)
		}
	})
	t.Run("a user's server brings its own back end", func(t *testing.T) {
		c := layers(t, "profiles: {default: {server: https://assistance.example}}\n", system, "")
		r := c.Resolve("", "", env(nil))
		if r.Server != "https://assistance.example" || !cmp.Equal(r.Backend, Backend{}) {
			t.Errorf("Resolve = %q %+v; want the user's server, native", r.Server, r.Backend)
		}
	})
	t.Run("the environment's server keeps the file's back end", func(t *testing.T) {
		c := layers(t, "", system, "")
		r := c.Resolve("", "", env(map[string]string{EnvServer: "https://rt2.example"}))
		if r.Server != "https://rt2.example" || r.Backend.Kind != KindRT || r.Backend.Queue != "ENT" {
			t.Errorf("Resolve = %q %+v", r.Server, r.Backend)
		}
	})
	t.Run("writes go to the user's file only", func(t *testing.T) {
		c := layers(t, "", system, "")
		sysBefore, err := os.ReadFile(c.systemPath)
		if err != nil {
			t.Fatal(err)
		}
		p := c.Profile("")
		p.Set("name", "Claire Martin")
		c.SetProfile("", p)
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
		sysAfter, _ := os.ReadFile(c.systemPath)
		if string(sysAfter) != string(sysBefore) {
			t.Errorf("the system file changed:\n%s", sysAfter)
		}
		user, err := os.ReadFile(c.Path())
		if err != nil {
			t.Fatal(err)
		}
		want := "profiles:\n    default:\n        reporter:\n            name: Claire Martin\n"
		if string(user) != want {
			t.Errorf("the user's file holds more than what was set:\n%s", user)
		}
		if r := c.Resolve("", "", env(nil)); r.Server != "https://rt.cd42.example" || r.ServerSource != ServerSystem {
			t.Errorf("after a write, Resolve = %q from %q", r.Server, r.ServerSource)
		}
	})
}

// TestABrokenSystemFileIsAnError: a system-wide file that cannot be read
// stops the command, naming the file, instead of falling back to the
// embedded server.
func TestABrokenSystemFileIsAnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte("profiles: [not, a, map\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadLayers(Layers{UserDir: filepath.Join(dir, "user"), SystemFile: path})
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("LoadLayers = %v; want an error naming %s", err, path)
	}
	c, err := LoadLayers(Layers{UserDir: filepath.Join(dir, "user"), SystemFile: filepath.Join(dir, "missing.yaml")})
	if err != nil || c.SystemPath() != "" {
		t.Errorf("a missing system file: %v, %q", err, c.SystemPath())
	}
}
