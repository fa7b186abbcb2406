// Package build holds what the release build stamps into the binary.
package build

// Set with -ldflags "-X github.com/ent-support/ent-support/internal/build.Version=..."
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)
