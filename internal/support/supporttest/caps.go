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
	// en_cours (an agent's action).
	ReporterMove Cap[string]
	// CommentOnClosed is the code of a comment on a closed ticket.
	CommentOnClosed Cap[string]
	// AssignSelf is the code of Assign with no e-mail (take it myself).
	AssignSelf Cap[string]
	// TakeStarts: taking a nouveau ticket moves it to en_cours.
	TakeStarts Cap[bool]
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
		CommentOnClosed:      Cap[string]{Value: support.ECONFLICT},
		AssignSelf:           Cap[string]{Value: ""},
		TakeStarts:           Cap[bool]{Value: true},
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
		row("comment_on_closed", c.CommentOnClosed, r.CommentOnClosed),
		row("assign_self", c.AssignSelf, r.AssignSelf),
		row("take_starts", c.TakeStarts, r.TakeStarts),
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

// RT is what the Request Tracker back end declares.
func RT() Capabilities {
	c := Reference()
	return c
}

// Redmine is what the Redmine back end declares.
func Redmine() Capabilities {
	c := Reference()
	return c
}

// Matrix is the capabilities of every declared back end as a text table
// (one line per capability), then the reason of each difference.
func Matrix() string {
	var b strings.Builder
	rows := make([][]Row, len(Declared))
	b.WriteString(fmt.Sprintf("%-24s", "capability"))
	for i, d := range Declared {
		rows[i] = d.Caps.Rows()
		b.WriteString(fmt.Sprintf(" %-10s", d.Name))
	}
	b.WriteString("\n")
	for j, r := range rows[0] {
		b.WriteString(fmt.Sprintf("%-24s", r.Name))
		for i := range Declared {
			v := rows[i][j].Value
			if rows[i][j].Differs {
				v += "*"
			}
			b.WriteString(fmt.Sprintf(" %-10s", v))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n* differs from the reference server, because:\n")
	for i, d := range Declared {
		for _, r := range rows[i] {
			if r.Differs {
				b.WriteString(fmt.Sprintf("- %s %s: %s\n", d.Name, r.Name, r.Reason))
			}
		}
	}
	return strings.TrimRight(b.String(), " \n") + "\n"
}
