// Package build holds what the release build stamps into the binary.
package build

// Set with -ldflags "-X github.com/ent-support/ent-support/internal/build.Version=..."
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

// DefaultServer is the server a territory's own build files into when
// neither the flags, the environment, the user's config.yaml nor the
// system-wide file name one:
//
//	go build -ldflags "-X github.com/ent-support/ent-support/internal/build.DefaultServer=https://assistance.example.org" ./cmd/ent-support
//
// Empty in the project's own builds: with nothing configured, commands
// use the embedded reference server.
var DefaultServer = ""
