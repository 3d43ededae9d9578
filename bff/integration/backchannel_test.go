package integration

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// TestBackchannelLogout: signing out at the IdP makes it post a logout token
// to the BFF, which ends exactly the sessions of that IdP session.
func TestBackchannelLogout(t *testing.T) {
	for _, store := range bfftest.Stores {
		t.Run(store, func(t *testing.T) {
			s := bfftest.Start(t, bfftest.Options{Store: store, Audit: audit})
			leaving, staying := loggedIn(t, s, "alice"), loggedIn(t, s, "alice")
			before := mustStats(t, s)
			if err := leaving.IdPLogout(); err != nil {
				t.Fatal(err)
			}
			after := mustStats(t, s)
			if after.BackchannelSuccess != before.BackchannelSuccess+1 || after.BackchannelErrors != before.BackchannelErrors {
				t.Fatalf("back-channel deliveries: %+v → %+v", before, after)
			}
			if res := api(t, leaving, s, "GET", "/auth/user", "", nil); res.Status != http.StatusUnauthorized {
				t.Fatalf("signed-out session: /auth/user = %d", res.Status)
			}
			if res := api(t, staying, s, "GET", "/auth/user", "", nil); res.Status != http.StatusOK {
				t.Fatalf("other IdP session: /auth/user = %d, want it untouched", res.Status)
			}
		})
	}
}

// TestBackchannelLogoutTokens checks the logout token rules with tokens the
// real IdP signs on request.
func TestBackchannelLogoutTokens(t *testing.T) {
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit})
	ctx := context.Background()
	valid := func() map[string]any {
		return map[string]any{
			"iss": s.IdP.Issuer, "aud": s.IdP.ClientID, "iat": time.Now().Unix(), "exp": time.Now().Add(2 * time.Minute).Unix(),
			"jti": "jti-" + time.Now().Format("150405.000000000"), "sub": "alice",
			"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
		}
	}
	with := func(changes map[string]any, drop ...string) map[string]any {
		c := valid()
		for k, v := range changes {
			c[k] = v
		}
		for _, k := range drop {
			delete(c, k)
		}
		return c
	}
	cases := []struct {
		name   string
		claims map[string]any
		alg    string
		raw    string
		status int
	}{
		{name: "wrong issuer", claims: with(map[string]any{"iss": "https://evil.example"}), status: 400},
		{name: "wrong audience", claims: with(map[string]any{"aud": "another-client"}), status: 400},
		{name: "no logout event", claims: with(nil, "events"), status: 400},
		{name: "nonce present", claims: with(map[string]any{"nonce": "n"}), status: 400},
		{name: "neither sid nor sub", claims: with(nil, "sub"), status: 400},
		{name: "stale iat", claims: with(map[string]any{"iat": time.Now().Add(-time.Hour).Unix()}), status: 400},
		{name: "unsigned", claims: valid(), alg: "none", status: 400},
		{name: "not a JWT", raw: "not-a-token", status: 400},
		{name: "empty", raw: "", status: 400},
		{name: "valid, by subject", claims: valid(), status: 200},
	}
	victim := loggedIn(t, s, "alice")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			token := tc.raw
			if tc.claims != nil {
				var err error
				if token, err = s.IdP.SignJWT(ctx, map[string]any{"typ": "logout+jwt", "alg": orDefault(tc.alg, "RS256")}, tc.claims); err != nil {
					t.Fatal(err)
				}
			}
			res, err := s.Browser().Do(http.MethodPost, s.URL+"/auth/backchannel-logout", strings.NewReader(url.Values{"logout_token": {token}}.Encode()),
				map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.status {
				t.Fatalf("status = %d %s, want %d", res.Status, res.Body, tc.status)
			}
			if tc.status == 400 && res.ErrorCode() != "invalid_request" {
				t.Fatalf("error = %s", res.Body)
			}
			alive := api(t, victim, s, "GET", "/auth/user", "", nil).Status == http.StatusOK
			if alive != (tc.status != 200) {
				t.Fatalf("session alive = %v after %s", alive, tc.name)
			}
		})
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
