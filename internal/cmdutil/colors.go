package cmdutil

import (
	"github.com/ent-support/ent-support/internal/iostreams"
	"github.com/ent-support/ent-support/internal/support"
)

// StatusPaint is the colour of a status: new tickets stand out (cyan),
// work in progress is blue, waiting for the reporter magenta, resolved
// green, closed grey. Nil for an unknown status or without colour.
func StatusPaint(cs *iostreams.ColorScheme, st support.Status) func(string) string {
	if !cs.Enabled() {
		return nil
	}
	switch st {
	case support.StatusNew:
		return cs.Cyan
	case support.StatusOpen:
		return cs.Blue
	case support.StatusWaiting:
		return cs.Magenta
	case support.StatusResolved:
		return cs.Green
	case support.StatusClosed:
		return cs.Gray
	}
	return nil
}

// PriorityPaint is the colour of a priority: bloquante in bold red,
// majeure yellow, mineure as the rest of the text.
func PriorityPaint(cs *iostreams.ColorScheme, p support.Priority) func(string) string {
	if !cs.Enabled() {
		return nil
	}
	switch p {
	case support.Bloquante:
		return cs.BoldRed
	case support.Majeure:
		return cs.Yellow
	}
	return nil
}

// Paint applies paint to s, if there is one.
func Paint(paint func(string) string, s string) string {
	if paint == nil {
		return s
	}
	return paint(s)
}
