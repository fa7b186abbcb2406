package supporttest

import (
	"fmt"
	"strings"

	"github.com/ent-support/ent-support/internal/support"
)

// Cap is one thing a back end does, as the suite checks it. Value is what
// the back end does; Reason says why, and must be given whenever Value
// differs from the reference server's (Reference): a difference nobody
// explained is a failure of the suite.
type Cap[T comparable] struct {
	Value  T
	Reason string
}

// Capabilities are the ways a back end may differ from the reference
// server, as data: the suite checks the declared behaviour (the error a
// missing feature gives, the field left empty), never skips a check.
// Error codes are support.E*; "" means "accepted".
type Capabilities struct {
	// Directory: the back end searches establishments (Backend.Directory).
	Directory Cap[bool]
	// ContactEditor: the caller may change their own phone and e-mail.
	ContactEditor Cap[bool]
	// MeKnowsCaller: Me returns the caller's e-mail and role.
	MeKnowsCaller Cap[bool]
	// FileSHA256: attachments are described with their SHA-256.
	FileSHA256 Cap[bool]
	// CommentFileLinked: a comment's files carry the comment's ID.
	CommentFileLinked Cap[bool]
	// FileTooLarge is the code a file over the size limit gets.
	FileTooLarge Cap[string]
	// CloseResolved is the code of closing (clos) a resolved ticket.
	CloseResolved Cap[string]
	// ForbiddenMove is the code of a move the procedure forbids
	// (nouveau → resolu, out of clos).
	ForbiddenMove Cap[string]
	// ReporterMove is the code a reporter gets moving a ticket to
	// en_attente (an agent's action).
	ReporterMove Cap[string]
	// ReporterReopen is the code of the reporter reopening a resolved
	// ticket (with a reason).
	ReporterReopen Cap[string]
	// CommentOnClosed is the code of a comment on a closed ticket.
	CommentOnClosed Cap[string]
	// AssignSelf is the code of Assign with no e-mail (take it myself).
	AssignSelf Cap[string]
	// TakeStarts: taking a nouveau ticket moves it to en_cours.
	TakeStarts Cap[bool]
	// AssigneeEmail: a ticket names its assignee by e-mail.
	AssigneeEmail Cap[bool]
	// ReporterSeesAssignee: the reporter reading a taken ticket sees the
	// agent's e-mail, and follows its assignee events.
	ReporterSeesAssignee Cap[bool]
}

// Reference is what the reference server (the service, embedded or over
// HTTP) does: every other back end is measured against it.
func Reference() Capabilities {
	return Capabilities{
		Directory:            Cap[bool]{Value: true},
		ContactEditor:        Cap[bool]{Value: true},
		MeKnowsCaller:        Cap[bool]{Value: true},
		FileSHA256:           Cap[bool]{Value: true},
		CommentFileLinked:    Cap[bool]{Value: true},
		FileTooLarge:         Cap[string]{Value: support.EINVALID},
		CloseResolved:        Cap[string]{Value: ""},
		ForbiddenMove:        Cap[string]{Value: support.ECONFLICT},
		ReporterMove:         Cap[string]{Value: support.EFORBIDDEN},
		ReporterReopen:       Cap[string]{Value: ""},
		CommentOnClosed:      Cap[string]{Value: support.ECONFLICT},
		AssignSelf:           Cap[string]{Value: ""},
		TakeStarts:           Cap[bool]{Value: true},
		AssigneeEmail:        Cap[bool]{Value: true},
		ReporterSeesAssignee: Cap[bool]{Value: true},
	}
}

// Row is one capability of a back end, as the matrix shows it.
type Row struct {
	Name, Value, Reason string
	Differs             bool // from the reference server
}

func row[T comparable](name string, c, ref Cap[T]) Row {
	v := fmt.Sprint(c.Value)
	if s, ok := any(c.Value).(string); ok && s == "" {
		v = "accepted"
	}
	return Row{Name: name, Value: v, Reason: c.Reason, Differs: c.Value != ref.Value}
}

// Rows lists c's capabilities in a fixed order.
func (c Capabilities) Rows() []Row {
	r := Reference()
	return []Row{
		row("directory", c.Directory, r.Directory),
		row("contact_editor", c.ContactEditor, r.ContactEditor),
		row("me_knows_caller", c.MeKnowsCaller, r.MeKnowsCaller),
		row("file_sha256", c.FileSHA256, r.FileSHA256),
		row("comment_file_linked", c.CommentFileLinked, r.CommentFileLinked),
		row("file_too_large", c.FileTooLarge, r.FileTooLarge),
		row("close_resolved", c.CloseResolved, r.CloseResolved),
		row("forbidden_move", c.ForbiddenMove, r.ForbiddenMove),
		row("reporter_move", c.ReporterMove, r.ReporterMove),
		row("reporter_reopen", c.ReporterReopen, r.ReporterReopen),
		row("comment_on_closed", c.CommentOnClosed, r.CommentOnClosed),
		row("assign_self", c.AssignSelf, r.AssignSelf),
		row("take_starts", c.TakeStarts, r.TakeStarts),
		row("assignee_email", c.AssigneeEmail, r.AssigneeEmail),
		row("reporter_sees_assignee", c.ReporterSeesAssignee, r.ReporterSeesAssignee),
	}
}

