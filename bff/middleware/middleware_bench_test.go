package middleware

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

// Per-request costs of the layers every API call crosses, so a regression
// in one shows up here before it shows up in the proxy comparison.

// discardWriter keeps one header map across iterations, so the benchmark
// measures the layer, not the recorder.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

func spaRequest(method, path string) *http.Request {
	r := httptest.NewRequest(method, path, nil)
	r.Header.Set("Accept", "application/json")
	r.Header.Set("X-CSRF", "1")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("X-Forwarded-For", "198.51.100.4, 203.0.113.7")
	r.Header.Set("Cookie", "theme=dark; __Host-gh_session=q7d0W1rBvTWlbCtn5cKcT2o0nq3ZyrcBRm5Q1tO0n0c; lang=en")
	if method != http.MethodGet {
		r.Header.Set("Origin", "https://app.example.gov")
	}
	// The client address as the outermost layer stores it.
	r, ri := withInfo(r)
	ri.clientAddr = netip.MustParseAddr("203.0.113.7")
	ri.clientIP = ri.clientAddr.String()
	return r
}

var noop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

func benchLayer(b *testing.B, h http.Handler, r *http.Request) {
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

func BenchmarkCSRF(b *testing.B) {
	for _, tc := range []struct{ name, method, path string }{
		{"api GET", http.MethodGet, "/api/todos/items"},
		{"auth POST with Origin", http.MethodPost, "/auth/logout"},
		{"not guarded", http.MethodGet, "/assets/app.js"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := CSRF("https://app.example.gov", []string{"/auth/backchannel-logout"}, noop)
			benchLayer(b, h, spaRequest(tc.method, tc.path))
		})
	}
}

func BenchmarkRateLimit(b *testing.B) {
	h := RateLimit(RateLimitOptions{PerIP: 1e9, PerSession: 1e9, CookieName: "__Host-gh_session"}, noop)
	benchLayer(b, h, spaRequest(http.MethodGet, "/api/todos/items"))
}

func BenchmarkSecurityHeaders(b *testing.B) {
	benchLayer(b, SecurityHeaders(true, noop), spaRequest(http.MethodGet, "/api/todos/items"))
}

// BenchmarkLogging formats the JSON access line as production does; only
// the write to stdout is dropped.
func BenchmarkLogging(b *testing.B) {
	h := Logging(NewLogger(io.Discard, slog.LevelInfo), noop)
	benchLayer(b, h, spaRequest(http.MethodGet, "/api/todos/items"))
}
