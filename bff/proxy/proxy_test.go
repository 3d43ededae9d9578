package proxy

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/middleware"
)

type seen struct {
	Path    string
	Query   string
	Headers http.Header
	Body    string
}

func newUpstream(t *testing.T) (*httptest.Server, chan seen) {
	t.Helper()
	ch := make(chan seen, 16)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ch <- seen{Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Headers: r.Header.Clone(), Body: string(body)}
		switch {
		case strings.HasSuffix(r.URL.Path, "/slow"):
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case strings.HasSuffix(r.URL.Path, "/events"):
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, "data: one\n\n")
			w.(http.Flusher).Flush()
			<-release
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "__Host-gh_session", Value: "planted"})
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	// Cleanups run last-in first-out: release held handlers before Close waits on them.
	t.Cleanup(func() { close(release) })
	return srv, ch
}

func newProxy(t *testing.T, upstream string, principal Principal) http.Handler {
	t.Helper()
	u, _ := url.Parse(upstream)
	v1 := *u
	v1.Path = "/v1"
	dead, _ := url.Parse("http://127.0.0.1:1")
	p, err := New(Options{
		Routes: []Route{
			{Name: "todos", Upstream: &v1, MaxBodyBytes: 16, Timeout: 5 * time.Second},
			{Name: "staff", Upstream: u, Groups: []string{"staff"}, MaxBodyBytes: 16},
			{Name: "scoped", Upstream: u, Scopes: []string{"todos:write"}, MaxBodyBytes: 16},
			{Name: "slow", Upstream: u, Timeout: 50 * time.Millisecond},
			{Name: "dead", Upstream: dead},
		},
		Principal: func(context.Context) (Principal, bool) { return principal, principal.AccessToken != "" },
		PublicURL: &url.URL{Scheme: "https", Host: "app.example.gov"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return middleware.TrustedClientIP(false, p)
}

func TestProxy(t *testing.T) {
	up, ch := newUpstream(t)
	h := newProxy(t, up.URL, Principal{AccessToken: "at-secret", Groups: []string{"users"}, Scopes: []string{"openid"}})
	cases := []struct {
		name, method, path, body string
		chunked                  bool
		wantStatus               int
		wantCode                 string
		wantPath                 string
	}{
		{name: "forwards under the route", method: "GET", path: "/api/todos/items/1?x=1", wantStatus: 200, wantPath: "/v1/items/1"},
		{name: "route root", method: "GET", path: "/api/todos", wantStatus: 200, wantPath: "/v1/"},
		{name: "not allow-listed", method: "GET", path: "/api/admin/x", wantStatus: 404, wantCode: middleware.CodeRouteNotFound},
		{name: "dot segments", method: "GET", path: "/api/todos/../../x", wantStatus: 400, wantCode: middleware.CodeInvalidRequest},
		{name: "encoded dot segments", method: "GET", path: "/api/todos/%2e%2e/%2E%2E/x", wantStatus: 400, wantCode: middleware.CodeInvalidRequest},
		{name: "encoded slash", method: "GET", path: "/api/todos/a%2F..%2F..%2Fx", wantStatus: 400, wantCode: middleware.CodeInvalidRequest},
		{name: "path parameter", method: "GET", path: "/api/todos/..;/admin", wantStatus: 400, wantCode: middleware.CodeInvalidRequest},
		{name: "encoded path parameter", method: "GET", path: "/api/todos/..%3B/admin", wantStatus: 400, wantCode: middleware.CodeInvalidRequest},
		{name: "encoded NUL", method: "GET", path: "/api/todos/..%00/admin", wantStatus: 400, wantCode: middleware.CodeInvalidRequest},
		{name: "double-encoded dot segment", method: "GET", path: "/api/todos/%252e%252e/admin", wantStatus: 400, wantCode: middleware.CodeInvalidRequest},
		{name: "TRACE", method: "TRACE", path: "/api/todos/x", wantStatus: 405, wantCode: middleware.CodeMethodNotAllowed},
		{name: "CONNECT", method: "CONNECT", path: "/api/todos/x", wantStatus: 405, wantCode: middleware.CodeMethodNotAllowed},
		{name: "WebDAV method", method: "PROPFIND", path: "/api/todos/x", wantStatus: 405, wantCode: middleware.CodeMethodNotAllowed},
		{name: "lower-case method", method: "get", path: "/api/todos/x", wantStatus: 405, wantCode: middleware.CodeMethodNotAllowed},
		{name: "literal percent", method: "GET", path: "/api/todos/100%25", wantStatus: 200, wantPath: "/v1/100%25"},
		{name: "missing group", method: "GET", path: "/api/staff/x", wantStatus: 403, wantCode: middleware.CodeForbidden},
		{name: "missing scope", method: "GET", path: "/api/scoped/x", wantStatus: 403, wantCode: middleware.CodeForbidden},
		{name: "body within limit", method: "POST", path: "/api/todos/items", body: `{"a":1}`, wantStatus: 200, wantPath: "/v1/items"},
		{name: "oversized body", method: "POST", path: "/api/todos/items", body: strings.Repeat("x", 17), wantStatus: 413, wantCode: middleware.CodePayloadTooLarge},
		{name: "oversized chunked body", method: "POST", path: "/api/todos/items", body: strings.Repeat("x", 4096), chunked: true, wantStatus: 413, wantCode: middleware.CodePayloadTooLarge},
		{name: "upstream timeout", method: "GET", path: "/api/slow/slow", wantStatus: 504, wantCode: middleware.CodeUpstreamTimeout},
		{name: "upstream down", method: "GET", path: "/api/dead/x", wantStatus: 502, wantCode: middleware.CodeBadGateway},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for len(ch) > 0 {
				<-ch
			}
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
				if tc.chunked {
					body = io.MultiReader(strings.NewReader(tc.body))
				}
			}
			req := httptest.NewRequest(tc.method, tc.path, body)
			if tc.chunked {
				req.ContentLength = -1
			}
			req.Header.Set("Cookie", "__Host-gh_session=browser-cookie; other=1")
			req.Header.Set("Authorization", "Bearer client-supplied")
			req.Header.Set("X-Forwarded-For", "6.6.6.6")
			req.Header.Set("X-Forwarded-Host", "evil.example")
			req.Header.Set("X-CSRF", "1")
			for _, h := range []string{"Proxy-Authorization", "Forwarded", "X-Real-IP", "X-Client-IP", "True-Client-IP", "CF-Connecting-IP"} {
				req.Header.Set(h, "6.6.6.6")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantCode != "" {
				var e middleware.ErrorBody
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error != tc.wantCode {
					t.Fatalf("body = %s, want error %s", rec.Body, tc.wantCode)
				}
				return
			}
			got := <-ch
			if got.Path != tc.wantPath {
				t.Errorf("upstream path = %q, want %q", got.Path, tc.wantPath)
			}
			if a := got.Headers.Get("Authorization"); a != "Bearer at-secret" {
				t.Errorf("Authorization = %q", a)
			}
			for _, h := range []string{"Cookie", "X-Csrf", "Proxy-Authorization", "Forwarded", "X-Real-IP", "X-Client-IP", "True-Client-IP", "CF-Connecting-IP"} {
				if v := got.Headers.Get(h); v != "" {
					t.Errorf("%s reached the upstream: %q", h, v)
				}
			}
			if xff := got.Headers.Get("X-Forwarded-For"); strings.Contains(xff, "6.6.6.6") {
				t.Errorf("client X-Forwarded-For passed: %q", xff)
			}
			if xfh := got.Headers.Get("X-Forwarded-Host"); xfh != "app.example.gov" {
				t.Errorf("X-Forwarded-Host = %q", xfh)
			}
			if rec.Header().Get("Set-Cookie") != "" {
				t.Error("upstream cookie passed to the browser")
			}
			if tc.body != "" && got.Body != tc.body {
				t.Errorf("body = %q", got.Body)
			}
		})
	}
}

func TestProxyStreamsEvents(t *testing.T) {
	up, _ := newUpstream(t)
	srv := httptest.NewServer(newProxy(t, up.URL, Principal{AccessToken: "at"}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/todos/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The first event arrives while the upstream still holds the stream open.
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "data: one\n" {
		t.Fatalf("first line = %q, %v", line, err)
	}
}

func TestProxyRequiresPrincipal(t *testing.T) {
	up, _ := newUpstream(t)
	rec := httptest.NewRecorder()
	newProxy(t, up.URL, Principal{}).ServeHTTP(rec, httptest.NewRequest("GET", "/api/todos/x", nil))
	if rec.Code != 401 {
		t.Fatalf("status = %d", rec.Code)
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The route timeout holds whichever RoundTripper carries the call: an
// *http.Transport enforces it itself, any other is timed per call.
func TestUpstreamTimeoutWithAnyTransport(t *testing.T) {
	for _, tc := range []struct {
		name      string
		transport http.RoundTripper
	}{
		{"http.Transport", NewTransport()},
		{"wrapped RoundTripper", roundTripperFunc(NewTransport().RoundTrip)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up, _ := newUpstream(t)
			u, _ := url.Parse(up.URL)
			p, err := New(Options{
				Routes:    []Route{{Name: "slow", Upstream: u, Timeout: 50 * time.Millisecond}, {Name: "fast", Upstream: u}},
				Principal: func(context.Context) (Principal, bool) { return Principal{AccessToken: "at"}, true },
				PublicURL: &url.URL{Scheme: "https", Host: "app.example.gov"},
				Transport: tc.transport,
			})
			if err != nil {
				t.Fatal(err)
			}
			for path, want := range map[string]int{"/api/slow/slow": http.StatusGatewayTimeout, "/api/fast/ok": http.StatusOK} {
				rec := httptest.NewRecorder()
				p.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if rec.Code != want {
					t.Errorf("%s: status = %d, want %d: %s", path, rec.Code, want, rec.Body)
				}
			}
		})
	}
}

// The proxy neither asks the upstream for gzip on its own nor strips the
// browser's Accept-Encoding: compression is negotiated end to end.
func TestProxyPassesAcceptEncodingThrough(t *testing.T) {
	up, ch := newUpstream(t)
	h := newProxy(t, up.URL, Principal{AccessToken: "at-secret"})
	for _, accept := range []string{"", "gzip, br"} {
		req := httptest.NewRequest("GET", "/api/todos/items", nil)
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status = %d: %s", rec.Code, rec.Body)
		}
		if got := (<-ch).Headers.Get("Accept-Encoding"); got != accept {
			t.Errorf("browser sent Accept-Encoding %q, upstream saw %q", accept, got)
		}
	}
}
