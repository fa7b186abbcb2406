package servertest

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// processes lists the live processes of the machine, from /proc; zombies
// (exited, not yet waited for) are not running and are left out.
func processes() []Process {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []Process
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ...: comm may hold anything, so
		// the fields are read after its last ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		ppid, _ := strconv.Atoi(f[1])
		pgid, _ := strconv.Atoi(f[2])
		cl, _ := os.ReadFile(filepath.Join(filepath.Dir(path), "cmdline"))
		out = append(out, Process{Pid: pid, PPid: ppid, PGid: pgid, Cmdline: cmdline(cl)})
	}
	return out
}

// cmdline turns /proc/PID/cmdline's NUL-separated arguments into a line.
func cmdline(b []byte) string {
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}
