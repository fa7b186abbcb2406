package cmdtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"

	"github.com/ent-support/ent-support/internal/support"
)

// AddComment appends the comment to the ticket, in Tickets, and its files
// to Files, where a test reads them back.
func (f *Tickets) AddComment(ctx context.Context, n support.Number, body string, files []support.Upload) (*support.Comment, error) {
	t, err := f.GetTicket(ctx, n)
	if err != nil {
		return nil, err
	}
	body, fe := support.ParseCommentBody(body, len(files) > 0)
	if fe != nil {
		return nil, support.InvalidFields([]support.FieldError{*fe})
	}
	c := support.Comment{ID: int64(len(t.Comments) + 1), Author: "Administrateur <admin@localhost>",
		Role: support.RoleAdmin, Body: body, CreatedAt: Clock}
	for _, up := range files {
		rc, err := up.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		id := int64(len(f.Files) + 1)
		f.Files[id] = b
		sum := sha256.Sum256(b)
		a := support.Attachment{ID: id, Name: up.Name, ContentType: "image/png", Size: int64(len(b)),
			SHA256: hex.EncodeToString(sum[:]), CommentID: c.ID, CreatedAt: Clock}
		c.Attachments = append(c.Attachments, a)
		t.Attachments = append(t.Attachments, a)
	}
	t.Comments = append(t.Comments, c)
	return &c, nil
}
