package integration

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

type userInfo struct {
	Sub    string            `json:"sub"`
	Claims map[string]string `json:"claims"`
	Groups []string          `json:"groups"`
}

func mustUser(t *testing.T, b *bfftest.Browser, s *bfftest.Stack) userInfo {
	t.Helper()
	res := api(t, b, s, http.MethodGet, "/auth/user", "", nil)
	var u userInfo
	if res.Status != http.StatusOK || res.JSON(&u) != nil {
		t.Fatalf("/auth/user: %d %s", res.Status, res.Body)
	}
	return u
}

// TestRefreshRenewsThePrincipal: groups, scopes and display claims follow
// the IdP at every refresh, so a user removed from a group loses the
// routes it guards at the next refresh, in the request that refreshes,
// not at the absolute timeout. The refreshed ID token is checked as the
// login's was; one that fails, or names another user, ends the session,
// whatever else the answer holds. These are the answers a misbehaving IdP,
// or anyone able to alter its answers, would send.
func TestRefreshRenewsThePrincipal(t *testing.T) {
	gate := startIdPGate(t)
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, AccessTokenTTL: accessTokenTTL, Deps: gate.use})
	ctx := context.Background()
	type outcome struct {
		ends   bool
		staff  int // status of the staff-only route after the refresh
		groups []string
		claims map[string]string
	}
	kept := map[string]string{"email": "alice@example.com", "name": "Alice Example", "preferred_username": "alice", "scope": "openid email profile"}
	cases := []struct {
		name    string
		tamper  map[string]any // claims the IdP puts in the refreshed ID token
		alg     string
		rewrite func(map[string]any)
		want    outcome
	}{
		{name: "nothing changed", want: outcome{staff: 200, groups: []string{"staff"}, claims: kept}},
		{name: "removed from the staff group", tamper: map[string]any{"groups": []string{}}, want: outcome{staff: 403, groups: []string{}, claims: kept}},
		{name: "groups claim gone", tamper: map[string]any{"groups": nil}, want: outcome{staff: 403, groups: []string{}, claims: kept}},
		{name: "renamed, new address, narrower scope", tamper: map[string]any{"name": "Alice Renamed", "email": "alice@new.example"},
			rewrite: func(m map[string]any) { m["scope"] = "openid" },
			want:    outcome{staff: 200, groups: []string{"staff"}, claims: map[string]string{"email": "alice@new.example", "name": "Alice Renamed", "preferred_username": "alice", "scope": "openid"}}},
		{name: "no ID token in the answer: groups stay, scope follows", rewrite: func(m map[string]any) { delete(m, "id_token"); m["scope"] = "openid email" },
			want: outcome{staff: 200, groups: []string{"staff"}, claims: map[string]string{"email": "alice@example.com", "name": "Alice Example", "preferred_username": "alice", "scope": "openid email"}}},
		{name: "no scope in the answer: the scope stays", rewrite: func(m map[string]any) { delete(m, "scope") }, want: outcome{staff: 200, groups: []string{"staff"}, claims: kept}},
		{name: "unsigned (alg none)", tamper: map[string]any{"groups": []string{"staff", "admins"}}, alg: "none", want: outcome{ends: true}},
		{name: "another user (sub changed)", tamper: map[string]any{"sub": "bob"}, want: outcome{ends: true}},
		{name: "for another client (aud)", tamper: map[string]any{"aud": "another-client"}, want: outcome{ends: true}},
		{name: "from another issuer", tamper: map[string]any{"iss": "https://evil.example"}, want: outcome{ends: true}},
		{name: "expired", tamper: map[string]any{"exp": "EXPIRED"}, want: outcome{ends: true}},
		{name: "at_hash of another access token", tamper: map[string]any{"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}, want: outcome{ends: true}},
		{name: "signature forged", rewrite: func(m map[string]any) {
			parts := strings.Split(m["id_token"].(string), ".")
			m["id_token"] = parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
		}, want: outcome{ends: true}},
		{name: "not a JWT", rewrite: func(m map[string]any) { m["id_token"] = "not-a-jwt" }, want: outcome{ends: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := loggedIn(t, s, "alice")
			if res := api(t, b, s, http.MethodGet, "/api/staff/reports", "", nil); res.Status != http.StatusOK {
				t.Fatalf("staff route before the refresh: %d", res.Status)
			}
			s.Clock.Advance(accessTokenTTL + time.Second)
			if tc.tamper != nil {
				claims := map[string]any{}
				for k, v := range tc.tamper {
					claims[k] = v
					if v == "EXPIRED" {
						claims[k] = s.Clock.Now().Add(-time.Minute).Unix()
					}
				}
				if err := s.IdP.TamperNextIDToken(ctx, claims, tc.alg); err != nil {
					t.Fatal(err)
				}
			}
			if tc.rewrite != nil {
				gate.setRewrite(func(r *tokenRequest, m map[string]any) {
					if r.Refresh() {
						tc.rewrite(m)
					}
				})
				defer gate.setRewrite(nil)
			}
			res := api(t, b, s, http.MethodGet, "/api/staff/reports", "", nil)
			if tc.want.ends {
				user := api(t, b, s, http.MethodGet, "/auth/user", "", nil)
				if res.Status != http.StatusUnauthorized || user.Status != http.StatusUnauthorized {
					t.Fatalf("after the refresh: API %d %s, /auth/user %d; want both 401, the session ended", res.Status, res.Body, user.Status)
				}
				return
			}
			if res.Status != tc.want.staff {
				t.Fatalf("staff route in the refreshing request: %d %s, want %d", res.Status, res.Body, tc.want.staff)
			}
			u := mustUser(t, b, s)
			if !slices.Equal(u.Groups, tc.want.groups) || !mapsEqual(u.Claims, tc.want.claims) {
				t.Fatalf("/auth/user groups %v claims %v, want %v %v", u.Groups, u.Claims, tc.want.groups, tc.want.claims)
			}
			if res := api(t, b, s, http.MethodGet, "/api/todos/items", "", nil); res.Status != http.StatusOK {
				t.Fatalf("the renewed session: %d", res.Status)
			}
			registerTokens(t, s, b)
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
