package helpdesk

import (
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// Numbers shows a back end's integer ids as numbers with the profile's
// prefix (CG42N1-1042), and reads them back from what people type
// (CG42N1-1042, cg42n1-1042, #1042, 1042).
type Numbers struct{ Prefix string }

// Number is the number of the back end's ticket id.
func (m Numbers) Number(id int64) support.Number {
	return support.Number{Prefix: m.Prefix, Seq: id}
}

// ID is the back end's id of n. A number with another prefix is another
// system's ticket: ENOTFOUND, as for a ticket that does not exist.
func (m Numbers) ID(n support.Number) (int64, error) {
	if n.Seq <= 0 || (n.Prefix != "" && !strings.EqualFold(n.Prefix, m.Prefix)) {
		return 0, support.Errorf(support.ENOTFOUND, "error.ticket_not_found", map[string]string{"number": n.String()})
	}
	return n.Seq, nil
}
