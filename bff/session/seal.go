package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
)

// Sealer encrypts and authenticates small blobs bound to associated data.
// The Manager uses the record Key as aad, so a sealed token set cannot be
// moved from one record to another.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	// Open appends the plaintext to dst and returns the updated slice, as
	// cipher.AEAD.Open does, so callers can open into a reused buffer. The
	// unused capacity of dst must not overlap sealed. On error the result is
	// nil and the capacity of dst beyond len(dst) may have been overwritten.
	Open(dst, sealed, aad []byte) ([]byte, error)
}

// ErrUnsealable means a sealed blob failed authentication, was made under a
// key this sealer no longer holds, or is malformed.
var ErrUnsealable = errors.New("session: cannot open sealed data")

// KeySize is the length of a data key: AES-256.
const KeySize = 32

// Purpose names what a sealer protects. Each purpose seals under its own
// key, derived from the data key with HKDF-SHA256 (RFC 5869, the purpose
// as info), so a blob made for one purpose never opens as another's, and
// the requests that spend one key's nonces spend no other's: anyone can
// make the BFF seal a login-state cookie, and that must not wear down the
// key of every session's tokens. AES-GCM with random 96-bit nonces is good
// for 2^32 seals per key (NIST SP 800-38D §8.3).
type Purpose string

const (
	// PurposeSessionTokens seals the token set inside each session record.
	PurposeSessionTokens Purpose = "session tokens"
	// PurposeLoginState seals the login cookie between /auth/login and the callback.
	PurposeLoginState Purpose = "login state"
)

// opensUnderived reports whether a purpose still opens blobs sealed under
// the data key itself, as releases before key derivation sealed them:
// session tokens, so that the upgrade signs no one out. Such blobs are
// re-sealed under the derived key at the session's next refresh and are
// gone one absolute timeout after the upgrade. Login cookies live ten
// minutes: one begun before the upgrade just fails once.
func opensUnderived(p Purpose) bool { return p == PurposeSessionTokens }

const (
	// sealFormatUnderived blobs were sealed under the data key itself.
	sealFormatUnderived = 0x01
	// sealFormat blobs are sealed under the purpose's derived key.
	sealFormat  = 0x02
	keyIDLen    = 4
	headerLen   = 1 + keyIDLen
	gcmNonceLen = 12
	gcmTagLen   = 16
)

// AEADSealer is AES-256-GCM under one purpose's keys, with key rotation: it
// seals under the key derived from the current data key and opens blobs
// sealed under the keys derived from the current or any previous data key.
//
// Sealed layout: format(1) | key id(4) | nonce(12) | ciphertext | tag(16).
// The key id is a truncated hash of the key, so a blob names its key without
// revealing anything usable about it.
type AEADSealer struct {
	current sealKey
	keys    []sealKey // derived, current first, then previous, in the order given
	// underived are the data keys themselves, for opensUnderived purposes.
	underived []sealKey
}

type sealKey struct {
	id   [keyIDLen]byte
	aead cipher.AEAD
}

// NewSealer returns an AES-256-GCM sealer for purpose. Every data key must
// be KeySize bytes. Rotate by passing the new key as current and the old
// ones as previous until every blob sealed under them has expired (the
// absolute timeout for session tokens).
func NewSealer(purpose Purpose, current []byte, previous ...[]byte) (*AEADSealer, error) {
	all := append([][]byte{current}, previous...)
	var problems []error
	if purpose == "" {
		problems = append(problems, errors.New("purpose is empty"))
	}
	s := &AEADSealer{}
	for i, k := range all {
		if len(k) != KeySize {
			problems = append(problems, fmt.Errorf("key %d: data key must be %d bytes, got %d", i, KeySize, len(k)))
			continue
		}
		derived, err := deriveKey(k, purpose)
		if err == nil {
			var sk sealKey
			if sk, err = newSealKey(derived); err == nil {
				s.keys = append(s.keys, sk)
			}
		}
		if err == nil && opensUnderived(purpose) {
			var sk sealKey
			if sk, err = newSealKey(k); err == nil {
				s.underived = append(s.underived, sk)
			}
		}
		if err != nil {
			problems = append(problems, fmt.Errorf("key %d: %w", i, err))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("session: sealer: %w", errors.Join(problems...))
	}
	s.current = s.keys[0]
	return s, nil
}

// deriveKey is HKDF-SHA256 with the purpose, versioned, as info. Its
// extract step makes a uniform key of the data key whatever its
// distribution (the stacks generate 32 printable characters), so no salt
// is needed (RFC 5869 §3.1).
func deriveKey(dataKey []byte, purpose Purpose) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, dataKey, nil, "gatehouse/v1/"+string(purpose), KeySize)
	if err != nil {
		return nil, fmt.Errorf("derive %s key: %w", purpose, err)
	}
	return k, nil
}

func newSealKey(k []byte) (sealKey, error) {
	block, err := aes.NewCipher(k)
	if err != nil {
		return sealKey{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealKey{}, err
	}
	h := sha256.New()
	h.Write([]byte("gatehouse session key id\x00"))
	h.Write(k)
	var sk sealKey
	copy(sk.id[:], h.Sum(nil))
	sk.aead = aead
	return sk, nil
}

// Seal encrypts plaintext under the current key, authenticating aad.
func (s *AEADSealer) Seal(plaintext, aad []byte) ([]byte, error) {
	out := make([]byte, headerLen+gcmNonceLen, headerLen+gcmNonceLen+len(plaintext)+gcmTagLen)
	out[0] = sealFormat
	copy(out[1:headerLen], s.current.id[:])
	nonce := out[headerLen:]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("session: seal nonce: %w", err)
	}
	return s.current.aead.Seal(out, nonce, plaintext, aad), nil
}

// Open authenticates a blob made by Seal with the same aad and appends its
// plaintext to dst.
func (s *AEADSealer) Open(dst, sealed, aad []byte) ([]byte, error) {
	if len(sealed) < headerLen+gcmNonceLen+gcmTagLen {
		return nil, fmt.Errorf("%w: malformed", ErrUnsealable)
	}
	var keys []sealKey
	switch sealed[0] {
	case sealFormat:
		keys = s.keys
	case sealFormatUnderived:
		keys = s.underived
	default:
		return nil, fmt.Errorf("%w: malformed", ErrUnsealable)
	}
	id := sealed[1:headerLen]
	nonce := sealed[headerLen : headerLen+gcmNonceLen]
	body := sealed[headerLen+gcmNonceLen:]
	known := false
	for _, k := range keys {
		if subtle.ConstantTimeCompare(k.id[:], id) != 1 {
			continue
		}
		known = true
		if pt, err := k.aead.Open(dst, nonce, body, aad); err == nil {
			return pt, nil
		}
	}
	if !known {
		return nil, fmt.Errorf("%w: sealed under a retired key or for another purpose", ErrUnsealable)
	}
	return nil, fmt.Errorf("%w: authentication failed", ErrUnsealable)
}
