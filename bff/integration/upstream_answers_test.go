package integration

import (
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// TestAPIMethods: TRACE (which would echo the bearer token back), CONNECT
// and extension methods are refused before a session is loaded, and never
// reach an upstream; the methods an API uses pass.
func TestAPIMethods(t *testing.T) {
	up := startRecorder(t)
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, Env: map[string]string{
		"GATEHOUSE_ROUTES": up.routesJSON(t, map[string]any{"name": "probe"}),
	}})
	b := loggedIn(t, s, "alice")
	for _, m := range []string{"TRACE", "TRACK", "CONNECT", "PROPFIND", "MKCOL", "DEBUG"} {
		before := up.count()
		res := api(t, b, s, m, "/api/probe/items", "", nil)
		if res.Status != http.StatusMethodNotAllowed || res.ErrorCode() != "method_not_allowed" || res.Header.Get("Allow") == "" {
			t.Fatalf("%s: %d %s (Allow %q)", m, res.Status, res.Body, res.Header.Get("Allow"))
		}
		if up.count() != before {
			t.Fatalf("%s reached the upstream", m)
		}
	}
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		if res := api(t, b, s, m, "/api/probe/items", "", nil); res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", m, res.Status, res.Body)
		}
		if got := up.last(t).Method; got != m {
			t.Fatalf("upstream got %s, want %s", got, m)
		}
	}
}

// TestUpstreamRedirectsAndChallenges: an API caller is never redirected (an
// upstream's redirect becomes 502 upstream_redirect, without its Location);
// a Location on any other answer is mapped into the route or dropped; an
// upstream's authentication challenges never reach the browser.
func TestUpstreamRedirectsAndChallenges(t *testing.T) {
	up := startRecorder(t)
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, Env: map[string]string{
		"GATEHOUSE_ROUTES": up.routesJSON(t, map[string]any{"name": "probe"}),
	}})
	b := loggedIn(t, s, "alice")
	for _, tc := range []struct {
		path, code string
		status     int
		location   string
	}{
		{"/api/probe/redirect", "upstream_redirect", http.StatusBadGateway, ""},
		{"/api/probe/moved", "upstream_redirect", http.StatusBadGateway, ""},
		{"/api/probe/created", "", http.StatusCreated, "/api/probe/items/7?v=2"},
		{"/api/probe/challenge", "", http.StatusUnauthorized, ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res := api(t, b, s, http.MethodPost, tc.path, "{}", nil)
			if res.Status != tc.status || res.ErrorCode() != tc.code {
				t.Fatalf("%d %s, want %d %q", res.Status, res.Body, tc.status, tc.code)
			}
			if got := res.Header.Get("Location"); got != tc.location {
				t.Fatalf("Location = %q, want %q", got, tc.location)
			}
			for _, h := range []string{"Content-Location", "WWW-Authenticate", "Proxy-Authenticate"} {
				if v := res.Header.Values(h); len(v) > 0 {
					t.Fatalf("%s reached the browser: %q", h, v)
				}
			}
		})
	}
}
