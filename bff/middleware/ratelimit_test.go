package middleware

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// Well-formed session ids (base64url of 256 bits).
var (
	sid1 = strings.Repeat("A", 43)
	sid2 = strings.Repeat("B", 42) + "A"
)

func TestNetworkKey(t *testing.T) {
	key := func(s string, bits int) limitKey { return networkKey(netip.MustParseAddr(s), bits) }
	cases := []struct {
		name string
		a, b string
		bits int
		same bool
	}{
		{"one /64", "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", 64, true},
		{"neighbouring /64s", "2001:db8:1:2::1", "2001:db8:1:3::1", 64, false},
		{"a /56 when asked", "2001:db8:1:2::1", "2001:db8:1:3::1", 56, true},
		{"IPv4 whole", "203.0.113.7", "203.0.113.8", 64, false},
		{"IPv4 is not an IPv6 /64", "0.0.0.1", "::1", 64, false},
	}
	for _, tc := range cases {
		if got := key(tc.a, tc.bits) == key(tc.b, tc.bits); got != tc.same {
			t.Errorf("%s: same key = %v, want %v", tc.name, got, tc.same)
		}
	}
	if networkKey(netip.Addr{}, 64) != (limitKey{}) {
		t.Error("an unknown address has a key of its own")
	}
}

// gcra is the reference: the same buckets with unbounded memory.
type gcra struct {
	interval, tolerance int64
	tat                 map[limitKey]int64
}

func (g *gcra) take(k limitKey, now int64) bool {
	t := max(g.tat[k], now)
	if t-now > g.tolerance {
		return false
	}
	g.tat[k] = t + g.interval
	return true
}

// The table forgets only buckets that carry no state, so a watched
// client's answers are those of a limiter with unbounded memory whenever the
// table finds a stale entry to replace (churn slower than the refill), and
// never more lenient than it when churn outruns the table and new keys
// share the overflow bucket. The table never holds more than its bound.
func TestLimiterForgetsOnlyWhatCarriesNoState(t *testing.T) {
	for _, tc := range []struct {
		name string
		step time.Duration // mean time between calls
		same bool          // answers equal to the unbounded limiter's
	}{
		{"churn slower than the refill", 10 * time.Millisecond, true},
		{"churn outrunning the table", 20 * time.Microsecond, false},
	} {
		for _, seed := range []uint64{1, 2, 3} {
			t.Run(fmt.Sprint(tc.name, "/", seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, seed))
				const maxKeys = 64
				l := newLimiter(5, maxKeys)
				ref := &gcra{interval: l.interval, tolerance: l.tolerance, tat: map[limitKey]int64{}}
				watched := []limitKey{{1}, {2}, {3}}
				for _, k := range watched { // tracked from the start
					l.take(k, time.Unix(1_000_000, 0))
					ref.take(k, time.Unix(1_000_000, 0).UnixNano())
				}
				now := time.Unix(1_000_000, 0)
				refusals := 0
				for step := 0; step < 100_000; step++ {
					now = now.Add(time.Duration(rng.Int64N(int64(2 * tc.step))))
					if rng.IntN(20) == 0 {
						// A burst from one watched client, sometimes past its bucket.
						k := watched[rng.IntN(len(watched))]
						for range 1 + rng.IntN(15) {
							got, want := l.take(k, now) == 0, ref.take(k, now.UnixNano())
							if got && !want || tc.same && got != want {
								t.Fatalf("step %d: watched client allowed = %v, an unbounded limiter says %v", step, got, want)
							}
							if !want {
								refusals++
							}
						}
						continue
					}
					var churn limitKey
					churn[0], churn[8], churn[9], churn[10] = 0xee, byte(step), byte(step>>8), byte(step>>16)
					l.take(churn, now)
					if n := l.len(); n > maxKeys {
						t.Fatalf("step %d: %d keys held, bound %d", step, n, maxKeys)
					}
				}
				if refusals == 0 {
					t.Fatal("the watched clients were never refused: the test proves nothing")
				}
			})
		}
	}
}

// Rates far outside any sane setting still give answers, not overflows.
func TestLimiterExtremeRates(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	slow, fast := newLimiter(1e-30, 10), newLimiter(1e30, 10)
	if slow.take(limitKey{1}, now) != 0 || slow.take(limitKey{1}, now) <= 0 {
		t.Error("a near-zero rate allows the first call and refuses the second")
	}
	for range 1000 {
		if fast.take(limitKey{1}, now) != 0 {
			t.Fatal("a near-infinite rate refused a call")
		}
	}
}
