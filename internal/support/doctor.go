package support

import "context"

// Check is one item of `ent-support doctor`: whether a back end has what a
// profile needs (server reachable, token valid, a queue, a custom field…),
// and when it has not, what exactly to add and how.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"` // what was found, or what is wrong
	Fix    string `json:"fix,omitempty"`    // how to add what is missing
}

// Doctor is implemented by back ends that can check themselves against a
// profile. Checks come back in order; an unreachable server ends the list.
type Doctor interface {
	Doctor(ctx context.Context) []Check
}

// TokenChecker is implemented by back ends whose Me does not prove that a
// token is valid (RT's REST2 does not say who holds one): `auth login`
// calls it before keeping a token.
type TokenChecker interface {
	CheckToken(ctx context.Context) error
}
