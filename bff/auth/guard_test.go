package auth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/bff/session/memory"
)

type guardHarness struct {
	now   time.Time
	store *memory.Store
	mgr   *session.Manager
	h     *Handler
}

func newGuardHarness(t *testing.T) *guardHarness {
	t.Helper()
	g := &guardHarness{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	clock := func() time.Time { return g.now }
	store, err := memory.New(memory.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	sealer, err := session.NewSealer(session.PurposeSessionTokens, bytes.Repeat([]byte{1}, session.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	loginSealer, err := session.NewSealer(session.PurposeLoginState, bytes.Repeat([]byte{1}, session.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	g.store = store
	g.mgr, err = session.NewManager(store, sealer, session.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{
		Sessions: g.mgr, Sealer: loginSealer, Now: clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		// Refresh is never reached here except through a failing secret,
		// which FreshTokens answers with the current token while it lasts.
		ClientSecret: SecretFunc(func(context.Context) (string, error) { return "", errors.New("secret store down") }),
	}
	opts.Defaults()
	g.h = &Handler{opts: opts}
	return g
}

// signIn creates a session whose access token expires after ttl and returns
// it with the cookie the browser would send.
func (g *guardHarness) signIn(t *testing.T, ttl time.Duration) (*session.Session, *http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	s, err := g.mgr.Create(context.Background(), rec, session.NewSession{
		Subject: "user-1", Claims: map[string]string{"email": "a@example.gov", "scope": "openid todos:read"}, Groups: []string{"staff", "admins"},
		Tokens: session.Tokens{AccessToken: "access-1", RefreshToken: "refresh-1", IDToken: "id-1", Expiry: g.now.Add(ttl)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, rec.Result().Cookies()[0]
}

// seen is what a guarded handler found in its request context.
type seen struct {
	called       bool
	sessionKey   string
	hasSession   bool
	principal    Principal
	hasPrincipal bool
}

func capture(got *seen) http.Handler {
	return http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got.called = true
		if s, ok := SessionFrom(r.Context()); ok {
			got.sessionKey, got.hasSession = s.Key(), true
		}
		got.principal, got.hasPrincipal = PrincipalFrom(r.Context())
	})
}

func TestGuardsStoreSessionAndPrincipal(t *testing.T) {
	g := newGuardHarness(t)
	live, liveCookie := g.signIn(t, time.Hour)
	// Within the refresh skew: the refresh fails (no secret), the token still works.
	expiring, expiringCookie := g.signIn(t, 30*time.Second)
	retired, retiredCookie := g.signIn(t, time.Hour)
	rotated, err := session.NewSealer(session.PurposeSessionTokens, bytes.Repeat([]byte{2}, session.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	retiredMgr, err := session.NewManager(g.store, rotated, session.Options{Clock: func() time.Time { return g.now }})
	if err != nil {
		t.Fatal(err)
	}
	principal := Principal{Subject: "user-1", Groups: []string{"staff", "admins"}, Scopes: []string{"openid", "todos:read"}, AccessToken: "access-1"}

	cases := []struct {
		name        string
		guard       func(*Handler, http.Handler) http.Handler
		mgr         *session.Manager
		cookie      *http.Cookie
		wantStatus  int
		want        seen
		wantDeleted string // a session key the guard must have ended
	}{
		{
			name: "RequireAccessToken", guard: (*Handler).RequireAccessToken, cookie: liveCookie, wantStatus: http.StatusOK,
			want: seen{called: true, sessionKey: live.Key(), hasSession: true, principal: principal, hasPrincipal: true},
		},
		{
			name: "RequireAccessToken, refresh due but postponed", guard: (*Handler).RequireAccessToken, cookie: expiringCookie, wantStatus: http.StatusOK,
			want: seen{called: true, sessionKey: expiring.Key(), hasSession: true, principal: principal, hasPrincipal: true},
		},
		{
			name: "RequireSession", guard: (*Handler).RequireSession, cookie: liveCookie, wantStatus: http.StatusOK,
			want: seen{called: true, sessionKey: live.Key(), hasSession: true},
		},
		{
			name: "unguarded", guard: func(_ *Handler, next http.Handler) http.Handler { return next }, cookie: liveCookie, wantStatus: http.StatusOK,
			want: seen{called: true},
		},
		{name: "RequireAccessToken without a cookie", guard: (*Handler).RequireAccessToken, wantStatus: http.StatusUnauthorized},
		{name: "RequireSession without a cookie", guard: (*Handler).RequireSession, wantStatus: http.StatusUnauthorized},
		{
			name: "RequireAccessToken, tokens under a retired key", guard: (*Handler).RequireAccessToken, mgr: retiredMgr, cookie: retiredCookie,
			wantStatus: http.StatusUnauthorized, wantDeleted: retired.Key(),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := g.h
			if tc.mgr != nil {
				opts := h.opts
				opts.Sessions = tc.mgr
				h = &Handler{opts: opts}
			}
			var got seen
			r := httptest.NewRequest(http.MethodGet, "/api/todos", nil)
			if tc.cookie != nil {
				r.AddCookie(tc.cookie)
			}
			w := httptest.NewRecorder()
			tc.guard(h, capture(&got)).ServeHTTP(w, r)
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.wantStatus, w.Body)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("handler saw %+v\nwant %+v", got, tc.want)
			}
			if tc.wantDeleted != "" {
				if _, err := g.store.Get(context.Background(), tc.wantDeleted); !errors.Is(err, session.ErrNotFound) {
					t.Fatalf("session still stored after the guard refused it: %v", err)
				}
			}
		})
	}
}

// TestPrincipalDoesNotShareSessionMemory: the principal's groups are the
// handler's own, so changing them cannot change the session.
func TestPrincipalDoesNotShareSessionMemory(t *testing.T) {
	g := newGuardHarness(t)
	_, c := g.signIn(t, time.Hour)
	r := httptest.NewRequest(http.MethodGet, "/api/todos", nil)
	r.AddCookie(c)
	var groups []string
	g.h.RequireAccessToken(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		p.Groups[0] = "changed"
		s, _ := SessionFrom(r.Context())
		groups = s.Groups()
	})).ServeHTTP(httptest.NewRecorder(), r)
	if !reflect.DeepEqual(groups, []string{"staff", "admins"}) {
		t.Fatalf("session groups = %v after changing the principal's", groups)
	}
}
