// Package config keeps what a person sets once: the server and token of
// each named profile, and the reporter's defaults that `new` starts from.
// It also says where things live on each OS (config and data directories).
//
// The file is config.yaml in the config directory, written atomically
// (temporary file + rename) with mode 0600: it may still hold a legacy
// `token:` key, read but moved out by `auth login` (package credentials
// keeps tokens in the OS keyring, or a file of their own).
//
// Under it lie two weaker layers, read but never written: a system-wide
// file of the same format that an IT department deploys (SystemFile), and
// a default server stamped into a territory's own build. Resolve says
// which one the server in force comes from.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Environment variables read by this package.
const (
	EnvConfigDir = "ENT_SUPPORT_CONFIG_DIR"
	EnvDataDir   = "ENT_SUPPORT_DATA_DIR"
	EnvStateDir  = "ENT_SUPPORT_STATE_DIR"
	EnvProfile   = "ENT_SUPPORT_PROFILE"
	EnvServer    = "ENT_SUPPORT_SERVER"
	EnvToken     = "ENT_SUPPORT_TOKEN"
	// EnvSystemConfig names the system-wide file instead of the OS's
	// place: a file deployed elsewhere, or a test's own.
	EnvSystemConfig = "ENT_SUPPORT_SYSTEM_CONFIG"
)

// DefaultProfile is the profile used when none is named.
const DefaultProfile = "default"

// FileName is the name of the configuration file in the config directory.
const FileName = "config.yaml"

// Defaults are the reporter's saved answers: who they are and where they
// work, so that `new` asks only about the problem.
type Defaults struct {
	Name          string `yaml:"name,omitempty"`
	Function      string `yaml:"function,omitempty"`
	Phone         string `yaml:"phone,omitempty"`
	Email         string `yaml:"email,omitempty"`
	UAI           string `yaml:"uai,omitempty"`
	Establishment string `yaml:"establishment,omitempty"`
	City          string `yaml:"city,omitempty"`
}

// Profile is one named set of settings (e.g. one per territory's server).
type Profile struct {
	Server   string   `yaml:"server,omitempty"`
	Token    string   `yaml:"token,omitempty"`
	Reporter Defaults `yaml:"reporter,omitempty"`
	Backend  Backend  `yaml:"backend,omitempty"`
	// InsecureHTTP allows a plain-http server other than this computer
	// (set by `auth login --insecure-http`, `config set server
	// --insecure-http`): see CheckServer.
	InsecureHTTP bool `yaml:"insecure_http,omitempty"`
}

// Backend kinds: the system that receives the tickets of a profile.
const (
	KindNative  = "native" // our reference server (the default)
	KindRT      = "rt"     // Request Tracker 5, REST2
	KindRedmine = "redmine"
)

// Backend says which helpdesk a profile's server is, and how the ENT
// fields land in it. Empty for our own server.
type Backend struct {
	Kind string `yaml:"kind,omitempty"` // "" or native, rt, redmine
	// Prefix shows the back end's ids as numbers (CG42N1-1042) and is
	// accepted back; RT and Redmine only.
	Prefix  string `yaml:"prefix,omitempty"`
	Queue   string `yaml:"queue,omitempty"`   // RT
	Project string `yaml:"project,omitempty"` // Redmine (identifier)
	Tracker string `yaml:"tracker,omitempty"` // Redmine (name)
	// Fields renames the custom fields the ENT fields map to, by ENT field
	// key (function, phone, establishment, city, population, location,
	// priority); the French defaults apply to the others.
	Fields map[string]string `yaml:"fields,omitempty"`
}

type file struct {
	Profiles map[string]*Profile `yaml:"profiles,omitempty"`
}

// Config is the loaded configuration: the user's file, over the
// system-wide file and the build's default server when there are some.
type Config struct {
	path string
	f    file

	systemPath  string
	system      *file // nil when there is no system-wide file
	buildServer string
}

// Dir returns the config directory: ENT_SUPPORT_CONFIG_DIR, else
// os.UserConfigDir()/ent-support (%AppData% on Windows, ~/Library/Application
// Support on macOS, $XDG_CONFIG_HOME or ~/.config elsewhere).
func Dir(getenv func(string) string) (string, error) {
	if d := getenv(EnvConfigDir); d != "" {
		return d, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "ent-support"), nil
}