// Declared are the capabilities each back end declares, by the name its
// conformance test runs under: in one table, so that the matrix of every
// back end can be printed (Matrix) and kept in docs/testing.md.
var Declared = []struct {
	Name string
	Caps Capabilities
}{
	{"service", Reference()},
	{"http", HTTP()},
	{"rt", RT()},
	{"redmine", Redmine()},
}

// Caps returns the declared capabilities of back end name.
func Caps(name string) Capabilities {
	for _, d := range Declared {
		if d.Name == name {
			return d.Caps
		}
	}
	panic("supporttest: no capabilities declared for " + name)
}

// HTTP is what the client of our server declares.
func HTTP() Capabilities {
	c := Reference()
	c.FileTooLarge = Cap[string]{Value: support.ETOOLARGE, Reason: "the server refuses an upload over the limit " +
		"while it streams in (413), before reading it whole and before the service could name the file"}
	return c
}

// helpdeskCaps are what RT and Redmine both lack.
func helpdeskCaps() Capabilities {
	c := Reference()
	c.Directory = Cap[bool]{Reason: "no directory of establishments: the name and city are asked, not looked up"}
	c.ContactEditor = Cap[bool]{Reason: "an account's contact details are changed in the help desk itself"}
	return c
}

// RT is what the Request Tracker back end declares.
func RT() Capabilities {
	c := helpdeskCaps()
	c.MeKnowsCaller = Cap[bool]{Reason: "REST2 does not say whom a token belongs to; RT's rights decide each call"}
	c.FileSHA256 = Cap[bool]{Reason: "RT keeps no digest of a file, and computing one would download every file on each read"}
	c.ForbiddenMove = Cap[string]{Reason: "RT's lifecycle decides the moves (it lets nouveau go straight to resolu, " +
		"and a closed ticket be opened again); the client cannot tell the caller's role to apply ours"}
	c.ReporterMove = Cap[string]{Reason: "RT's rights decide, not the client (which cannot tell a requestor from an " +
		"agent): the requestor may modify their own tickets"}
	c.CommentOnClosed = Cap[string]{Reason: "RT takes a message on a closed (rejected) ticket"}
	c.AssignSelf = Cap[string]{Value: support.EINVALID, Reason: "REST2 does not say who the caller is: taking a " +
		"ticket needs the caller's own user name"}
	c.AssigneeEmail = Cap[bool]{Reason: "RT names an owner by user name"}
	return c
}

// Redmine is what the Redmine back end declares.
func Redmine() Capabilities {
	c := helpdeskCaps()
	c.MeKnowsCaller = Cap[bool]{Reason: "Redmine's API does not give a user their own e-mail"}
	c.FileSHA256 = Cap[bool]{Reason: "Redmine 5 gives no file digest in its API"}
	c.AssigneeEmail = Cap[bool]{Reason: "Redmine names an assignee by display name, and finding a user by e-mail needs an admin key"}
	c.ForbiddenMove = Cap[string]{Reason: "Redmine's workflow decides the moves per role and tracker: ours lets the " +
		"Manager role make any move"}
	c.ReporterMove = Cap[string]{Value: support.ECONFLICT, Reason: "Redmine's workflow refuses the move as one the " +
		"role may not make: its API does not tell a forbidden role from a forbidden move"}
	c.ReporterReopen = Cap[string]{Value: support.ECONFLICT, Reason: "Redmine's workflow decides per role: ours " +
		"does not let the Rapporteur role move a resolved issue (an agent reopens it)"}
	return c
}

// Matrix is the capabilities of every declared back end as a text table
// (one line per capability), then the reason of each difference.
func Matrix() string {
	var b strings.Builder
	line := func(cells ...string) {
		var l strings.Builder
		for i, c := range cells {
			if i == 0 {
				fmt.Fprintf(&l, "%-24s", c)
			} else {
				fmt.Fprintf(&l, " %-10s", c)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	rows := make([][]Row, len(Declared))
	head := []string{"capability"}
	for i, d := range Declared {
		rows[i] = d.Caps.Rows()
		head = append(head, d.Name)
	}
	line(head...)
	for j, r := range rows[0] {
		cells := []string{r.Name}
		for i := range Declared {
			v := rows[i][j].Value
			if rows[i][j].Differs {
				v += "*"
			}
			cells = append(cells, v)
		}
		line(cells...)
	}
	b.WriteString("\n* differs from the reference server, because:\n")
	for i, d := range Declared {
		for _, r := range rows[i] {
			if r.Differs {
				fmt.Fprintf(&b, "- %s %s: %s\n", d.Name, r.Name, r.Reason)
			}
		}
	}
	return b.String()
}
