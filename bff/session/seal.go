package session

import (
	"crypto/aes"
	"crypto/cipher"
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

const (
	sealFormat  = 0x01
	keyIDLen    = 4
	headerLen   = 1 + keyIDLen
	gcmNonceLen = 12
	gcmTagLen   = 16
)

// AEADSealer is AES-256-GCM with key rotation: it seals under the current
// key and opens blobs sealed under the current or any previous key.
//
// Sealed layout: format(1) | key id(4) | nonce(12) | ciphertext | tag(16).
// The key id is a truncated hash of the key, so a blob names its key without
// revealing anything usable about it.
type AEADSealer struct {
	current sealKey
	keys    []sealKey // current first, then previous, in the order given
}

type sealKey struct {
	id   [keyIDLen]byte
	aead cipher.AEAD
}

// NewSealer returns an AES-256-GCM sealer. Every key must be KeySize bytes.
// Rotate by passing the new key as current and the old ones as previous until
// every session sealed under them has expired (the absolute timeout).
func NewSealer(current []byte, previous ...[]byte) (*AEADSealer, error) {
	all := append([][]byte{current}, previous...)
	var problems []error
	s := &AEADSealer{}
	for i, k := range all {
		sk, err := newSealKey(k)
		if err != nil {
			problems = append(problems, fmt.Errorf("key %d: %w", i, err))
			continue
		}
		s.keys = append(s.keys, sk)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("session: sealer: %w", errors.Join(problems...))
	}
	s.current = s.keys[0]
	return s, nil
}

func newSealKey(k []byte) (sealKey, error) {
	if len(k) != KeySize {
		return sealKey{}, fmt.Errorf("data key must be %d bytes, got %d", KeySize, len(k))
	}
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
	if len(sealed) < headerLen+gcmNonceLen+gcmTagLen || sealed[0] != sealFormat {
		return nil, fmt.Errorf("%w: malformed", ErrUnsealable)
	}
	id := sealed[1:headerLen]
	nonce := sealed[headerLen : headerLen+gcmNonceLen]
	body := sealed[headerLen+gcmNonceLen:]
	known := false
	for _, k := range s.keys {
		if subtle.ConstantTimeCompare(k.id[:], id) != 1 {
			continue
		}
		known = true
		if pt, err := k.aead.Open(dst, nonce, body, aad); err == nil {
			return pt, nil
		}
	}
	if !known {
		return nil, fmt.Errorf("%w: sealed under a retired key", ErrUnsealable)
	}
	return nil, fmt.Errorf("%w: authentication failed", ErrUnsealable)
}
