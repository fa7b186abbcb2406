// Package notify sends the reporter of a ticket an e-mail at each step
// (SMTP, fr/en templates in text and HTML) and serves the read-only page
// that the e-mails link to, through a signed, expiring link.
package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"sync"
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
	n, _, err := s.verify(token, now)
	return n, err
}

// verify is Verify, also returning the token's expiry.
func (s Signer) verify(token string, now time.Time) (support.Number, time.Time, error) {
	n, exp, err := s.parse(token)
	if err == nil && !now.Before(exp) {
		err = ErrExpiredLink
	}
	return n, exp, err
}

// parse checks the MAC and reads the ticket and expiry of a token.
func (s Signer) parse(token string) (support.Number, time.Time, error) {
	bad := func() (support.Number, time.Time, error) { return support.Number{}, time.Time{}, ErrBadLink }
	i := strings.LastIndexByte(token, '.')
	if i < 0 || len(s.Key) == 0 {
		return bad()
	}
	msg, sig := token[:i], token[i+1:]
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(msg)) {
		return bad()
	}
	j := strings.LastIndexByte(msg, '.')
	if j < 0 {
		return bad()
	}
	exp, err := strconv.ParseInt(msg[j+1:], 36, 64)
	if err != nil {
		return bad()
	}
	n, ferr := support.ParseNumber(msg[:j])
	if ferr != nil || n.Prefix == "" {
		return bad()
	}
	return n, time.Unix(exp, 0), nil
}

// KeyringTTL is how long a process trusts the link keys it read: a key
// rotated or revoked by `ent-support server rotate-link-key` (another
// process, on the same database) is in force everywhere within it.
const KeyringTTL = time.Second

// KeyStore holds the link keys: the one in force, and the retired ones.
type KeyStore interface {
	// Secret returns (making it the first time) the key in force.
	Secret(ctx context.Context, name string, size int) ([]byte, error)
	SecretVersions(ctx context.Context, name string) ([]support.SecretVersion, error)
}

// Keyring is the link keys of the server as the database holds them,
// read again at most every KeyringTTL: links are signed with the key in
// force; a link signed with a retired key still opens its page until it
// expires, but only if it expires within LinkValidity of the key's
// retirement (a link signed before then cannot expire later: one that
// does was made with a key that leaked).
type Keyring struct {
	store KeyStore
	now   func() time.Time
	mu    sync.Mutex
	keys  []support.SecretVersion // in force first
	read  time.Time
}

// NewKeyring makes the link key if the database has none yet, and
// returns the keyring over it.
func NewKeyring(ctx context.Context, st KeyStore, now func() time.Time) (*Keyring, error) {
	if now == nil {
		now = time.Now
	}
	key, err := st.Secret(ctx, SecretName, 32)
	if err != nil {
		return nil, err
	}
	return &Keyring{store: st, now: now, keys: []support.SecretVersion{{Value: key}}, read: now()}, nil
}

// versions returns the keys, read again when older than KeyringTTL; when
// the database cannot be read, the keys last read serve.
func (k *Keyring) versions(ctx context.Context) []support.SecretVersion {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if now.Sub(k.read) < KeyringTTL && !now.Before(k.read) {
		return k.keys
	}
	vs, err := k.store.SecretVersions(ctx, SecretName)
	if err == nil && len(vs) > 0 && vs[0].RetiredAt.IsZero() {
		k.keys, k.read = vs, now
	}
	return k.keys
}

// Signer is the signer of new links: the key in force.
func (k *Keyring) Signer(ctx context.Context) Signer {
	return Signer{Key: k.versions(ctx)[0].Value}
}

// Verify is Signer.Verify over every key of the ring.
func (k *Keyring) Verify(ctx context.Context, token string, now time.Time) (support.Number, error) {
	for i, v := range k.versions(ctx) {
		n, exp, err := Signer{Key: v.Value}.verify(token, now)
		if errors.Is(err, ErrBadLink) {
			continue
		}
		if i > 0 && exp.After(v.RetiredAt.Add(LinkValidity)) {
			return support.Number{}, ErrBadLink
		}
		return n, err
	}
	return support.Number{}, ErrBadLink
}

// RotateKey replaces the link key: links signed with the old one keep
// opening their page until they expire, or, with revoke, stop at once
// (in every server process within KeyringTTL). Keys whose every link
// has expired are dropped.
func RotateKey(ctx context.Context, st interface {
	RotateSecret(ctx context.Context, name string, size int, now, dropBefore time.Time, revoke bool) error
}, now time.Time, revoke bool) error {
	return st.RotateSecret(ctx, SecretName, 32, now, now.Add(-LinkValidity), revoke)
}
