package reply

import (
	"testing"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmd/comment"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/support"
)

func TestReplyRun(t *testing.T) {
	tests := []struct {
		name    string
		role    support.Role
		message string
		wantErr string
	}{
		{"agent", support.RoleAgent, "Videz le cache.", ""},
		{"admin", support.RoleAdmin, "Videz le cache.", ""},
		{"reporter", support.RoleReporter, "Merci", "error.reply_agents_only"},
		{"no message", support.RoleAgent, "", "cli.reply.message_required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := cmdtest.NewTickets()
			fake.Role = tt.role
			fake.Tickets = []*support.Ticket{{TicketSummary: support.TicketSummary{Number: support.Number{Prefix: "CG42N1", Seq: 1}}}}
			f, _, out, _ := cmdtest.Factory(t, fake)
			opts := &comment.CommentOptions{IO: f.IOStreams, Lang: f.Lang, Tickets: f.Tickets, Identity: f.Identity, Number: "1", Message: tt.message}
			err := replyRun(opts)
			if tt.wantErr != "" {
				key := support.AsError(err).Key
				if u, ok := err.(*cmdutil.UsageError); ok {
					key = u.Key
				}
				if key != tt.wantErr || len(fake.Tickets[0].Comments) != 0 {
					t.Errorf("error %v (key %q), %d comments; want %s and none", err, key, len(fake.Tickets[0].Comments), tt.wantErr)
				}
				if tt.wantErr == "error.reply_agents_only" && support.ErrorCode(err) != support.EFORBIDDEN {
					t.Errorf("code %q, want forbidden (exit 3)", support.ErrorCode(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c := fake.Tickets[0].Comments; len(c) != 1 || c[0].Body != tt.message || out.String() != "1\n" {
				t.Errorf("comments %+v, stdout %q", c, out)
			}
		})
	}
}
