package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// testMailRecords: the record of an incoming e-mail is written in the
// transaction of the change it causes, and its key is unique: a message
// delivered again (the same key) changes nothing, whichever change it
// would cause, and the record says what the first delivery did.
func testMailRecords(t *testing.T, s support.Store) {
	inbox, ok := s.(support.MailInbox)
	if !ok {
		t.Skip("this store keeps no incoming mail")
	}
	ctx := context.Background()
	rec := support.MailRecord{Key: "mid:abc@example.org", Sender: "anne@example.fr", Result: support.MailTicket}
	tk := newTicket("0421234N", 1, support.Mineure)
	tk.IdempotencyKey = "mail:abc@example.org"
	if _, err := s.CreateTicket(support.WithMailRecord(ctx, rec), tk, nil); err != nil {
		t.Fatal(err)
	}
	got, err := inbox.MailRecordByKey(ctx, rec.Key)
	if err != nil || got.Number != tk.Number.String() || got.Result != support.MailTicket {
		t.Fatalf("record = %+v, %v; want the ticket %s", got, err, tk.Number)
	}
	// The same key on a comment and on a change: refused, nothing written.
	c := &support.Comment{Author: "Anne <anne@example.fr>", Role: support.RoleReporter, Body: "Encore"}
	err = s.AddComment(support.WithMailRecord(ctx, rec), tk.Number, c, nil, 0)
	wantError(t, err, support.ECONFLICT, support.KeyMailDuplicate)
	err = s.ChangeTicket(support.WithMailRecord(ctx, rec), tk.Number, "Anne <anne@example.fr>", "x",
		[]support.TicketChange{{Field: support.FieldStatus, From: "nouveau", To: "en_cours"}})
	wantError(t, err, support.ECONFLICT, support.KeyMailDuplicate)
	err = inbox.RecordMail(ctx, rec, nil, nil)
	wantError(t, err, support.ECONFLICT, support.KeyMailDuplicate)
	if after := get(t, s, tk.Number); len(after.Comments) != 0 || after.Status != support.StatusNew {
		t.Fatalf("a duplicate changed the ticket: %d comments, %s", len(after.Comments), after.Status)
	}
	// Another ticket with the key already taken: not created, its number
	// not taken either.
	tk2 := newTicket("0421234N", 1, support.Mineure)
	tk2.IdempotencyKey = "mail:other@example.org"
	_, err = s.CreateTicket(support.WithMailRecord(ctx, rec), tk2, nil)
	wantError(t, err, support.ECONFLICT, support.KeyMailDuplicate)
	tk3 := create(t, s, newTicket("0421234N", 1, support.Mineure))
	if tk3.Number.Seq != tk.Number.Seq+1 {
		t.Errorf("numbers %s then %s: the refused create took one", tk.Number, tk3.Number)
	}

	// Answers are counted per sender, and a pending request is found by
	// our answer's Message-ID until it expires.
	now := time.Now()
	reply := &support.MailDelivery{Recipient: "robot@example.net", MessageID: "mail-1.request@example.org",
		Subject: "Re : x", Text: "x", AutoReply: true, NextAttempt: now}
	p := &support.PendingMail{ReplyID: reply.MessageID, Sender: "robot@example.net", Raw: []byte("From: x"),
		Fields: []byte(`{}`), ExpiresAt: now.Add(time.Hour)}
	if err := inbox.RecordMail(ctx, support.MailRecord{Key: "mid:r1", Sender: "robot@example.net",
		Result: support.MailPending, Replied: true}, reply, p); err != nil {
		t.Fatal(err)
	}
	if n, err := inbox.CountMailReplies(ctx, "robot@example.net", now.Add(-time.Hour)); err != nil || n != 1 {
		t.Errorf("CountMailReplies = %d, %v; want 1", n, err)
	}
	got2, err := inbox.PendingByReply(ctx, reply.MessageID, now)
	if err != nil || string(got2.Raw) != "From: x" || got2.Sender != "robot@example.net" {
		t.Fatalf("PendingByReply = %+v, %v", got2, err)
	}
	if _, err := inbox.PendingByReply(ctx, reply.MessageID, now.Add(2*time.Hour)); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("expired request: %v", err)
	}
	if err := inbox.DeletePending(ctx, got2.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := inbox.PendingByReply(ctx, reply.MessageID, now); support.ErrorCode(err) != support.ENOTFOUND {
		t.Errorf("deleted request: %v", err)
	}
}
