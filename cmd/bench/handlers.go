package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/bff/middleware"
)

const (
	handlerBare = "handler: bare ReverseProxy"
	handlerBFF  = "handler: BFF /api/greeting/hello"
)

// cannedUpstream answers every round trip at once with the upstream's
// greeting, so a handler's own CPU can be measured without sockets.
type cannedUpstream struct{}

func (cannedUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(greeting))}},
		Body:          io.NopCloser(bytes.NewReader(greeting)),
		ContentLength: int64(len(greeting)),
		Request:       r,
	}, nil
}

// discardWriter keeps one header map across calls, so the measurement is
// the handler's, not the recorder's.
type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(code int)        { d.status = code }

func serveOnce(h http.Handler, w *discardWriter, r *http.Request) error {
	clear(w.h)
	w.status = http.StatusOK
	h.ServeHTTP(w, r)
	if w.status != http.StatusOK {
		return fmt.Errorf("status %d", w.status)
	}
	return nil
}

// handlerCosts measures, in process and without sockets, one API call
// through the bare ReverseProxy and through the whole BFF handler, and the
// BFF's layers one by one: where the BFF's extra cost per request goes.
func handlerCosts(ctx context.Context, minTime time.Duration, profileDir string) ([]microResult, error) {
	const upstreamURL = "http://upstream.bench.example"
	up, _ := url.Parse(upstreamURL)
	bare := &httputil.ReverseProxy{Transport: cannedUpstream{}, Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(up) }}
	store, err := newMemoryStore()
	if err != nil {
		return nil, err
	}
	defer store.Close()
	app, cookie, _, err := buildBFF(ctx, store, upstreamURL, cannedUpstream{})
	if err != nil {
		return nil, err
	}
	defer app.Close()
	req := func(path string, header http.Header) *http.Request {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header = header
		r.RemoteAddr = "10.0.1.17:43122"
		return r
	}
	toBFF := func() *http.Request { return req("/api/greeting/hello", spaHeaders(cookie)) }
	noop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	logger := middleware.NewLogger(io.Discard, slog.LevelInfo)
	cases := []struct {
		name, note string
		h          http.Handler
		r          *http.Request
	}{
		{handlerBare, "ServeHTTP with an in-memory upstream", bare, req("/hello", tokenSPAHeaders(benchTokens.AccessToken))},
		{handlerBFF, "ServeHTTP with an in-memory upstream: every layer, session (memory), proxy", app.Handler, toBFF()},
		{"layer: access log", "request id + JSON line (write dropped)", middleware.Logging(logger, noop), toBFF()},
		{"layer: security headers", "the /api header set (5 headers)", middleware.SecurityHeaders(true, noop), toBFF()},
		{"layer: rate limit", "per-IP and per-session buckets", middleware.RateLimit(middleware.RateLimitOptions{PerIP: 1e9, PerSession: 1e9, CookieName: "__Host-gh_session"}, noop), toBFF()},
	}
	var out []microResult
	for _, c := range cases {
		w := &discardWriter{h: http.Header{}}
		res, err := measure(c.name, minTime, func() error { return serveOnce(c.h, w, c.r) })
		if err != nil {
			return nil, err
		}
		res.Note = c.note
		out = append(out, res)
	}
	if profileDir != "" {
		if err := profileHandler(filepath.Join(profileDir, "cpu-bff-handler.pprof"), app.Handler, cases[1].r, 10*minTime); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// profileHandler writes a CPU profile of h serving r in a loop: the BFF's
// own work with no client, upstream or sockets in the samples.
func profileHandler(path string, h http.Handler, r *http.Request, d time.Duration) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return fmt.Errorf("bench: profile: %w", err)
	}
	defer pprof.StopCPUProfile()
	w := &discardWriter{h: http.Header{}}
	for end := time.Now().Add(d); time.Now().Before(end); {
		if err := serveOnce(h, w, r); err != nil {
			return fmt.Errorf("bench: profiling the BFF handler: %w", err)
		}
	}
	return nil
}
