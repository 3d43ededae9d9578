package integration

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
	"github.com/gatehouse/gatehouse/internal/devservers"
)

// negativeCase is one refusal: how to provoke it, and the status and JSON
// error code the BFF must answer with.
type negativeCase struct {
	name     string
	run      func(t *testing.T, s *bfftest.Stack) bfftest.Result
	status   int
	code     string
	after    func(t *testing.T, s *bfftest.Stack) // optional follow-up check
	onlyWith []string                             // stores the case applies to; empty = all
}

// TestNegative runs the refusal table against each store.
func TestNegative(t *testing.T) {
	for _, store := range bfftest.Stores {
		t.Run(store, func(t *testing.T) {
			// The timeout cases move the BFF's clock 77 minutes ahead of the IdP's,
			// and the BFF checks ID token expiry by its own clock.
			s := bfftest.Start(t, bfftest.Options{Store: store, Audit: audit, IDTokenTTL: 2 * time.Hour, Env: map[string]string{
				"GATEHOUSE_SESSION_IDLE_TIMEOUT":     "15m",
				"GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT": "1h",
			}})
			for _, tc := range negativeCases() {
				if len(tc.onlyWith) > 0 && !contains(tc.onlyWith, store) {
					continue
				}
				t.Run(tc.name, func(t *testing.T) {
					res := tc.run(t, s)
					if res.Status != tc.status || res.ErrorCode() != tc.code {
						t.Fatalf("got %d %s, want %d {\"error\":%q}", res.Status, res.Body, tc.status, tc.code)
					}
					if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
						t.Fatalf("Content-Type = %q, want JSON", ct)
					}
					if tc.after != nil {
						tc.after(t, s)
					}
				})
			}
		})
	}
}

func negativeCases() []negativeCase {
	return []negativeCase{
		{name: "callback without state", status: 400, code: "invalid_state", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			return get(t, jsonBrowser(s), s.URL+"/auth/callback?code=abc")
		}},
		{name: "callback with forged state", status: 400, code: "invalid_state", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			b := jsonBrowser(s)
			start := get(t, b, s.URL+"/auth/login?returnTo=/")
			if start.Status != http.StatusFound {
				t.Fatalf("login start: %d", start.Status)
			}
			return get(t, b, s.URL+"/auth/callback?code=abc&state=forged-state-value")
		}},
		tamperCase("ID token with a wrong nonce", 401, "invalid_nonce", map[string]any{"nonce": "not-the-login-nonce"}, ""),
		tamperCase("ID token from another issuer", 401, "invalid_token", map[string]any{"iss": "https://evil.example"}, ""),
		tamperCase("ID token for another audience", 401, "invalid_token", map[string]any{"aud": "another-client"}, ""),
		tamperCase("expired ID token", 401, "invalid_token", map[string]any{"exp": time.Now().Add(-10 * time.Minute).Unix(), "iat": time.Now().Add(-20 * time.Minute).Unix()}, ""),
		tamperCase("unsigned ID token (alg none)", 401, "invalid_token", nil, "none"),
		tamperCase("ID token for another access token (at_hash)", 401, "invalid_token", map[string]any{"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}, ""),
		returnToCase("//evil.example"),
		returnToCase("https://evil.example"),
		returnToCase(`/\evil.example`),
		returnToCase("/%2F%2Fevil.example"),
		returnToCase("javascript:alert(1)"),
		{name: "API call without the CSRF header", status: 403, code: "csrf_failed", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			return api(t, loggedIn(t, s, "alice"), s, "GET", "/api/todos/items", "", map[string]string{"X-CSRF": ""})
		}},
		{name: "cross-site API call", status: 403, code: "csrf_failed", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			return api(t, loggedIn(t, s, "alice"), s, "GET", "/api/todos/items", "", map[string]string{"Sec-Fetch-Site": "cross-site"})
		}},
		{name: "logout from another origin", status: 403, code: "csrf_failed", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			return api(t, loggedIn(t, s, "alice"), s, "POST", "/auth/logout", "", map[string]string{"Origin": "https://evil.example"})
		}},
		{name: "tampered session cookie", status: 401, code: "unauthenticated", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			b := loggedIn(t, s, "alice")
			c := []byte(b.SessionCookie())
			c[len(c)/2] ^= 1
			if c[len(c)/2] < '0' { // keep it in the cookie alphabet so it reaches the store lookup
				c[len(c)/2] = 'A'
			}
			b.SetSessionCookie(string(c))
			return api(t, b, s, "GET", "/auth/user", "", nil)
		}},
		{name: "forged session id", status: 401, code: "unauthenticated", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			b := s.Browser()
			b.SetSessionCookie(strings.Repeat("A", 43))
			return api(t, b, s, "GET", "/api/todos/items", "", nil)
		}},
		{name: "session past its idle timeout", status: 401, code: "unauthenticated", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			b := loggedIn(t, s, "alice")
			s.Clock.Advance(16 * time.Minute)
			return api(t, b, s, "GET", "/api/todos/items", "", nil)
		}},
		{name: "session past its absolute timeout", status: 401, code: "unauthenticated", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			b := loggedIn(t, s, "alice")
			for i := 0; i < 4; i++ { // active every 14 minutes: the idle timeout never fires
				s.Clock.Advance(14 * time.Minute)
				if res := api(t, b, s, "GET", "/api/todos/items", "", nil); res.Status != http.StatusOK {
					t.Fatalf("at %d min: %d %s", 14*(i+1), res.Status, res.Body)
				}
			}
			s.Clock.Advance(5 * time.Minute)
			return api(t, b, s, "GET", "/api/todos/items", "", nil)
		}},
		{name: "route not allow-listed", status: 404, code: "route_not_found", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			return api(t, loggedIn(t, s, "alice"), s, "GET", "/api/admin/users", "", nil)
		}},
		{name: "path escaping its route", status: 400, code: "invalid_request", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			return api(t, loggedIn(t, s, "alice"), s, "GET", "/api/todos/../../admin", "", nil)
		}},
		{name: "route needing a group the user lacks", status: 403, code: "forbidden", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			return api(t, loggedIn(t, s, "bob"), s, "GET", "/api/staff/reports", "", nil)
		}},
		{name: "oversized body", status: 413, code: "payload_too_large", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			return api(t, loggedIn(t, s, "alice"), s, "POST", "/api/todos/items", `{"text":"`+strings.Repeat("x", 2048)+`"}`, nil)
		}},
		{name: "upstream timeout", status: 504, code: "upstream_timeout", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			return api(t, loggedIn(t, s, "alice"), s, "GET", "/api/slow/report", "", nil)
		}},
		{name: "API call without a session", status: 401, code: "unauthenticated", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			return api(t, s.Browser(), s, "GET", "/api/todos/items", "", nil)
		}},
		storeDownCase(),
	}
}

