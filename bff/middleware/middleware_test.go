package middleware

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })

func decodeError(t *testing.T, rec *httptest.ResponseRecorder) ErrorBody {
	t.Helper()
	var b ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("body %q is not a JSON error: %v", rec.Body.String(), err)
	}
	return b
}

func TestCSRF(t *testing.T) {
	h := CSRF("https://app.example.gov", []string{"/auth/backchannel-logout"}, ok)
	cases := []struct {
		name, method, path string
		headers            map[string]string
		want               int
	}{
		{"api without header", "GET", "/api/todos/1", nil, 403},
		{"api with header", "GET", "/api/todos/1", map[string]string{"X-CSRF": "1"}, 200},
		{"api wrong value", "GET", "/api/todos/1", map[string]string{"X-CSRF": "yes"}, 403},
		{"api cross-site", "GET", "/api/todos", map[string]string{"X-CSRF": "1", "Sec-Fetch-Site": "cross-site"}, 403},
		{"api same-site sibling", "GET", "/api/todos", map[string]string{"X-CSRF": "1", "Sec-Fetch-Site": "same-site"}, 403},
		{"api same-origin", "POST", "/api/todos", map[string]string{"X-CSRF": "1", "Sec-Fetch-Site": "same-origin", "Origin": "https://app.example.gov"}, 200},
		{"api foreign origin", "POST", "/api/todos", map[string]string{"X-CSRF": "1", "Origin": "https://evil.example"}, 403},
		{"api null origin", "DELETE", "/api/todos/1", map[string]string{"X-CSRF": "1", "Origin": "null"}, 403},
		{"websocket handshake from the app", "GET", "/api/live", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Origin": "https://app.example.gov"}, 200},
		{"websocket handshake from another site", "GET", "/api/live", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Origin": "https://evil.example", "X-CSRF": "1"}, 403},
		{"websocket handshake without Origin", "GET", "/api/live", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "X-CSRF": "1"}, 403},
		{"websocket handshake cross-site fetch metadata", "GET", "/api/live", map[string]string{"Connection": "keep-alive, Upgrade", "Upgrade": "websocket", "Origin": "https://app.example.gov", "Sec-Fetch-Site": "cross-site"}, 403},
		{"h2c upgrade needs the header", "GET", "/api/live", map[string]string{"Connection": "Upgrade", "Upgrade": "h2c", "Origin": "https://app.example.gov"}, 403},
		{"login navigation", "GET", "/auth/login", map[string]string{"Sec-Fetch-Site": "cross-site"}, 200},
		{"logout without header", "POST", "/auth/logout", nil, 403},
		{"logout with header", "POST", "/auth/logout", map[string]string{"X-CSRF": "1"}, 200},
		{"backchannel exempt", "POST", "/auth/backchannel-logout", nil, 200},
		{"spa page", "GET", "/todos", nil, 200},
		{"apiary is not api", "GET", "/apiary", nil, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("status = %d, want %d", rec.Code, tc.want)
			}
			if tc.want == 403 && decodeError(t, rec).Error != CodeCSRFFailed {
				t.Fatalf("error = %s", rec.Body)
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := SecurityHeaders(true, ok)
	const documentCSP = "default-src 'self'; script-src 'self'"
	for _, tc := range []struct {
		path    string
		noStore bool
		csp     string
		// document marks answers a browser may render, which also get the
		// opener and permissions policies.
		document bool
	}{
		{"/api/x", true, "default-src 'none'; frame-ancestors 'none'", false},
		{"/api", true, "default-src 'none'; frame-ancestors 'none'", false},
		{"/auth/user", true, documentCSP, true},
		{"/auth/callback", true, documentCSP, true},
		{"/", false, documentCSP, true},
		{"/apis/not-the-api", false, documentCSP, true},
		{"/assets/app.js", false, documentCSP, true},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		for _, name := range []string{"Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy"} {
			if rec.Header().Get(name) == "" {
				t.Errorf("%s: missing %s", tc.path, name)
			}
		}
		if got := rec.Header().Get("Content-Security-Policy"); !strings.HasPrefix(got, tc.csp) || !strings.Contains(got, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP = %q, want it to start with %q and forbid framing", tc.path, got, tc.csp)
		}
		for _, name := range []string{"Referrer-Policy", "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy", "Permissions-Policy"} {
			if got := rec.Header().Get(name) != ""; got != tc.document {
				t.Errorf("%s: %s present = %v, want %v", tc.path, name, got, tc.document)
			}
		}
		if got := rec.Header().Get("Cache-Control") == "no-store"; got != tc.noStore {
			t.Errorf("%s: no-store = %v, want %v", tc.path, got, tc.noStore)
		}
	}
	rec := httptest.NewRecorder()
	SecurityHeaders(false, ok).ServeHTTP(rec, httptest.NewRequest("GET", "/api/x", nil))
	if rec.Header().Get("Strict-Transport-Security") != "" {
		t.Error("HSTS on a plain-http run")
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Unix(1000, 0)
	h := TrustedClientIP(false, RateLimit(RateLimitOptions{PerIP: 2, PerSession: 1, CookieName: "sid", Exempt: []string{"/healthz"}, Now: func() time.Time { return now }}, ok))
	do := func(path, ip, cookie string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.RemoteAddr = ip + ":1234"
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "sid", Value: cookie})
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	steps := []struct {
		name, path, ip, cookie string
		want                   int
	}{
		{"ip burst 1", "/api/x", "10.0.0.1", "", 200},
		{"ip burst 2", "/api/x", "10.0.0.1", "", 200},
		{"ip burst 3", "/api/x", "10.0.0.1", "", 200},
		{"ip burst 4", "/api/x", "10.0.0.1", "", 200},
		{"ip over", "/api/x", "10.0.0.1", "", 429},
		{"health exempt", "/healthz", "10.0.0.1", "", 200},
		{"other ip", "/api/x", "10.0.0.2", sid1, 200},
		{"session burst", "/api/x", "10.0.0.3", sid1, 200},
		{"session over from another ip", "/api/x", "10.0.0.4", sid1, 429},
		{"other session", "/api/x", "10.0.0.4", sid2, 200},
		{"malformed cookie gets no session bucket", "/api/x", "10.0.0.5", "s1", 200},
		{"malformed cookie again", "/api/x", "10.0.0.5", "s1", 200},
	}
	for _, s := range steps {
		rec := do(s.path, s.ip, s.cookie)
		if rec.Code != s.want {
			t.Fatalf("%s: status = %d, want %d", s.name, rec.Code, s.want)
		}
		if s.want == 429 {
			if rec.Header().Get("Retry-After") == "" || decodeError(t, rec).Error != CodeRateLimited {
				t.Fatalf("%s: want Retry-After and rate_limited, got %v %s", s.name, rec.Header(), rec.Body)
			}
		}
	}
	now = now.Add(2 * time.Second)
	if rec := do("/api/x", "10.0.0.1", ""); rec.Code != 200 {
		t.Fatalf("after refill: %d", rec.Code)
	}
}

func TestOriginVerify(t *testing.T) {
	var seen http.Header
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.Header.Clone() })
	// Mid-rotation: the new and the previous value are both accepted.
	secret := func(context.Context) ([]string, error) {
		return []string{"a-long-origin-secret-value", "the-previous-origin-secret"}, nil
	}
	h := OriginVerify("X-Origin-Verify", secret, slog.Default(), next)
	for _, tc := range []struct {
		name, value string
		want        int
	}{{"missing", "", 403}, {"wrong", "nope", 403}, {"prefix", "a-long-origin", 403}, {"right", "a-long-origin-secret-value", 200}, {"previous", "the-previous-origin-secret", 200}} {
		req := httptest.NewRequest("GET", "/api/x", nil)
		if tc.value != "" {
			req.Header.Set("X-Origin-Verify", tc.value)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Fatalf("%s: %d, want %d", tc.name, rec.Code, tc.want)
		}
		if tc.want == 403 && decodeError(t, rec).Error != CodeOriginVerifyFailed {
			t.Fatalf("%s: %s", tc.name, rec.Body)
		}
	}
	if seen.Get("X-Origin-Verify") != "" {
		t.Fatal("the secret header was passed on")
	}
}

func TestLoggingRedactsAndCarriesRequestID(t *testing.T) {
	var buf bytes.Buffer
	logger := NewLogger(&buf, slog.LevelInfo)
	h := Logging(logger, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Logger(r.Context(), logger).Info("inner", "access_token", "tok-123", "refresh_token", "rt-456", "client_secret", "cs-789")
	}))
	req := httptest.NewRequest("GET", "/auth/callback?code=code-abc&state=st-def", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793")
	req.AddCookie(&http.Cookie{Name: "__Host-gh_session", Value: "cookie-xyz"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	out := buf.String()
	for _, secret := range []string{"tok-123", "rt-456", "cs-789", "code-abc", "st-def", "cookie-xyz"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	if strings.Count(out, `"request_id":"Root=1-5759e988-bd862e3fe1be46a994272793"`) != 2 {
		t.Errorf("request id missing from log lines:\n%s", out)
	}
	if rec.Header().Get(RequestIDHeader) == "" {
		t.Error("no request id header")
	}
}

func TestAccessLineIsEmbeddedMetricFormat(t *testing.T) {
	var buf bytes.Buffer
	h := Logging(NewLogger(&buf, slog.LevelInfo), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/todos/1", nil))
	var doc struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Surface      string
		Latency      *float64
		Requests     int
		ServerErrors int
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	if doc.AWS.Timestamp == 0 || len(doc.AWS.CloudWatchMetrics) != 1 || doc.AWS.CloudWatchMetrics[0].Namespace != MetricsNamespace {
		t.Fatalf("no EMF metadata: %s", buf.String())
	}
	for _, m := range doc.AWS.CloudWatchMetrics[0].Metrics {
		if !strings.Contains(buf.String(), `"`+m.Name+`":`) {
			t.Errorf("metric %s has no value", m.Name)
		}
	}
	if doc.Surface != "api" || doc.Latency == nil || doc.Requests != 1 || doc.ServerErrors != 1 {
		t.Fatalf("values: %s", buf.String())
	}
}

func TestIsSensitiveKey(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{"access_token", true},
		{"AccessToken", true},
		{"X-CSRF-TOKEN", true},
		{"client_secret", true},
		{"Set-Cookie", true},
		{"Authorization", true},
		{"code_verifier", true},
		{"DATA_KEY", true},
		{"aws_credentials", true},
		{"dataKey", false},
		{"request_id", false},
		{"Latency", false},
		{"tok", false},
		{"", false},
	} {
		if got := isSensitiveKey(tc.key); got != tc.want {
			t.Errorf("isSensitiveKey(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
}

// The header values are shared between responses, so a handler adding to one
// must not change what the next response gets.
func TestSecurityHeadersAreNotShared(t *testing.T) {
	h := SecurityHeaders(true, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("X-Frame-Options", "SAMEORIGIN")
		w.Header().Add("Cache-Control", "private")
	}))
	first := httptest.NewRecorder()
	h.ServeHTTP(first, httptest.NewRequest("GET", "/api/todos", nil))
	second := httptest.NewRecorder()
	h.ServeHTTP(second, httptest.NewRequest("GET", "/api/todos", nil))
	for _, rec := range []*httptest.ResponseRecorder{first, second} {
		if got := rec.Header().Values("X-Frame-Options"); len(got) != 2 || got[0] != "DENY" {
			t.Errorf("X-Frame-Options = %q, want DENY then the handler's value", got)
		}
		if got := rec.Header().Values("Cache-Control"); len(got) != 2 || got[0] != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store then the handler's value", got)
		}
	}
	if apiHeaders[1].value[0] != "DENY" || len(apiHeaders[1].value) != 1 || apiHeaders[3].value[0] != "no-store" || len(apiHeaders[3].value) != 1 {
		t.Fatal("a response changed the shared header values")
	}
}
