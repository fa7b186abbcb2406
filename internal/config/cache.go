package config

import (
	"os"
	"path/filepath"
	"sort"
)

// EnvCacheDir overrides CacheDir.
const EnvCacheDir = "ENT_SUPPORT_CACHE_DIR"

// CacheDir returns where ent-support keeps what it may lose at any time
// (the shell completion's list of tickets): ENT_SUPPORT_CACHE_DIR, else
// os.UserCacheDir()/ent-support (%LocalAppData% on Windows,
// ~/Library/Caches on macOS, $XDG_CACHE_HOME or ~/.cache elsewhere).
func CacheDir(getenv func(string) string) (string, error) {
	if d := getenv(EnvCacheDir); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "ent-support"), nil
}

// AllProfileNames returns the profiles of the user's file and of the
// system-wide file, sorted, each once.
func (c *Config) AllProfileNames() []string {
	names := c.ProfileNames()
	if c.system != nil {
		seen := map[string]bool{}
		for _, n := range names {
			seen[n] = true
		}
		for n := range c.system.Profiles {
			if !seen[n] {
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names
}

// EmbeddedDB is the file name of the embedded server's database, in the
// data directory.
const EmbeddedDB = "ent-support.db"

// EmbeddedDBExists reports whether the embedded server's database was
// made already: what may read it without making it (a shell completion)
// asks first.
func EmbeddedDBExists(getenv func(string) string) bool {
	dir, err := DataDir(getenv)
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, EmbeddedDB))
	return err == nil
}
