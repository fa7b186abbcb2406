// Package notify sends the reporter of a ticket an e-mail at each step
// (SMTP, fr/en templates in text and HTML) and serves the read-only page
// that the e-mails link to, through a signed, expiring link.
package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// LinkValidity is how long the link in an e-mail opens its ticket's page:
// 90 days, longer than a ticket usually stays open, short enough that an
// old forwarded e-mail stops showing the ticket.
const LinkValidity = 90 * 24 * time.Hour

// SecretName is the name of the link key among the server's secrets.
const SecretName = "link-hmac-sha256"

// Link errors.
var (
	ErrBadLink     = errors.New("notify: invalid link")
	ErrExpiredLink = errors.New("notify: expired link")
)

// Signer makes and checks the tokens of ticket links:
// NUMBER.EXPIRY.MAC, EXPIRY in Unix seconds (base 36), MAC the
// HMAC-SHA256 of "NUMBER.EXPIRY" under the server's key, base64url.
type Signer struct{ Key []byte }

// Sign returns the token of ticket n, valid until exp.
func (s Signer) Sign(n support.Number, exp time.Time) string {
	msg := n.String() + "." + strconv.FormatInt(exp.Unix(), 36)
	return msg + "." + base64.RawURLEncoding.EncodeToString(s.mac(msg))
}

func (s Signer) mac(msg string) []byte {
	h := hmac.New(sha256.New, s.Key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// Verify returns the ticket of a token: ErrBadLink when it was not made
// with this key (or is malformed), ErrExpiredLink when it is past its
// expiry at now. The MAC is checked first: an expired answer is only ever
// given for a genuine token.
func (s Signer) Verify(token string, now time.Time) (support.Number, error) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 || len(s.Key) == 0 {
		return support.Number{}, ErrBadLink
	}
	msg, sig := token[:i], token[i+1:]
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(msg)) {
		return support.Number{}, ErrBadLink
	}
	j := strings.LastIndexByte(msg, '.')
	if j < 0 {
		return support.Number{}, ErrBadLink
	}
	exp, err := strconv.ParseInt(msg[j+1:], 36, 64)
	if err != nil {
		return support.Number{}, ErrBadLink
	}
	n, ferr := support.ParseNumber(msg[:j])
	if ferr != nil || n.Prefix == "" {
		return support.Number{}, ErrBadLink
	}
	if !now.Before(time.Unix(exp, 0)) {
		return support.Number{}, ErrExpiredLink
	}
	return n, nil
}
