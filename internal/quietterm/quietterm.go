// Package quietterm keeps the terminal libraries from questioning the
// terminal in accessible mode (ACCESSIBLE set).
//
// Bubble Tea's package initialisation asks Lip Gloss whether the
// terminal's background is dark, and termenv then writes two queries
// (ESC ]11;? and ESC [6n) and waits up to 5 seconds for answers. Screen
// readers' set-ups often never answer: the person would hear escape codes
// and wait before the first question, which accessible mode does not even
// draw in colour. termenv does not ask a terminal whose TERM is "dumb", so
// this package sets TERM=dumb while the libraries initialise and Restore
// puts it back before the command runs (editors and the rest read the
// real one).
//
// It must be initialised before termenv, Lip Gloss and Bubble Tea: Go
// initialises, among the packages whose imports are ready, the first by
// import path. This package imports only os, which termenv needs too, and
// its path sorts before github.com/muesli/termenv, so it always comes
// first. Keep it that way: importing anything else here may break it.
package quietterm

import "os"

var (
	changed   bool
	savedTerm string
	hadTerm   bool
)

func init() {
	if os.Getenv("ACCESSIBLE") == "" {
		return
	}
	savedTerm, hadTerm = os.LookupEnv("TERM")
	changed = os.Setenv("TERM", "dumb") == nil
}

// Restore gives TERM back its value; main calls it first thing.
func Restore() {
	if !changed {
		return
	}
	changed = false
	if hadTerm {
		os.Setenv("TERM", savedTerm)
	} else {
		os.Unsetenv("TERM")
	}
}
