package session

import (
	"context"
	"fmt"
	"sync"
)

// maxPooledPlaintext caps the buffers kept in plaintextPool, so one outsized
// token set does not pin a large buffer for the life of the process.
const maxPooledPlaintext = 64 << 10

// plaintextPool holds buffers to open token sets into: opening is on every
// proxied request, and a fresh buffer there is a few KB of garbage each time.
// A buffer goes back wiped, so no token outlives the call that opened it.
var plaintextPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 8<<10)
	return &b
}}

// Tokens unseals the session's token set. Tokens that cannot be opened
// (a data key rotated out, a corrupted record) yield ErrNoSession: the user
// must sign in again.
func (m *Manager) Tokens(ctx context.Context, s *Session) (Tokens, error) {
	buf, pt, err := m.unseal(ctx, s, "tokens")
	if err != nil {
		return Tokens{}, err
	}
	defer releasePlaintext(buf, pt)
	t, err := unmarshalTokens(pt)
	if err != nil {
		return Tokens{}, fmt.Errorf("session: tokens: %w", err)
	}
	return t, nil
}

// AccessToken is Tokens for callers that need only the access token, as the
// proxy does on every request: it decodes nothing else. Errors are those of
// Tokens.
func (m *Manager) AccessToken(ctx context.Context, s *Session) (string, error) {
	buf, pt, err := m.unseal(ctx, s, "access token")
	if err != nil {
		return "", err
	}
	defer releasePlaintext(buf, pt)
	at, err := accessTokenFrom(pt)
	if err != nil {
		return "", fmt.Errorf("session: access token: %w", err)
	}
	return at, nil
}

// unseal opens s's token set into a pooled buffer. On success the caller
// must copy what it needs out of pt and then releasePlaintext(buf, pt).
func (m *Manager) unseal(ctx context.Context, s *Session, op string) (buf *[]byte, pt []byte, err error) {
	if err := m.prepare(ctx); err != nil {
		return nil, nil, err
	}
	buf = plaintextPool.Get().(*[]byte)
	pt, err = m.sealer.Open((*buf)[:0], s.rec.SealedTokens, []byte(s.rec.Key))
	if err != nil {
		// A failed Open may still have written into the buffer.
		releasePlaintext(buf, pt)
		// Sealed under a retired key or corrupted: the session cannot act for the user.
		return nil, nil, fmt.Errorf("session: %s: %w: %w", op, ErrNoSession, err)
	}
	return buf, pt, nil
}

// releasePlaintext wipes what Open wrote and returns a buffer to the pool.
func releasePlaintext(buf *[]byte, pt []byte) {
	wipePlaintext(buf, pt)
	plaintextPool.Put(buf)
}

// wipePlaintext clears the pooled buffer, and pt too when Open outgrew the
// buffer and allocated its own, then leaves in buf the larger of the two
// that fits under maxPooledPlaintext, emptied.
func wipePlaintext(buf *[]byte, pt []byte) {
	b := (*buf)[:cap(*buf)]
	clear(b)
	// Appending into b keeps its capacity; only a new array can be larger.
	if cap(pt) > cap(b) {
		pt = pt[:cap(pt)]
		clear(pt)
		if cap(pt) <= maxPooledPlaintext {
			b = pt
		}
	}
	*buf = b[:0]
}
