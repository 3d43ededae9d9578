package integration

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// TestRateLimitKeysIPv6ByNetwork: behind the ALB, which appends the
// client's address to X-Forwarded-For, every address of one IPv6 /64
// draws on one bucket, so rotating through a /64 (2^64 addresses, all the
// caller's own) buys no extra calls; another /64 has its own bucket.
func TestRateLimitKeysIPv6ByNetwork(t *testing.T) {
	s := bfftest.Start(t, bfftest.Options{Store: "dynamodb", Audit: audit, Env: cloudEnv("regional", map[string]string{
		"GATEHOUSE_RATE_LIMIT_PER_IP": "1", // burst 2
	})})
	b := s.Browser()
	call := func(addr string) int {
		b.Headers = map[string]string{"X-Forwarded-For": addr}
		return api(t, b, s, http.MethodGet, "/auth/user", "", nil).Status
	}
	for i := 1; i <= 2; i++ {
		if got := call(fmt.Sprintf("2001:db8:1:2::%x", i)); got != http.StatusUnauthorized {
			t.Fatalf("call %d within the burst: %d", i, got)
		}
	}
	for _, addr := range []string{"2001:db8:1:2::3", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2:8000::1"} {
		if got := call(addr); got != http.StatusTooManyRequests {
			t.Fatalf("%s, in the spent /64: %d, want 429", addr, got)
		}
	}
	if got := call("2001:db8:1:3::1"); got != http.StatusUnauthorized {
		t.Fatalf("the next /64: %d, want its own bucket", got)
	}
}
