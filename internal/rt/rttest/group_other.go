//go:build !unix

package rttest

import "os/exec"

// ownGroup does nothing where there are no process groups (RT itself
// runs on Unix only).
func ownGroup(cmd *exec.Cmd) {}

// killGroup kills the process itself.
func killGroup(cmd *exec.Cmd) {
	cmd.Process.Kill()
}
