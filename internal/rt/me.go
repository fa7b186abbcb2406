package rt

import (
	"context"

	"github.com/ent-support/ent-support/internal/support"
)

// What RT says of itself and of the token's holder. RT has no directory of
// establishments and its accounts' contact details are changed in RT
// (Settings): the client implements neither support.Directory nor
// support.ContactEditor, and commands that need them say so.

// Info says what the client enforces for RT, which has no limits of its
// own (it stores 12 MB as is, or silently turns a file into a .txt): the
// reference server's limits. RT has no establishment directory, so names
// and cities are asked.
func (c *Client) Info(ctx context.Context) (*support.ServerInfo, error) {
	return &support.ServerInfo{Prefix: c.nums.Prefix, Limits: support.DefaultLimits(), OpenDirectory: true,
		Version: "rt"}, nil
}

// Me: RT's REST2 does not say who a token belongs to; RT's own rights
// decide what each call may do.
func (c *Client) Me(ctx context.Context) (*support.User, error) {
	return &support.User{Role: support.RoleAgent}, nil
}

// CheckToken makes one authenticated read: an unknown or revoked token is
// EUNAUTHENTICATED. (Me cannot tell, and `new` calls Me on every ticket:
// this costs RT a token check, about 0.3 s, so only `auth` asks.)
func (c *Client) CheckToken(ctx context.Context) error {
	var info struct{}
	return c.get(ctx, "/rt", nil, false, &info)
}
