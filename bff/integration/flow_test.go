package integration

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
	"github.com/gatehouse/gatehouse/bff/session"
)

// TestLoginToLogout is the acceptance flow, once per store: login → callback
// → /auth/user → proxied /api call with a bearer token and no cookie →
// refresh → logout → 401.
func TestLoginToLogout(t *testing.T) {
	for _, store := range bfftest.Stores {
		t.Run(store, func(t *testing.T) {
			s := bfftest.Start(t, bfftest.Options{Store: store, Audit: audit})
			b := s.Browser()
			ctx := context.Background()

			b.MustLogin(t, "alice", "/todos?filter=open")
			cookie := b.SessionCookie()

			user, err := b.API(http.MethodGet, "/auth/user", "")
			if err != nil || user.Status != http.StatusOK {
				t.Fatalf("/auth/user: %d %s %v", user.Status, user.Body, err)
			}
			var u struct {
				Sub       string            `json:"sub"`
				Claims    map[string]string `json:"claims"`
				Groups    []string          `json:"groups"`
				ExpiresAt string            `json:"expiresAt"`
			}
			if err := user.JSON(&u); err != nil {
				t.Fatal(err)
			}
			if u.Sub != "alice" || u.Claims["email"] != "alice@example.com" || len(u.Groups) != 1 || u.Groups[0] != "staff" || u.ExpiresAt == "" {
				t.Fatalf("/auth/user = %s", user.Body)
			}
			for _, leak := range []string{"access_token", "refresh_token", "id_token", "accessToken", "eyJ"} {
				if strings.Contains(string(user.Body), leak) {
					t.Fatalf("/auth/user leaks %q: %s", leak, user.Body)
				}
			}
			if cc := user.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("/auth/user Cache-Control = %q", cc)
			}

			first := callAPI(t, b, s, "/api/todos/items")
			if !strings.HasPrefix(first.Authorization, "Bearer ") || len(first.Authorization) < 20 {
				t.Fatalf("upstream Authorization = %q", first.Authorization)
			}
			if first.Cookie != "" || first.CSRF != "" {
				t.Fatalf("upstream got browser credentials: cookie %q csrf %q", first.Cookie, first.CSRF)
			}
			if first.Path != "/todos/items" {
				t.Fatalf("upstream path = %q", first.Path)
			}
			if !strings.Contains(first.Authorization, mustTokens(t, s, cookie).AccessToken) {
				t.Fatal("the upstream did not get the session's access token")
			}

			// Refresh: move the BFF's clock to just before expiry.
			before := mustStats(t, s)
			s.Clock.Advance(4*time.Minute + 30*time.Second)
			second := callAPI(t, b, s, "/api/todos/items")
			after := mustStats(t, s)
			if after.Refresh != before.Refresh+1 {
				t.Fatalf("refresh grants: %d → %d, want one", before.Refresh, after.Refresh)
			}
			if second.Authorization == first.Authorization {
				t.Fatal("the upstream still gets the old access token after refresh")
			}
			toks := mustTokens(t, s, cookie)
			s.Audit.Secret("refreshed access token", toks.AccessToken)
			s.Audit.Secret("rotated refresh token", toks.RefreshToken)

			logout, err := b.API(http.MethodPost, "/auth/logout", "")
			if err != nil || logout.Status != http.StatusOK {
				t.Fatalf("logout: %d %s %v", logout.Status, logout.Body, err)
			}
			var lo struct {
				LogoutURL string `json:"logoutUrl"`
			}
			_ = logout.JSON(&lo)
			lu, err := url.Parse(lo.LogoutURL)
			if err != nil || !strings.HasPrefix(lo.LogoutURL, s.IdP.Issuer+"/session/end") ||
				lu.Query().Get("post_logout_redirect_uri") != s.URL+"/" || lu.Query().Get("client_id") == "" || lu.Query().Has("id_token_hint") {
				t.Fatalf("logoutUrl = %q", lo.LogoutURL)
			}
			if b.SessionCookie() != "" {
				t.Fatal("the session cookie survived logout")
			}
			if s.RecordExists(cookie) {
				t.Fatal("the session record survived logout")
			}
			if st := mustStats(t, s); st.Revocations != after.Revocations+1 {
				t.Fatalf("revocations = %d, want the refresh token revoked", st.Revocations)
			}

			b.SetSessionCookie(cookie) // replaying the old cookie must not work either
			for _, path := range []string{"/api/todos/items", "/auth/user"} {
				res, err := b.API(http.MethodGet, path, "")
				if err != nil || res.Status != http.StatusUnauthorized || res.ErrorCode() != "unauthenticated" {
					t.Fatalf("%s after logout: %d %s %v", path, res.Status, res.Body, err)
				}
			}
			_ = ctx
		})
	}
}

func callAPI(t *testing.T, b *bfftest.Browser, s *bfftest.Stack, path string) bfftest.Seen {
	t.Helper()
	res, err := b.API(http.MethodGet, path, "")
	if err != nil || res.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s %v", path, res.Status, res.Body, err)
	}
	seen, ok := s.Upstream.Last()
	if !ok {
		t.Fatal("nothing reached the upstream")
	}
	s.Audit.Secret("bearer seen upstream", strings.TrimPrefix(seen.Authorization, "Bearer "))
	return seen
}

// TestReloginReplacesSession: logging in again from the same browser ends
// the session it had.
func TestReloginReplacesSession(t *testing.T) {
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit})
	b := loggedIn(t, s, "alice")
	first := b.SessionCookie()
	b.MustLogin(t, "alice", "/")
	if second := b.SessionCookie(); second == first || s.RecordExists(first) || !s.RecordExists(second) {
		t.Fatalf("after a second login: old record kept = %v, new cookie differs = %v", s.RecordExists(first), second != first)
	}
}

// TestReplacedDataKeyEndsSessions: an instance that no longer holds the key a
// session was sealed with ends that session (401) instead of failing in a way
// that blames the IdP or keeps the cookie.
func TestReplacedDataKeyEndsSessions(t *testing.T) {
	s := bfftest.Start(t, bfftest.Options{Store: "redis", Audit: audit})
	b := loggedIn(t, s, "alice")
	newKey := make([]byte, session.KeySize)
	if _, err := rand.Read(newKey); err != nil {
		t.Fatal(err)
	}
	s.Audit.SecretBytes("replacement data key", newKey)
	other := s.NewInstanceWith(s.KeyFile(newKey))
	cookie := b.SessionCookie()
	res, err := b.APIWith(other, http.MethodGet, "/api/todos/items", "", nil)
	if err != nil || res.Status != http.StatusUnauthorized || res.ErrorCode() != "unauthenticated" {
		t.Fatalf("with another data key: %d %s %v", res.Status, res.Body, err)
	}
	if s.RecordExists(cookie) || b.SessionCookie() != "" {
		t.Fatalf("the unusable session was kept (record %v, cookie %v)\n%s", s.RecordExists(cookie), b.SessionCookie() != "", lastLines(audit.Logs(), 6))
	}
}
