package middleware

import (
	"crypto/sha256"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/cookie"
	"golang.org/x/time/rate"
)

// RateLimitOptions configure RateLimit.
type RateLimitOptions struct {
	// PerIP and PerSession are requests per second; burst is twice the rate.
	// Default to 20 and 10.
	PerIP      float64
	PerSession float64
	// CookieName identifies the session cookie. Required.
	CookieName string
	// Exempt paths are not limited (health probes). Defaults to none.
	Exempt []string
	// MaxKeys bounds memory: idle buckets are dropped beyond it. Defaults to 100000.
	MaxKeys int
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
	if o.Now == nil {
		o.Now = time.Now
	}
}

// RateLimit answers 429 with Retry-After when a client IP or a session cookie
// exceeds its token bucket. The session bucket is keyed by a hash of the
// cookie, so a forged cookie costs the attacker's own IP bucket too.
func RateLimit(opts RateLimitOptions, next http.Handler) http.Handler {
	opts.Defaults()
	ips := newBuckets(opts.PerIP, opts.MaxKeys)
	sessions := newBuckets(opts.PerSession, opts.MaxKeys)
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
		if wait := ips.take(ClientIP(r.Context()), now); wait > 0 {
			WriteRetryAfter(w, seconds(wait), "too many requests from this address; retry later")
			return
		}
		if id, _ := cookie.Value(r.Header, opts.CookieName); id != "" {
			sum := sha256.Sum256([]byte(id))
			if wait := sessions.take(string(sum[:16]), now); wait > 0 {
				WriteRetryAfter(w, seconds(wait), "too many requests in this session; retry later")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func seconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

type buckets struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	maxKeys int
	m       map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newBuckets(perSecond float64, maxKeys int) *buckets {
	burst := int(math.Max(1, math.Ceil(2*perSecond)))
	return &buckets{limit: rate.Limit(perSecond), burst: burst, maxKeys: maxKeys, m: map[string]*bucket{}}
}

// take spends one token and returns 0, or how long until one is available.
func (b *buckets) take(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.m[key]
	if !ok {
		if len(b.m) >= b.maxKeys {
			b.sweep(now)
		}
		e = &bucket{lim: rate.NewLimiter(b.limit, b.burst)}
		b.m[key] = e
	}
	e.last = now
	if e.lim.AllowN(now, 1) {
		return 0
	}
	// Only a refusal needs the wait; a reservation allocates, so the common
	// path above does without one.
	res := e.lim.ReserveN(now, 1)
	defer res.CancelAt(now)
	return res.DelayFrom(now)
}

// sweep drops buckets that have refilled completely; they carry no state.
func (b *buckets) sweep(now time.Time) {
	full := time.Duration(float64(b.burst) / float64(b.limit) * float64(time.Second))
	for k, e := range b.m {
		if now.Sub(e.last) > full {
			delete(b.m, k)
		}
	}
	if len(b.m) >= b.maxKeys {
		// Under a flood of distinct keys, forget the lot rather than grow.
		clear(b.m)
	}
}