func tamperCase(name string, status int, code string, claims map[string]any, alg string) negativeCase {
	return negativeCase{name: name, status: status, code: code, run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
		if err := s.IdP.TamperNextIDToken(context.Background(), claims, alg); err != nil {
			t.Fatal(err)
		}
		res, err := jsonBrowser(s).Login("alice", "/")
		if err != nil {
			t.Fatal(err)
		}
		return res
	}, after: func(t *testing.T, s *bfftest.Stack) {
		// The refused login must not have left a usable session behind.
		if res := api(t, s.Browser(), s, "GET", "/auth/user", "", nil); res.Status != http.StatusUnauthorized {
			t.Fatalf("after a refused login /auth/user = %d", res.Status)
		}
	}}
}

func returnToCase(returnTo string) negativeCase {
	return negativeCase{name: "open redirect returnTo " + returnTo, status: 400, code: "invalid_return_to", run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
		return get(t, jsonBrowser(s), s.URL+"/auth/login?returnTo="+url.QueryEscape(returnTo))
	}}
}

func storeDownCase() negativeCase {
	var cookie string
	var b *bfftest.Browser
	return negativeCase{name: "session store down", status: 503, code: "session_store_unavailable", onlyWith: []string{"redis", "dynamodb"},
		run: func(t *testing.T, s *bfftest.Stack) bfftest.Result {
			b = loggedIn(t, s, "alice")
			cookie = b.SessionCookie()
			var peer *devservers.Process
			if s.Redis != nil {
				peer = s.Redis.Process
			} else {
				peer = s.Dynalite.Process
			}
			if err := peer.Signal(syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = peer.Signal(syscall.SIGCONT) }()
			return api(t, b, s, "GET", "/api/todos/items", "", nil)
		},
		after: func(t *testing.T, s *bfftest.Stack) {
			if b.SessionCookie() != cookie {
				t.Fatal("the outage cleared the session cookie")
			}
			if res := api(t, b, s, "GET", "/auth/user", "", nil); res.Status != http.StatusOK {
				t.Fatalf("after the store came back /auth/user = %d %s: the session was lost", res.Status, res.Body)
			}
		}}
}

func jsonBrowser(s *bfftest.Stack) *bfftest.Browser {
	b := s.Browser()
	b.JSON = true
	return b
}

func loggedIn(t *testing.T, s *bfftest.Stack, user string) *bfftest.Browser {
	t.Helper()
	b := s.Browser()
	b.MustLogin(t, user, "/")
	return b
}

func get(t *testing.T, b *bfftest.Browser, target string) bfftest.Result {
	t.Helper()
	res, err := b.Do(http.MethodGet, target, nil, map[string]string{"Accept": "application/json"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func api(t *testing.T, b *bfftest.Browser, s *bfftest.Stack, method, path, body string, headers map[string]string) bfftest.Result {
	t.Helper()
	res, err := b.APIWith(s.URL, method, path, body, headers)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
