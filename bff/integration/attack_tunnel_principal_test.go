//go:build attack

package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// TestAttackTunnelOutlivesGroupRemoval: a WebSocket tunnel on a route that
// requires a group is bound to the session's lifetime only. When the user
// is removed from the group, the next refresh renews the principal and
// every HTTP call to the route gets 403, but the tunnel opened before stays
// open and keeps carrying traffic to the upstream until the session ends
// (up to the absolute timeout). The tunnel's periodic re-check must also
// re-apply the route's groups and scopes to the session's current principal.
func TestAttackTunnelOutlivesGroupRemoval(t *testing.T) {
	up := startRecorder(t)
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, AccessTokenTTL: accessTokenTTL, TunnelRecheck: 100 * time.Millisecond,
		Env: map[string]string{
			"GATEHOUSE_ROUTES":                   up.routesJSON(t, map[string]any{"name": "live", "websocket": true, "groups": []string{"staff"}}),
			"GATEHOUSE_SESSION_IDLE_TIMEOUT":     "15m",
			"GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT": "1h",
		}})
	b := loggedIn(t, s, "alice")
	tun := openTunnel(t, s, b)

	// The IdP removes alice from staff; the next call refreshes and sees it.
	s.Clock.Advance(accessTokenTTL + time.Second)
	if err := s.IdP.TamperNextIDToken(context.Background(), map[string]any{"groups": []string{}}, ""); err != nil {
		t.Fatal(err)
	}
	if res := api(t, b, s, http.MethodGet, "/api/live/items", "", nil); res.Status != http.StatusForbidden {
		t.Fatalf("HTTP call after the group removal: %d %s, want 403", res.Status, res.Body)
	}
	if u := mustUser(t, b, s); len(u.Groups) != 0 {
		t.Fatalf("groups after the refresh: %v", u.Groups)
	}
	time.Sleep(500 * time.Millisecond) // several tunnel re-checks

	closed := make(chan bool, 1)
	go func() { closed <- tunnelClosed(tun.r) }()
	if _, err := tun.conn.Write([]byte("after removal\n")); err != nil {
		return // closed: the expected outcome
	}
	select {
	case ok := <-closed:
		if !ok {
			t.Fatal("the tunnel to a staff-only route still carries traffic after the user left staff (the upstream echoed)")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the tunnel to a staff-only route is still open after the user left staff")
	}
}