// DataDir returns where the embedded server keeps its database:
// ENT_SUPPORT_DATA_DIR, else %LocalAppData%\ent-support on Windows (data is
// not roamed between machines), ~/Library/Application Support/ent-support on
// macOS, $XDG_DATA_HOME/ent-support or ~/.local/share/ent-support elsewhere.
func DataDir(getenv func(string) string) (string, error) {
	return dataDir(getenv, runtime.GOOS, os.UserHomeDir)
}

func dataDir(getenv func(string) string, goos string, home func() (string, error)) (string, error) {
	if d := getenv(EnvDataDir); d != "" {
		return d, nil
	}
	switch goos {
	case "windows":
		if d := getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "ent-support"), nil
		}
		return "", errors.New("%LocalAppData% is not set")
	case "darwin", "ios":
		h, err := home()
		if err != nil {
			return "", err
		}
		return filepath.Join(h, "Library", "Application Support", "ent-support"), nil
	default:
		if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
			return filepath.Join(d, "ent-support"), nil
		}
		h, err := home()
		if err != nil {
			return "", err
		}
		return filepath.Join(h, ".local", "share", "ent-support"), nil
	}
}

// StateDir returns where the client keeps what it must not lose between
// runs (drafts, the outbox): ENT_SUPPORT_STATE_DIR, else
// %LocalAppData%\ent-support\state on Windows,
// ~/Library/Application Support/ent-support/state on macOS,
// $XDG_STATE_HOME/ent-support or ~/.local/state/ent-support elsewhere.
func StateDir(getenv func(string) string) (string, error) {
	return stateDir(getenv, runtime.GOOS, os.UserHomeDir)
}

func stateDir(getenv func(string) string, goos string, home func() (string, error)) (string, error) {
	if d := getenv(EnvStateDir); d != "" {
		return d, nil
	}
	switch goos {
	case "windows":
		if d := getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "ent-support", "state"), nil
		}
		return "", errors.New("%LocalAppData% is not set")
	case "darwin", "ios":
		h, err := home()
		if err != nil {
			return "", err
		}
		return filepath.Join(h, "Library", "Application Support", "ent-support", "state"), nil
	default:
		if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
			return filepath.Join(d, "ent-support"), nil
		}
		h, err := home()
		if err != nil {
			return "", err
		}
		return filepath.Join(h, ".local", "state", "ent-support"), nil
	}
}

// SystemFile returns where an IT department puts the system-wide file:
// ENT_SUPPORT_SYSTEM_CONFIG, else %ProgramData%\ent-support\config.yaml on
// Windows, /Library/Application Support/ent-support/config.yaml on macOS,
// /etc/ent-support/config.yaml elsewhere.
func SystemFile(getenv func(string) string) string {
	return systemFile(getenv, runtime.GOOS)
}

func systemFile(getenv func(string) string, goos string) string {
	if p := getenv(EnvSystemConfig); p != "" {
		return p
	}
	switch goos {
	case "windows":
		d := getenv("ProgramData")
		if d == "" {
			d = `C:\ProgramData`
		}
		return filepath.Join(d, "ent-support", FileName)
	case "darwin", "ios":
		return filepath.Join("/Library", "Application Support", "ent-support", FileName)
	default:
		return filepath.Join("/etc", "ent-support", FileName)
	}
}

// Layers are what LoadLayers reads, strongest first.
type Layers struct {
	// UserDir is the user's config directory (Dir): the only one written.
	UserDir string
	// SystemFile is the system-wide file (SystemFile); "" for none.
	SystemFile string
	// BuildServer is the server stamped into this build; "" for none.
	BuildServer string
}

// Load reads dir/config.yaml alone; a missing file is an empty
// configuration.
func Load(dir string) (*Config, error) {
	return LoadLayers(Layers{UserDir: dir})
}

// LoadLayers reads the user's file over the system-wide one. A missing
// file is empty; a system-wide file that exists but cannot be read or
// parsed is an error naming it, rather than a silent fall back to the
// embedded server, where tickets would reach nobody.
func LoadLayers(l Layers) (*Config, error) {
	c := &Config{path: filepath.Join(l.UserDir, FileName), systemPath: l.SystemFile,
		buildServer: strings.TrimSpace(l.BuildServer)}
	if _, err := readFile(c.path, &c.f); err != nil {
		return nil, err
	}
	if l.SystemFile != "" {
		var sys file
		found, err := readFile(l.SystemFile, &sys)
		if err != nil {
			return nil, err
		}
		if found {
			c.system = &sys
		}
	}
	return c, nil
}

