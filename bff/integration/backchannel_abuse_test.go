package integration

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// postLogoutToken delivers a logout token to an instance the way an IdP does.
func postLogoutToken(t *testing.T, s *bfftest.Stack, base, token string) bfftest.Result {
	t.Helper()
	res, err := s.Browser().Do(http.MethodPost, base+"/auth/backchannel-logout", strings.NewReader(url.Values{"logout_token": {token}}.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// logoutClaims are the claims of a valid logout token for sub, dated by the BFF's clock.
func logoutClaims(s *bfftest.Stack, sub string) map[string]any {
	now := s.Clock.Now()
	return map[string]any{
		"iss": s.IdP.Issuer, "aud": s.IdP.ClientID, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
		"jti": "jti-" + base64.RawURLEncoding.EncodeToString(randomBytes(12)), "sub": sub,
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// forge builds a JWT an attacker can: any header and claims, and a
// signature of random bytes.
func forge(header, claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString(randomBytes(256))
}

func with(claims map[string]any, changes map[string]any, drop ...string) map[string]any {
	c := map[string]any{}
	for k, v := range claims {
		c[k] = v
	}
	for k, v := range changes {
		c[k] = v
	}
	for _, k := range drop {
		delete(c, k)
	}
	return c
}

// TestBackchannelLogoutAmplification: anyone can post to the back-channel
// endpoint. A token that cannot be the IdP's (wrong issuer, audience or
// event, a bad key id) must cost no fetch of the IdP's keys, and forged
// tokens that look right must cost at most one fetch a minute, whatever
// their key ids; the real IdP's token still works afterwards.
func TestBackchannelLogoutAmplification(t *testing.T) {
	gate := startIdPGate(t)
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, Deps: gate.use})
	victim := loggedIn(t, s, "alice")
	fetches := func() int { return gate.count("/jwks") }
	if fetches() != 1 {
		t.Fatalf("%d key fetches for one login, want 1", fetches())
	}
	lookingRight := func() string {
		return forge(map[string]any{"alg": "RS256", "typ": "logout+jwt", "kid": base64.RawURLEncoding.EncodeToString(randomBytes(9))}, logoutClaims(s, "alice"))
	}
	for i := range 200 {
		if res := postLogoutToken(t, s, s.URL, lookingRight()); res.Status != http.StatusBadRequest {
			t.Fatalf("forged token %d: %d %s", i, res.Status, res.Body)
		}
	}
	if got := fetches(); got > 2 {
		t.Fatalf("200 forged logout tokens caused %d key fetches, want at most 1", got-1)
	}

	// A minute later a fetch would be allowed again: none of these may cause it.
	s.Clock.Advance(61 * time.Second)
	before := fetches()
	header := map[string]any{"alg": "RS256", "typ": "logout+jwt", "kid": "unknown-key"}
	valid := logoutClaims(s, "alice")
	wrong := []struct {
		name   string
		header map[string]any
		claims map[string]any
	}{
		{"wrong issuer", header, with(valid, map[string]any{"iss": "https://evil.example"})},
		{"wrong audience", header, with(valid, map[string]any{"aud": "another-client"})},
		{"audience list without us", header, with(valid, map[string]any{"aud": []string{"a", "b"}})},
		{"no logout event", header, with(valid, nil, "events")},
		{"an ID token (nonce)", header, with(valid, map[string]any{"nonce": "n"})},
		{"no jti", header, with(valid, nil, "jti")},
		{"a jti of 300 characters", header, with(valid, map[string]any{"jti": strings.Repeat("j", 300)})},
		{"neither sid nor sub", header, with(valid, nil, "sub")},
		{"iat an hour ago", header, with(valid, map[string]any{"iat": s.Clock.Now().Add(-time.Hour).Unix()})},
		{"iat tomorrow", header, with(valid, map[string]any{"iat": s.Clock.Now().Add(24 * time.Hour).Unix()})},
		{"iat as a string", header, with(valid, map[string]any{"iat": "now"})},
		{"iat beyond any clock", header, with(valid, map[string]any{"iat": 1e300})},
		{"expired", header, with(valid, map[string]any{"exp": s.Clock.Now().Add(-time.Second).Unix()})},
		{"no exp", header, with(valid, nil, "exp")},
		{"an access token's typ", map[string]any{"alg": "RS256", "typ": "at+jwt", "kid": "k"}, valid},
		{"a key id of 4 KB", map[string]any{"alg": "RS256", "kid": strings.Repeat("k", 4096)}, valid},
		{"a key id with a newline", map[string]any{"alg": "RS256", "kid": "k\n{\"level\":\"ERROR\"}"}, valid},
		{"alg none", map[string]any{"alg": "none", "kid": "k"}, valid},
		{"alg HS256 (the client secret as a MAC key)", map[string]any{"alg": "HS256", "kid": "k"}, valid},
	}
	for _, tc := range wrong {
		res := postLogoutToken(t, s, s.URL, forge(tc.header, tc.claims))
		if res.Status != http.StatusBadRequest || res.ErrorCode() != "invalid_request" {
			t.Fatalf("%s: %d %s, want 400 invalid_request", tc.name, res.Status, res.Body)
		}
	}
	for _, raw := range []string{"", "not-a-token", "a.b", "a.b.c.d.e", strings.Repeat("A", 15000)} {
		if res := postLogoutToken(t, s, s.URL, raw); res.Status != http.StatusBadRequest {
			t.Fatalf("%.20q: %d", raw, res.Status)
		}
	}
	if got := fetches(); got != before {
		t.Fatalf("tokens that fail the checks made before any key lookup caused %d key fetches", got-before)
	}
	for range 50 {
		postLogoutToken(t, s, s.URL, lookingRight())
	}
	if got := fetches(); got > before+1 {
		t.Fatalf("a minute later, 50 forged tokens caused %d key fetches, want at most 1", got-before)
	}
	if res := api(t, victim, s, http.MethodGet, "/auth/user", "", nil); res.Status != http.StatusOK {
		t.Fatalf("a forged token ended the session: /auth/user %d", res.Status)
	}

	real, err := s.IdP.SignJWT(context.Background(), map[string]any{"typ": "logout+jwt"}, logoutClaims(s, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	if res := postLogoutToken(t, s, s.URL, real); res.Status != http.StatusOK {
		t.Fatalf("the IdP's own logout token: %d %s", res.Status, res.Body)
	}
	if res := api(t, victim, s, http.MethodGet, "/auth/user", "", nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("after the IdP's logout token: /auth/user %d, want 401", res.Status)
	}
}

// TestBackchannelLogoutReplay: a logout token is used once, on whichever
// instance it reaches first. Replayed later (captured, or resent by an
// attacker), a token naming only the user must not end the user's new
// sessions.
func TestBackchannelLogoutReplay(t *testing.T) {
	for _, store := range bfftest.Stores {
		t.Run(store, func(t *testing.T) {
			s := bfftest.Start(t, bfftest.Options{Store: store, Audit: audit})
			second := s.NewInstance()
			first := loggedIn(t, s, "alice")
			token, err := s.IdP.SignJWT(context.Background(), map[string]any{"typ": "logout+jwt"}, logoutClaims(s, "alice"))
			if err != nil {
				t.Fatal(err)
			}
			if res := postLogoutToken(t, s, s.URL, token); res.Status != http.StatusOK {
				t.Fatalf("first delivery: %d %s", res.Status, res.Body)
			}
			if res := api(t, first, s, http.MethodGet, "/auth/user", "", nil); res.Status != http.StatusUnauthorized {
				t.Fatalf("the logged-out session: /auth/user %d", res.Status)
			}
			again := loggedIn(t, s, "alice")
			for _, base := range []string{second, s.URL} {
				res := postLogoutToken(t, s, base, token)
				if res.Status != http.StatusBadRequest || res.ErrorCode() != "invalid_request" {
					t.Fatalf("replay to %s: %d %s, want 400 invalid_request", base, res.Status, res.Body)
				}
			}
			if res := api(t, again, s, http.MethodGet, "/auth/user", "", nil); res.Status != http.StatusOK {
				t.Fatalf("a replayed logout token ended the new session: /auth/user %d", res.Status)
			}
		})
	}
}
