package support

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// TokenPrefix starts every token the server makes, so that a token pasted
// where it should not be (a log, a ticket) is easy to recognise.
const TokenPrefix = "ents_"

// NewToken returns a new bearer token: 256 random bits, base64url.
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// HashToken is how a token is kept at rest. A plain SHA-256 is enough:
// tokens carry 256 random bits, so there is nothing to brute-force and no
// need for a slow, salted hash (which would make every request slow).
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