// readFile decodes the YAML file at path into f; found is false when
// there is no such file.
func readFile(path string, f *file) (found bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if err := yaml.Unmarshal(b, f); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	return true, nil
}

// Path returns where the user's configuration is kept.
func (c *Config) Path() string { return c.path }

// SystemPath returns the system-wide file that was read, "" if none was.
func (c *Config) SystemPath() string {
	if c.system == nil {
		return ""
	}
	return c.systemPath
}

// BuildServer returns the server stamped into this build, "" if none.
func (c *Config) BuildServer() string { return c.buildServer }

// Profile returns the user's own named profile ("" means the default
// one), the one to change and Save; a profile not in the file is returned
// empty, not nil. Effective is what commands read.
func (c *Config) Profile(name string) *Profile {
	if name == "" {
		name = DefaultProfile
	}
	if p := c.f.Profiles[name]; p != nil {
		return p
	}
	return &Profile{}
}

// systemProfile returns the system-wide file's profile, empty if none.
func (c *Config) systemProfile(name string) *Profile {
	if name == "" {
		name = DefaultProfile
	}
	if c.system != nil {
		if p := c.system.Profiles[name]; p != nil {
			return p
		}
	}
	return &Profile{}
}

// ownsServer says whether a profile decides where tickets go: a server
// and its back end (kind, queue, project, tracker, prefix, field names)
// describe one system, so they are taken together from one file.
func (p *Profile) ownsServer() bool { return p.Server != "" || p.Backend.Kind != "" }

// Effective returns the named profile as commands read it (a copy): the
// user's settings over the system-wide file's. The reporter's defaults
// are taken one by one; the server and its back end together, from the
// user's profile when it names a server or a kind, else from the system
// file. The system file's token is never used: a token is a person's.
func (c *Config) Effective(name string) *Profile {
	own, sys := c.Profile(name), c.systemProfile(name)
	p := *own
	p.Backend.Fields = maps.Clone(own.Backend.Fields)
	if !own.ownsServer() {
		p.Server, p.Backend, p.InsecureHTTP = sys.Server, sys.Backend, sys.InsecureHTTP
		p.Backend.Fields = maps.Clone(sys.Backend.Fields)
	}
	for _, k := range []string{"name", "function", "phone", "email", "uai", "establishment", "city"} {
		if *p.field(k) == "" {
			*p.field(k) = *sys.field(k)
		}
	}
	return &p
}

// SetProfile stores p under name.
func (c *Config) SetProfile(name string, p *Profile) {
	if name == "" {
		name = DefaultProfile
	}
	if c.f.Profiles == nil {
		c.f.Profiles = map[string]*Profile{}
	}
	c.f.Profiles[name] = p
}

