package reliability

import (
	"context"
	"testing"
	"time"
)

// TestShortLoad: 8 users sign in to the real BFF process (redis store, real
// oidc-provider) and make 20 proxied calls each across two access-token
// expiries. No session is lost, the BFF answers no 5xx of its own, and each
// session refreshes exactly once per expiry, counted at the IdP.
func TestShortLoad(t *testing.T) {
	const users, calls, rounds = 8, 20, 2
	ttl := RefreshSkew + 6*time.Second // tokens come due 6s after issue
	h := start(t, Options{Users: users, AccessTokenTTL: ttl})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // safety net only
	defer cancel()
	f, err := RunLoad(ctx, h, LoadOptions{Users: users, CallsPerUser: calls, Rounds: rounds, AccessTokenTTL: ttl, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(f)
	if f.Requests != users*calls {
		t.Fatalf("%d requests made, want %d", f.Requests, users*calls)
	}
	for _, p := range f.Problems() {
		t.Error(p)
	}
}
