package service_test

import (
	"context"
	"testing"

	"github.com/ent-support/ent-support/internal/service"
	"github.com/ent-support/ent-support/internal/support"
)

func TestAddComment(t *testing.T) {
	f := newFixture(t, service.Config{})
	reporter := f.user(support.RoleReporter, uaiA)
	tk := f.create(reporter, validInput(uaiA), support.CreateOptions{})

	c, err := f.svc.AddComment(f.as(reporter), support.Number{Seq: tk.Number.Seq}, "  L'erreur revient.\r\nChaque matin. ",
		[]support.Upload{upload("capture.png", pngBytes(t, 300))})
	if err != nil {
		t.Fatalf("AddComment: %v (fields %v)", err, fieldsOf(err))
	}
	if c.Body != "L'erreur revient.\nChaque matin." || c.Role != support.RoleReporter ||
		c.Author != reporter.Name+" <"+reporter.Email+">" || len(c.Attachments) != 1 {
		t.Errorf("comment = %+v", c)
	}
	if a := c.Attachments[0]; a.ContentType != "image/png" || a.Size != 300 || a.SHA256 == "" || a.CommentID != c.ID {
		t.Errorf("comment file = %+v", a)
	}
	agent := f.user(support.RoleAgent)
	reply, err := f.svc.AddComment(f.as(agent), tk.Number, "Pris en compte.", nil)
	if err != nil {
		t.Fatal(err)
	}
	if reply.Role != support.RoleAgent {
		t.Errorf("agent's comment role = %q", reply.Role)
	}
	got, err := f.svc.GetTicket(f.as(reporter), tk.Number)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Comments) != 2 || len(got.Comments[0].Attachments) != 1 || got.AttachmentCount != 1 {
		t.Errorf("ticket has %d comments, %d files; want 2 and 1", len(got.Comments), got.AttachmentCount)
	}
	if !got.UpdatedAt.After(tk.UpdatedAt) {
		t.Errorf("UpdatedAt %v not after creation %v", got.UpdatedAt, tk.UpdatedAt)
	}
	// Files alone need no words.
	if _, err := f.svc.AddComment(f.as(reporter), tk.Number, "", []support.Upload{upload("b.png", pngBytes(t, 100))}); err != nil {
		t.Errorf("a comment of files only: %v", err)
	}
}

func TestAddCommentRefused(t *testing.T) {
	f := newFixture(t, service.Config{Limits: support.Limits{MaxFileSize: 2000, MaxTicketSize: 3000, MaxFiles: 3}})
	reporter := f.user(support.RoleReporter, uaiA)
	other := f.user(support.RoleReporter, uaiB)
	tk := f.create(reporter, validInput(uaiA), support.CreateOptions{
		Attachments: []support.Upload{upload("a.png", pngBytes(t, 1500))}})

	// Another establishment's reporter cannot tell the ticket exists.
	_, err := f.svc.AddComment(f.as(other), tk.Number, "bonjour", nil)
	wantError(t, err, support.ENOTFOUND, "error.ticket_not_found")
	_, err = f.svc.AddComment(context.Background(), tk.Number, "bonjour", nil)
	wantError(t, err, support.EUNAUTHENTICATED, "")
	_, err = f.svc.AddComment(f.as(reporter), support.Number{Seq: 999}, "bonjour", nil)
	wantError(t, err, support.ENOTFOUND, "error.ticket_not_found")

	_, err = f.svc.AddComment(f.as(reporter), tk.Number, " \n ", nil)
	wantFields(t, err, fieldRule{"comment.body", support.RuleRequired})
	_, err = f.svc.AddComment(f.as(reporter), tk.Number, "voir \x1b[31m", nil)
	wantFields(t, err, fieldRule{"comment.body", support.RuleControlChars})
	_, err = f.svc.AddComment(f.as(reporter), tk.Number, "", []support.Upload{upload("setup.png", elfBytes())})
	wantFields(t, err, fieldRule{"attachments", support.RuleFileType})
	_, err = f.svc.AddComment(f.as(reporter), tk.Number, "trop gros", []support.Upload{upload("big.png", pngBytes(t, 2001))})
	wantFields(t, err, fieldRule{"attachments", support.RuleFileSize})

	// 1500 on the ticket + 1600 now passes the ticket's 3000, though the
	// comment alone does not.
	_, err = f.svc.AddComment(f.as(reporter), tk.Number, "encore", []support.Upload{upload("b.png", pngBytes(t, 1600))})
	wantError(t, err, support.ETOOLARGE, "error.too_large")
	if fr := fieldsOf(err); len(fr) != 1 || fr[0].Rule != support.RuleTicketSize {
		t.Errorf("fields = %v, want one ticket_size", fr)
	}
	got, _ := f.svc.GetTicket(f.as(reporter), tk.Number)
	if len(got.Comments) != 0 || len(got.Attachments) != 1 {
		t.Errorf("after refusals: %d comments, %d files; want 0 and 1", len(got.Comments), len(got.Attachments))
	}

	// A closed ticket takes no more comments.
	closed := &support.Ticket{TicketSummary: support.TicketSummary{Number: support.Number{Prefix: f.svc.Prefix()},
		TicketInput: got.TicketInput, Status: support.StatusClosed, CreatedBy: reporter.ID}}
	if _, err := f.db.CreateTicket(context.Background(), closed, nil); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.AddComment(f.as(reporter), closed.Number, "encore là ?", nil)
	wantError(t, err, support.ECONFLICT, "error.ticket_closed")
}
