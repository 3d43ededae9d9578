package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ErrClaimed means ClaimOnce found the name already claimed, on this
// instance or on any other sharing the store.
var ErrClaimed = errors.New("session: already claimed")

// RefreshLease takes the lease that admits one refresh of s at a time,
// across every instance sharing the store: with an IdP that rotates
// refresh tokens, a second refresh with the same token would be refused
// and could revoke the whole grant. It returns ErrLeaseHeld (wrapped) while
// another instance holds it, and ErrUnavailable when the store cannot
// answer. The lease ends after ttl, or at release, which only ever ends
// this caller's own lease.
func (m *Manager) RefreshLease(ctx context.Context, s *Session, ttl time.Duration) (release func(context.Context) error, err error) {
	release, err = m.store.Lease(ctx, "refresh:"+s.rec.Key, ttl)
	if err != nil {
		return nil, fmt.Errorf("session: refresh lease: %w", err)
	}
	return release, nil
}

// ClaimOnce records that name has been used, for ttl, in the store every
// instance shares, so a one-time value (a logout token's jti) is accepted
// once whichever instance it reaches. It returns ErrClaimed (wrapped) when
// the name is already claimed. undo gives the claim back, for a caller
// whose work failed and may be retried with the same value.
func (m *Manager) ClaimOnce(ctx context.Context, name string, ttl time.Duration) (undo func(context.Context) error, err error) {
	// Hashed, so a long or odd value never becomes a long or odd store key.
	sum := sha256.Sum256([]byte(name))
	undo, err = m.store.Lease(ctx, "once:"+hex.EncodeToString(sum[:]), ttl)
	switch {
	case errors.Is(err, ErrLeaseHeld):
		return nil, fmt.Errorf("session: claim: %w", ErrClaimed)
	case err != nil:
		return nil, fmt.Errorf("session: claim: %w", err)
	}
	return undo, nil
}
