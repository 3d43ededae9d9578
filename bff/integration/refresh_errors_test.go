package integration

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// accessTokenTTL is short so each case can let its token expire without
// moving the shared clock past the IdP's hour-long ID tokens.
const accessTokenTTL = 70 * time.Second

// TestRefreshErrorsKeepTheSession: only invalid_grant, in the 400 or 401
// answer RFC 6749 §5.2 gives it, says the grant is gone. Every other
// answer from the token endpoint, which is what an overloaded IdP, a WAF in
// front of it, a rotated client secret or a misbehaving IdP sends, is the
// IdP being unavailable: 502 idp_unavailable, and the session survives to
// refresh once the IdP answers properly.
func TestRefreshErrorsKeepTheSession(t *testing.T) {
	gate := startIdPGate(t)
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, AccessTokenTTL: accessTokenTTL, Deps: gate.use})
	json := map[string]string{"Content-Type": "application/json"}
	cases := []struct {
		name   string
		answer gateAnswer
		ends   bool
	}{
		{"throttled, no body", gateAnswer{Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": "30"}}, false},
		{"WAF block page", gateAnswer{Status: http.StatusForbidden, Header: map[string]string{"Content-Type": "text/html"}, Body: "<html><h1>Request blocked</h1></html>"}, false},
		{"client secret rotated (401 invalid_client)", oauthError(http.StatusUnauthorized, "invalid_client"), false},
		{"client secret rotated (400 invalid_client)", oauthError(http.StatusBadRequest, "invalid_client"), false},
		{"invalid_request", oauthError(http.StatusBadRequest, "invalid_request"), false},
		{"unauthorized_client", oauthError(http.StatusBadRequest, "unauthorized_client"), false},
		{"invalid_scope", oauthError(http.StatusBadRequest, "invalid_scope"), false},
		{"invalid_grant in another case", oauthError(http.StatusBadRequest, "INVALID_GRANT"), false},
		{"invalid_grant from a WAF's 403", oauthError(http.StatusForbidden, "invalid_grant"), false},
		{"invalid_grant in a 429", oauthError(http.StatusTooManyRequests, "invalid_grant"), false},
		{"invalid_grant in a 200", gateAnswer{Status: http.StatusOK, Header: json, Body: `{"error":"invalid_grant"}`}, false},
		{"server error", oauthError(http.StatusInternalServerError, "server_error"), false},
		{"gateway timeout, HTML", gateAnswer{Status: http.StatusGatewayTimeout, Header: map[string]string{"Content-Type": "text/html"}, Body: "<html>timeout</html>"}, false},
		{"200 that is not JSON", gateAnswer{Status: http.StatusOK, Header: json, Body: "<html>captive portal</html>"}, false},
		{"200 without an access token", gateAnswer{Status: http.StatusOK, Header: json, Body: `{"token_type":"Bearer","expires_in":300}`}, false},
		{"error text that tries to forge a log line", gateAnswer{Status: http.StatusBadRequest, Header: json, Body: `{"error":"x\n{\"level\":\"INFO\",\"msg\":\"login\"}","error_description":"\u001b[2J"}`}, false},
		{"invalid_grant", oauthError(http.StatusBadRequest, "invalid_grant"), true},
		{"invalid_grant in a 401", oauthError(http.StatusUnauthorized, "invalid_grant"), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := loggedIn(t, s, "alice")
			before := mustStats(t, s)
			var refused atomic.Int32
			gate.setOnToken(func(r *tokenRequest) *gateAnswer {
				if !r.Refresh() {
					return nil
				}
				refused.Add(1)
				a := tc.answer
				return &a
			})
			// Past expiry: the current token cannot stand in.
			s.Clock.Advance(accessTokenTTL + time.Second)
			res := api(t, b, s, http.MethodGet, "/api/todos/items", "", nil)
			gate.setOnToken(nil)
			user := api(t, b, s, http.MethodGet, "/auth/user", "", nil)
			if tc.ends {
				if res.Status != http.StatusUnauthorized || res.ErrorCode() != "unauthenticated" || user.Status != http.StatusUnauthorized {
					t.Fatalf("API %d %s, then /auth/user %d; want 401 unauthenticated and the session ended", res.Status, res.Body, user.Status)
				}
				return
			}
			if res.Status != http.StatusBadGateway || res.ErrorCode() != "idp_unavailable" {
				t.Fatalf("API answered %d %s, want 502 idp_unavailable", res.Status, res.Body)
			}
			if user.Status != http.StatusOK {
				t.Fatalf("/auth/user after the failed refresh: %d, want the session kept", user.Status)
			}
			if refused.Load() == 0 {
				t.Fatal("the refresh never reached the gate")
			}
			// The refresh token was not spent: with the IdP back, the same session refreshes.
			if res := api(t, b, s, http.MethodGet, "/api/todos/items", "", nil); res.Status != http.StatusOK {
				t.Fatalf("API once the IdP answers again: %d %s", res.Status, res.Body)
			}
			after := mustStats(t, s)
			if after.Refresh != before.Refresh+1 || after.RefreshErrors != before.RefreshErrors {
				t.Fatalf("IdP saw %d refreshes and %d refused, want 1 and 0", after.Refresh-before.Refresh, after.RefreshErrors-before.RefreshErrors)
			}
			registerTokens(t, s, b)
		})
	}
}
