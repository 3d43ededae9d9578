//go:build attack

package integration

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// TestAttackLoginStateReplay: the sealed login state is checked for its
// state, its expiry and its seal, but it is not spent: the callback clears
// the cookie in its answer, and a caller that keeps the cookie can replay
// /auth/callback with the same state and any code for the state's whole
// lifetime (10 minutes). Each replay is a code exchange at the IdP's token
// endpoint with the BFF's own client credentials, so one unauthenticated
// GET /auth/login buys an unbounded number of token requests (bounded only
// by the per-address rate limit): the client's token-endpoint quota, which
// every signed-in user's refresh shares (Cognito throttles per app client),
// is spent by anyone, and a WAF in front of the IdP sees the BFF's client
// failing code after code. OAuth 2.0 Security BCP (RFC 9700 §2.1, §4.7)
// asks for one-time state. A login state must reach the token endpoint
// once.
func TestAttackLoginStateReplay(t *testing.T) {
	gate := startIdPGate(t)
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, Deps: gate.use})
	attacker := s.Browser()
	start, err := attacker.Do(http.MethodGet, s.URL+"/auth/login", nil, map[string]string{"Accept": "text/html"})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := url.Parse(start.Header.Get("Location"))
	if err != nil || start.Status != http.StatusFound {
		t.Fatalf("/auth/login: %d %q", start.Status, start.Header.Get("Location"))
	}
	state := loc.Query().Get("state")
	var loginCookie *http.Cookie
	for _, c := range (&http.Response{Header: start.Header}).Cookies() {
		if strings.HasSuffix(c.Name, "gh_login") {
			loginCookie = c
		}
	}
	if state == "" || loginCookie == nil {
		t.Fatalf("no state or login cookie: %q %v", state, start.Header)
	}
	base, _ := url.Parse(s.URL)
	before := gate.count("/token")
	const replays = 10
	for i := 0; i < replays; i++ {
		// The callback's answer expires the cookie; the attacker sets it again.
		attacker.Client.Jar.SetCookies(base, []*http.Cookie{{Name: loginCookie.Name, Value: loginCookie.Value, Path: "/", Secure: true}})
		res, err := attacker.Do(http.MethodGet, s.URL+"/auth/callback?code=guess-"+randomHex(t)+"&state="+url.QueryEscape(state), nil,
			map[string]string{"Accept": "application/json"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status < 400 {
			t.Fatalf("replay %d: %d %s", i, res.Status, res.Body)
		}
	}
	if n := gate.count("/token") - before; n > 1 {
		t.Errorf("one login state reached the token endpoint %d times in %d callbacks, want at most once", n, replays)
	}
}
