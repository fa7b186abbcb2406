//go:build !unix

package servertest

import (
	"os"
	"os/exec"
)

// ownGroup does nothing where there are no process groups.
func ownGroup(*exec.Cmd) {}

// killGroup kills p, where there are no process groups.
func killGroup(p *os.Process) { _ = p.Kill() }
