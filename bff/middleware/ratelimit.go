package middleware

import (
	"crypto/sha256"
	"math"
	"net/http"
	"net/netip"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/cookie"
	"github.com/gatehouse/gatehouse/bff/session"
)

// RateLimitOptions configure RateLimit.
type RateLimitOptions struct {
	// PerIP and PerSession are requests per second; burst is twice the rate.
	// Default to 20 and 10.
	PerIP      float64
	PerSession float64
	// CookieName identifies the session cookie. Required.
	CookieName string
	// Exempt paths are not limited (liveness probes). Defaults to none.
	Exempt []string
	// MaxKeys bounds each table (client networks, sessions) and so the
	// memory: about 90 bytes a key, 8.4 MiB a table at the default. When a
	// table is full of clients that all still carry state, new keys share
	// one overflow bucket rather than push anyone out. Defaults to 100000.
	MaxKeys int
	// IPv6PrefixLen is how many leading bits of an IPv6 address name one
	// client: a subscriber or a host gets a whole /64 and picks addresses
	// in it at will. Defaults to 64. IPv4 addresses count whole.
	IPv6PrefixLen int
	// Now defaults to time.Now.
	Now func() time.Time
}

// Defaults fills unset fields.
func (o *RateLimitOptions) Defaults() {
	if o.PerIP == 0 {
		o.PerIP = 20
	}
	if o.PerSession == 0 {
		o.PerSession = 10
	}
	if o.MaxKeys == 0 {
		o.MaxKeys = 100000
	}
	if o.IPv6PrefixLen == 0 {
		o.IPv6PrefixLen = 64
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// RateLimit answers 429 with Retry-After when a client network or a session
// exceeds its token bucket. The session bucket exists only for a cookie
// that holds a well-formed session id, keyed by a hash of it; anything else
// in the cookie costs only the caller's network bucket, so forged cookies
// cannot fill the session table faster than the networks sending them are
// allowed to call.
func RateLimit(opts RateLimitOptions, next http.Handler) http.Handler {
	opts.Defaults()
	ips := newLimiter(opts.PerIP, opts.MaxKeys)
	sessions := newLimiter(opts.PerSession, opts.MaxKeys)
	exempt := map[string]bool{}
	for _, p := range opts.Exempt {
		exempt[p] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exempt[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		now := opts.Now()
		if wait := ips.take(networkKey(ClientAddr(r.Context()), opts.IPv6PrefixLen), now); wait > 0 {
			WriteRetryAfter(w, seconds(wait), "too many requests from this address; retry later")
			return
		}
		if id, _ := cookie.Value(r.Header, opts.CookieName); session.ValidID(id) {
			var buf [64]byte // a valid id is 43 bytes: hashed without an allocation
			sum := sha256.Sum256(buf[:copy(buf[:], id)])
			if wait := sessions.take(limitKey(sum[:16]), now); wait > 0 {
				WriteRetryAfter(w, seconds(wait), "too many requests in this session; retry later")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// networkKey is the client's address as the limiter counts it: IPv4 whole,
// IPv6 masked to its first prefixLen bits. Unknown addresses share the zero
// key.
func networkKey(addr netip.Addr, prefixLen int) limitKey {
	if addr.Is6() {
		if p, err := addr.Prefix(prefixLen); err == nil {
			addr = p.Addr()
		}
	}
	if !addr.IsValid() {
		return limitKey{}
	}
	return addr.As16()
}

func seconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }
