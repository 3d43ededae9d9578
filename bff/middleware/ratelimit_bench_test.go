package middleware

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/gatehouse/gatehouse/bff/internal/cookie"
)

// legacyBuckets is the limiter table this package had before LRU eviction,
// kept only as the benchmarks' baseline: a map of rate.Limiters by string
// key that, when full, dropped refilled buckets and then, under a flood of
// distinct keys, every bucket at once.
type legacyBuckets struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	maxKeys int
	m       map[string]*legacyBucket
}

type legacyBucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newLegacyBuckets(perSecond float64, maxKeys int) *legacyBuckets {
	burst := int(math.Max(1, math.Ceil(2*perSecond)))
	return &legacyBuckets{limit: rate.Limit(perSecond), burst: burst, maxKeys: maxKeys, m: map[string]*legacyBucket{}}
}

func (b *legacyBuckets) take(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.m[key]
	if !ok {
		if len(b.m) >= b.maxKeys {
			full := time.Duration(float64(b.burst) / float64(b.limit) * float64(time.Second))
			for k, e := range b.m {
				if now.Sub(e.last) > full {
					delete(b.m, k)
				}
			}
			if len(b.m) >= b.maxKeys {
				clear(b.m)
			}
		}
		e = &legacyBucket{lim: rate.NewLimiter(b.limit, b.burst)}
		b.m[key] = e
	}
	e.last = now
	if e.lim.AllowN(now, 1) {
		return 0
	}
	res := e.lim.ReserveN(now, 1)
	defer res.CancelAt(now)
	return res.DelayFrom(now)
}

// table is what both limiters offer the benchmarks: the legacy one keyed
// by the address text it was given, the new one by the masked address.
type table interface {
	take(i int, now time.Time) time.Duration
	size() int
}

type legacyTable struct{ b *legacyBuckets }

func (l legacyTable) take(i int, now time.Time) time.Duration {
	var k [16]byte
	binary.BigEndian.PutUint64(k[8:], uint64(i))
	return l.b.take(string(k[:]), now)
}
func (l legacyTable) size() int { return len(l.b.m) }

type lruTable struct{ l *limiter }

func (l lruTable) take(i int, now time.Time) time.Duration {
	var k limitKey
	binary.BigEndian.PutUint64(k[8:], uint64(i))
	return l.l.take(k, now)
}
func (l lruTable) size() int { return l.l.len() }

var tables = []struct {
	name string
	new  func(perSecond float64, maxKeys int) table
}{
	{"before (clear when full)", func(r float64, n int) table { return legacyTable{newLegacyBuckets(r, n)} }},
	{"LRU", func(r float64, n int) table { return lruTable{newLimiter(r, n)} }},
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkLimiterDistinctKeys sends one million distinct client keys, one
// a microsecond (a flood at a million new clients a second), through a
// table bounded at the default 100000 keys, at the default 20/s per client.
// It reports the heap the table holds afterwards, the keys it holds, and
// the cost per key; it fails if a table holds more keys than its bound.
func BenchmarkLimiterDistinctKeys(b *testing.B) {
	const keys, maxKeys = 1_000_000, 100_000
	for _, tc := range tables {
		b.Run(tc.name, func(b *testing.B) {
			var heap uint64
			var held int
			start := time.Unix(1_000_000, 0)
			for b.Loop() {
				b.StopTimer()
				before := heapInUse()
				b.StartTimer()
				t := tc.new(20, maxKeys)
				for i := 0; i < keys; i++ {
					t.take(i, start.Add(time.Duration(i)*time.Microsecond))
				}
				b.StopTimer()
				heap, held = heapInUse()-before, t.size()
				runtime.KeepAlive(t)
				b.StartTimer()
			}
			if held > maxKeys {
				b.Fatalf("%d keys held, bound %d", held, maxKeys)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*keys), "ns/key")
			b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
			b.ReportMetric(float64(held), "keys-held")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkLimiterHotKey is the steady state: one client calling within
// its rate.
func BenchmarkLimiterHotKey(b *testing.B) {
	for _, tc := range tables {
		b.Run(tc.name, func(b *testing.B) {
			t := tc.new(1e9, 100_000)
			now := time.Unix(1_000_000, 0)
			b.ReportAllocs()
			for b.Loop() {
				t.take(7, now)
			}
		})
	}
}

// legacyRateLimit is the layer as it was, over legacyBuckets: the baseline
// of BenchmarkRateLimitLayer.
func legacyRateLimit(opts RateLimitOptions, next http.Handler) http.Handler {
	opts.Defaults()
	ips, sessions := newLegacyBuckets(opts.PerIP, opts.MaxKeys), newLegacyBuckets(opts.PerSession, opts.MaxKeys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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

// BenchmarkRateLimitLayer is the whole layer on an API call with a session
// cookie, before and after, in one run.
func BenchmarkRateLimitLayer(b *testing.B) {
	opts := RateLimitOptions{PerIP: 1e9, PerSession: 1e9, CookieName: "__Host-gh_session"}
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{
		{"before (clear when full)", legacyRateLimit(opts, noop)},
		{"LRU", RateLimit(opts, noop)},
	} {
		b.Run(tc.name, func(b *testing.B) { benchLayer(b, tc.h, spaRequest(http.MethodGet, "/api/todos/items")) })
	}
}
