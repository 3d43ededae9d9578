package middleware

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// Through the middleware and real sockets, behind one trusted proxy hop: a
// client that keeps calling past its bucket gets no more than the rate
// while twenty-five times the table's size in other clients pass, whether
// it calls from one address or from every address of one IPv6 /64. Before,
// filling the table forgot every client (a fresh burst each time) and each
// IPv6 address had a bucket of its own.
func TestRefusedClientStaysRefusedWhileTheTableChurns(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Unix(1000, 0).UnixNano())
	const perIP, burst = 10, 20
	h := TrustedClientIPWith(ClientIPOptions{ProxyHops: 1}, RateLimit(RateLimitOptions{
		PerIP: perIP, PerSession: 1000, CookieName: "sid", MaxKeys: 200,
		Now: func() time.Time { return time.Unix(0, clock.Load()) },
	}, ok))
	srv := httptest.NewServer(h)
	defer srv.Close()
	call := func(client string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/x", nil)
		req.Header.Set("X-Forwarded-For", client)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, victim := range []struct {
		name string
		addr func(i int) string
	}{
		{"one IPv4 address", func(int) string { return "203.0.113.9" }},
		{"every address of one IPv6 /64", func(i int) string { return fmt.Sprintf("2001:db8:7:7:%x:%x::1", i/65536, i%65536) }},
	} {
		t.Run(victim.name, func(t *testing.T) {
			for i := 0; i <= burst; i++ {
				call(victim.addr(i))
			}
			start, allowed := clock.Load(), 0
			const churn = 5000 // 25 tables' worth of other clients, 1 ms apart
			for i := 0; i < churn; i++ {
				if i%5 == 0 && call(victim.addr(burst+1+i)) == http.StatusOK {
					allowed++
				}
				if got := call(fmt.Sprintf("198.51.%d.%d", i/250, i%250+1)); got != http.StatusOK {
					t.Fatalf("churning client %d: %d: the table made no room", i, got)
				}
				clock.Add(int64(time.Millisecond))
			}
			// At the rate, after the burst was spent: one call per 100 ms.
			if limit := int(time.Duration(clock.Load()-start)/(time.Second/perIP)) + 1; allowed > limit {
				t.Fatalf("allowed %d calls during the churn, the rate allows %d", allowed, limit)
			}
		})
	}
}
