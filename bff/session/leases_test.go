package session_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
)

func TestRefreshLease(t *testing.T) {
	h := newHarness(t, session.Options{})
	ctx := context.Background()
	a, _ := h.login(t)
	b, _ := h.login(t)
	release, err := h.mgr.RefreshLease(ctx, a, 15*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.mgr.RefreshLease(ctx, a, 15*time.Second); !errors.Is(err, session.ErrLeaseHeld) {
		t.Fatalf("second lease of one session: %v, want ErrLeaseHeld", err)
	}
	if _, err := h.mgr.RefreshLease(ctx, b, 15*time.Second); err != nil {
		t.Fatalf("another session's lease: %v", err)
	}
	if _, err := h.mgr.Reload(ctx, a); err != nil {
		t.Fatalf("the lease touched the session: %v", err)
	}
	if err := release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.mgr.RefreshLease(ctx, a, 15*time.Second); err != nil {
		t.Fatalf("lease after release: %v", err)
	}
	// A holder past its deadline is presumed gone: its lease is free.
	h.clock.Advance(16 * time.Second)
	if _, err := h.mgr.RefreshLease(ctx, a, 15*time.Second); err != nil {
		t.Fatalf("lease after the holder's deadline: %v", err)
	}
}

func TestClaimOnce(t *testing.T) {
	h := newHarness(t, session.Options{})
	ctx := context.Background()
	undo, err := h.mgr.ClaimOnce(ctx, "logout-jti https://idp.example jti-1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.mgr.ClaimOnce(ctx, "logout-jti https://idp.example jti-1", time.Minute); !errors.Is(err, session.ErrClaimed) {
		t.Fatalf("second claim: %v, want ErrClaimed", err)
	}
	if _, err := h.mgr.ClaimOnce(ctx, "logout-jti https://idp.example jti-2", time.Minute); err != nil {
		t.Fatalf("another name: %v", err)
	}
	if err := undo(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.mgr.ClaimOnce(ctx, "logout-jti https://idp.example jti-1", time.Minute); err != nil {
		t.Fatalf("claim after undo: %v", err)
	}
	h.clock.Advance(time.Minute)
	if _, err := h.mgr.ClaimOnce(ctx, "logout-jti https://idp.example jti-1", time.Minute); err != nil {
		t.Fatalf("claim after its ttl: %v", err)
	}
}

func TestEndAndEndReplaced(t *testing.T) {
	h := newHarness(t, session.Options{})
	ctx := context.Background()
	old, oldCookie := h.login(t)
	current, currentCookie := h.login(t)
	cases := []struct {
		name    string
		cookie  *http.Cookie
		current *session.Session
		gone    []*session.Session
		kept    []*session.Session
	}{
		{"no cookie", nil, current, nil, []*session.Session{old, current}},
		{"malformed cookie", &http.Cookie{Name: oldCookie.Name, Value: "x"}, current, nil, []*session.Session{old, current}},
		{"the current session's own cookie", currentCookie, current, nil, []*session.Session{old, current}},
		{"the previous session's cookie", oldCookie, current, []*session.Session{old}, []*session.Session{current}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/auth/callback", nil)
			if tc.cookie != nil {
				r.AddCookie(tc.cookie)
			}
			if err := h.mgr.EndReplaced(ctx, r, tc.current); err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.gone {
				if _, err := h.mgr.Reload(ctx, s); !errors.Is(err, session.ErrNoSession) {
					t.Errorf("replaced session: %v, want ErrNoSession", err)
				}
			}
			for _, s := range tc.kept {
				if _, err := h.mgr.Reload(ctx, s); err != nil {
					t.Errorf("kept session: %v", err)
				}
			}
		})
	}
	if err := h.mgr.End(ctx, current); err != nil {
		t.Fatal(err)
	}
	if _, err := h.mgr.Reload(ctx, current); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("after End: %v, want ErrNoSession", err)
	}
	if err := h.mgr.End(ctx, current); err != nil {
		t.Errorf("ending an ended session: %v", err)
	}
}
