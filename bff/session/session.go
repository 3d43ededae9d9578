// Package session holds the BFF's server-side sessions: the record kept in a
// store, the Store interface every backend implements, and the sealing of the
// tokens inside a record.
//
// The browser holds only an opaque random id in an HttpOnly cookie. A store
// never sees that id: records are keyed by Key(id), a SHA-256 hash, so a leaked
// store dump cannot be replayed as cookies.
package session

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Errors every Store returns, so callers can branch with errors.Is.
var (
	// ErrNotFound means no live record exists under the key.
	ErrNotFound = errors.New("session: not found")
	// ErrConflict means a conditional write lost: the record was created or
	// updated by someone else since it was read.
	ErrConflict = errors.New("session: version conflict")
	// ErrUnavailable wraps backend failures (network, throttling), so callers
	// answer 503 and keep the session instead of treating it as gone.
	ErrUnavailable = errors.New("session: store unavailable")
	// ErrLeaseHeld means another holder's lease under the key is still live.
	ErrLeaseHeld = errors.New("session: lease held")
)

// ErrExpired is what a store returns for a record it still holds past its
// ExpiresAt (backends such as DynamoDB evict lazily). It matches ErrNotFound
// under errors.Is, so callers that only know ErrNotFound stay correct; the
// Manager uses it to delete the leftover record at once.
var ErrExpired error = expiredError{}

type expiredError struct{}

func (expiredError) Error() string        { return "session: expired" }
func (expiredError) Is(target error) bool { return target == ErrNotFound }

// Record is what a store keeps for one signed-in browser.
type Record struct {
	// Key is Key(cookie id): the store's primary key.
	Key string
	// Subject is the IdP's `sub` claim.
	Subject string
	// IdPSessionID is the IdP's `sid` claim, when it sends one (back-channel logout).
	IdPSessionID string
	// Claims are display claims only (name, email, preferred_username).
	Claims map[string]string
	// Groups are the user's groups (Cognito `cognito:groups` or `groups`).
	Groups []string
	// SealedTokens is the AES-GCM sealed token set; never stored in clear.
	// It is immutable once sealed: a new seal makes a new slice and nothing
	// writes into an existing one, so Clone and the stores share it rather
	// than copying a few KB per read. Replace it; never modify it in place.
	SealedTokens []byte
	// AccessTokenExpiry drives proactive refresh without unsealing.
	AccessTokenExpiry time.Time
	// CreatedAt starts the absolute timeout.
	CreatedAt time.Time
	// LastSeenAt starts the idle timeout.
	LastSeenAt time.Time
	// IdleExpiresAt and AbsoluteExpiresAt are enforced server-side (AC-11, AC-12).
	IdleExpiresAt     time.Time
	AbsoluteExpiresAt time.Time
	// Version is the optimistic-concurrency counter: 1 after Create, +1 per Update.
	Version int64
	// CertThumbprint binds the session to an mTLS client certificate
	// (hex SHA-256 of the DER leaf); empty when not bound.
	CertThumbprint string
}

// ExpiresAt is the earlier of the idle and absolute deadlines; stores use it as the TTL.
func (r *Record) ExpiresAt() time.Time {
	if r.IdleExpiresAt.Before(r.AbsoluteExpiresAt) {
		return r.IdleExpiresAt
	}
	return r.AbsoluteExpiresAt
}

// Store persists records. Implementations must be safe for concurrent use and
// pass the shared conformance suite in package sessiontest.
type Store interface {
	// Get returns the live record under key, ErrNotFound, or ErrExpired (which
	// matches ErrNotFound) for a record past ExpiresAt the backend still holds.
	Get(ctx context.Context, key string) (*Record, error)
	// Create stores a new record with Version 1; ErrConflict if the key exists.
	Create(ctx context.Context, r *Record) error
	// Update replaces the record only if the stored Version equals r.Version,
	// and on success sets r.Version to the new stored version (r.Version+1).
	// It returns ErrConflict when the versions differ and ErrNotFound when the
	// record is gone.
	Update(ctx context.Context, r *Record) error
	// Delete removes the record; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// DeleteBySubject and DeleteByIdPSession serve back-channel logout and
	// return how many records they removed.
	DeleteBySubject(ctx context.Context, subject string) (int, error)
	DeleteByIdPSession(ctx context.Context, sid string) (int, error)
	// Ping reports whether the backend is reachable (for /readyz).
	Ping(ctx context.Context) error
	// Lease takes the lease named key for ttl: an exclusive hold that lets
	// one instance at a time do a piece of work, such as spending a
	// session's rotating refresh token. While another holder's lease is
	// live it returns ErrLeaseHeld. A lease past its ttl is free again, and
	// taking it over is one atomic step, so of many callers exactly one
	// wins. release ends the lease early and removes only the lease this
	// call took: a holder that outlived its ttl cannot end its successor's
	// lease. Releasing twice, or after the ttl, is not an error. Lease keys
	// are a namespace of their own, apart from record keys.
	Lease(ctx context.Context, key string, ttl time.Duration) (release func(context.Context) error, err error)
}

// MinLeaseTTL is the shortest lease a Store grants; the backends count in
// milliseconds.
const MinLeaseTTL = time.Millisecond

// NewLeaseToken is how every Store's Lease starts: it checks the call's
// arguments and returns a fresh token naming the holder, which release
// compares, so only the holder that took a lease can end it.
func NewLeaseToken(key string, ttl time.Duration) (string, error) {
	var problems []error
	if key == "" {
		problems = append(problems, errors.New("lease key is empty"))
	}
	if ttl < MinLeaseTTL {
		problems = append(problems, fmt.Errorf("lease ttl %s is shorter than %s", ttl, MinLeaseTTL))
	}
	if len(problems) > 0 {
		return "", fmt.Errorf("session: lease: %w", errors.Join(problems...))
	}
	t, err := NewID()
	if err != nil {
		return "", fmt.Errorf("session: lease token: %w", err)
	}
	return t, nil
}
