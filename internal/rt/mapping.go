package rt

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/ent-support/ent-support/internal/support"
)

// Statuses of RT's default lifecycle and ours. RT has no "closed":
// rejected (and deleted) read as clos, and clos is written as rejected,
// RT's other inactive status.
var (
	fromRT = map[string]support.Status{
		"new": support.StatusNew, "open": support.StatusOpen, "stalled": support.StatusWaiting,
		"resolved": support.StatusResolved, "rejected": support.StatusClosed, "deleted": support.StatusClosed,
	}
	toRT = map[support.Status]string{
		support.StatusNew: "new", support.StatusOpen: "open", support.StatusWaiting: "stalled",
		support.StatusResolved: "resolved", support.StatusClosed: "rejected",
	}
)

// statusFromRT maps an RT status; a status of a custom lifecycle is kept
// as it is, so that it shows rather than vanishes.
func statusFromRT(s string) support.Status {
	if st, ok := fromRT[s]; ok {
		return st
	}
	return support.Status(s)
}

// Priorities are sent as numbers: REST2's create stores a label as the
// literal text, and PUT turns an unknown label into 0. The ENT priority
// itself also goes to the "Priorité ENT" custom field, which is what is
// read back; the number is for RT's own sorting.
var priorityNumber = map[support.Priority]int{support.Bloquante: 90, support.Majeure: 50, support.Mineure: 10}

// priorityFromNumber reads an RT priority set by hand in RT's UI.
func priorityFromNumber(s string) support.Priority {
	n, err := strconv.Atoi(s)
	switch {
	case err != nil || n <= 0:
		return ""
	case n >= 70:
		return support.Bloquante
	case n >= 30:
		return support.Majeure
	}
	return support.Mineure
}

// cacheName names a cache file after the server and the queue.
func cacheName(base, queue string) string {
	h := sha256.Sum256([]byte(base + "\x00" + queue))
	return hex.EncodeToString(h[:8])
}
