package session

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// idBytes is the entropy of a session id: 256 bits.
const idBytes = 32

// idLen is the length of an encoded id: base64url of 32 bytes, no padding.
var idLen = base64.RawURLEncoding.EncodedLen(idBytes)

// NewID returns a fresh session id: 256 random bits, base64url without padding.
// It is the cookie value and must never be stored or logged; stores see Key(id).
func NewID() (string, error) {
	b := make([]byte, idBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session: random id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Key returns the store key for a cookie id: the hex SHA-256 of the id.
func Key(cookieID string) string {
	sum := sha256.Sum256([]byte(cookieID))
	return hex.EncodeToString(sum[:])
}

// ValidID reports whether s has the exact shape NewID produces, so a tampered
// or garbage cookie is refused before any store is asked about it.
func ValidID(s string) bool {
	if len(s) != idLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	// The last character carries 2 padding bits; a canonical encoding has them zero.
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}