// ProfileNames returns the names of the profiles in the file, sorted.
func (c *Config) ProfileNames() []string {
	names := make([]string, 0, len(c.f.Profiles))
	for n := range c.f.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Save writes the file atomically: a crash leaves the old file or the new
// one, never half of one. The directory is created 0700 and the file 0600.
func (c *Config) Save() error {
	b, err := yaml.Marshal(&c.f)
	if err != nil {
		return err
	}
	return WriteFileAtomic(c.path, b, 0o600)
}

// WriteFileAtomic writes data to a temporary file next to path, syncs it
// and renames it over path.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Keys are the settings `config get|set` know, in the order `config list`
// shows them.
var Keys = []string{"server", "token", "name", "function", "phone", "email", "uai", "establishment", "city",
	"backend.kind", "backend.prefix", "backend.queue", "backend.project", "backend.tracker"}

// FieldKeyPrefix starts the keys that rename a back end's custom field:
// backend.fields.phone "Tél. direct".
const FieldKeyPrefix = "backend.fields."

// Get returns a setting of p; ok is false for an unknown key.
func (p *Profile) Get(key string) (value string, ok bool) {
	if k, isField := fieldKey(key); isField {
		return p.Backend.Fields[k], true
	}
	if f := p.field(key); f != nil {
		return *f, true
	}
	return "", false
}

// Set changes a setting of p; ok is false for an unknown key.
func (p *Profile) Set(key, value string) (ok bool) {
	if k, isField := fieldKey(key); isField {
		if value == "" {
			delete(p.Backend.Fields, k)
			return true
		}
		if p.Backend.Fields == nil {
			p.Backend.Fields = map[string]string{}
		}
		p.Backend.Fields[k] = value
		return true
	}
	if f := p.field(key); f != nil {
		*f = value
		return true
	}
	return false
}

func (p *Profile) field(key string) *string {
	switch strings.ToLower(key) {
	case "server":
		return &p.Server
	case "token":
		return &p.Token
	case "name":
		return &p.Reporter.Name
	case "function":
		return &p.Reporter.Function
	case "phone":
		return &p.Reporter.Phone
	case "email":
		return &p.Reporter.Email
	case "uai":
		return &p.Reporter.UAI
	case "establishment":
		return &p.Reporter.Establishment
	case "city":
		return &p.Reporter.City
	case "backend.kind":
		return &p.Backend.Kind
	case "backend.prefix":
		return &p.Backend.Prefix
	case "backend.queue":
		return &p.Backend.Queue
	case "backend.project":
		return &p.Backend.Project
	case "backend.tracker":
		return &p.Backend.Tracker
	}
	return nil
}

// fieldKey reads backend.fields.KEY; the ENT field key is checked by the
// caller (config does not know the helpdesk's keys).
func fieldKey(key string) (string, bool) {
	k, ok := strings.CutPrefix(strings.ToLower(key), FieldKeyPrefix)
	return k, ok && k != ""
}

// TokenSource says where the token in force comes from, in the order
// they are tried: the environment, the OS keyring, the credentials file,
// then the legacy `token:` key of config.yaml.
type TokenSource string

const (
	TokenNone    TokenSource = ""
	TokenEnv     TokenSource = "environment"
	TokenKeyring TokenSource = "keyring"
	TokenFile    TokenSource = "file"
	TokenConfig  TokenSource = "config"
)

// ServerSource says where the server in force comes from, strongest
// first: the --server flag, the environment, the user's profile, the
// system-wide file, the server stamped into the build.
type ServerSource string

const (
	ServerNone    ServerSource = "" // the embedded reference server
	ServerFlag    ServerSource = "flag"
	ServerEnv     ServerSource = "environment"
	ServerProfile ServerSource = "profile"
	ServerSystem  ServerSource = "system"
	ServerBuild   ServerSource = "build"
)

// Resolved is the server and token in force, after the environment.
type Resolved struct {
	Profile string
	Server  string
	// ServerSource is where Server comes from, and ServerFile the file
	// when it is a profile's or the system-wide file's.
	ServerSource ServerSource
	ServerFile   string
	Token        string
	// TokenSource is where Token comes from (TokenNone when there is none).
	TokenSource TokenSource
	Backend     Backend
	// InsecureHTTP: the profile allows a plain-http server elsewhere than
	// on this computer.
	InsecureHTTP bool
}

// ProfileName picks the profile: the --profile flag, else
// ENT_SUPPORT_PROFILE, else "default".
func ProfileName(flag string, getenv func(string) string) string {
	if flag != "" {
		return flag
	}
	if p := getenv(EnvProfile); p != "" {
		return p
	}
	return DefaultProfile
}

// Resolve finds the server in force, strongest first: serverFlag (the
// --server flag), ENT_SUPPORT_SERVER, the user's profile, the system-wide
// file's profile, then the server stamped into the build; none of them
// means the embedded server. The environment wins over the files, so that
// a script can point at another server without touching them.
// ENT_SUPPORT_TOKEN wins over the profile's legacy token; the keyring and
// the credentials file (package credentials) sit between the two, and the
// factory consults them.
func (c *Config) Resolve(profile, serverFlag string, getenv func(string) string) Resolved {
	if profile == "" {
		profile = DefaultProfile
	}
	p := c.Effective(profile)
	r := Resolved{Profile: profile, Server: p.Server, Token: c.Profile(profile).Token, Backend: p.Backend, InsecureHTTP: p.InsecureHTTP}
	switch {
	case c.Profile(profile).Server != "":
		r.ServerSource, r.ServerFile = ServerProfile, c.path
	case r.Server != "":
		r.ServerSource, r.ServerFile = ServerSystem, c.systemPath
	case c.buildServer != "":
		r.Server, r.ServerSource = c.buildServer, ServerBuild
	}
	if r.Token != "" {
		r.TokenSource = TokenConfig
	}
	if s := getenv(EnvServer); s != "" {
		r.Server, r.ServerSource, r.ServerFile = s, ServerEnv, ""
	}
	if s := strings.TrimSpace(serverFlag); s != "" {
		r.Server, r.ServerSource, r.ServerFile = s, ServerFlag, ""
	}
	if t := getenv(EnvToken); t != "" {
		r.Token, r.TokenSource = t, TokenEnv
	}
	return r
}
