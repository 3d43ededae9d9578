package proxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/bff/middleware"
)

// Request headers that carry the browser's credentials or client-asserted
// routing; none of them reaches an upstream.
var droppedRequestHeaders = []string{
	"Cookie", "Authorization", "Proxy-Authorization", middleware.CSRFHeader,
	"Forwarded", "X-Real-Ip", "X-Client-Ip", "True-Client-Ip", "Cf-Connecting-Ip",
}

// bufferPool lends the 32 KiB body-copy buffers out again: without a pool
// ReverseProxy allocates one per response, the largest allocation on the path.
type bufferPool struct{ pool sync.Pool }

func (b *bufferPool) Get() []byte {
	if buf, ok := b.pool.Get().(*[]byte); ok {
		return *buf
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.pool.Put(&buf) }

func (p *Proxy) reverseProxy(rt Route) *httputil.ReverseProxy {
	upstream := *rt.Upstream
	return &httputil.ReverseProxy{
		Transport:  p.opts.Transport,
		BufferPool: &p.buffers,
		// Rewrite (not Director) so client X-Forwarded-* never pass through.
		Rewrite: func(pr *httputil.ProxyRequest) {
			sub, _ := pr.In.Context().Value(subPathKey).(string)
			pr.Out.URL.RawPath = sub
			pr.Out.URL.Path, _ = url.PathUnescape(sub)
			pr.SetURL(&upstream)
			for _, h := range droppedRequestHeaders {
				pr.Out.Header.Del(h)
			}
			principal, _ := p.opts.Principal(pr.In.Context())
			pr.Out.Header.Set("Authorization", "Bearer "+principal.AccessToken)
			if ip := middleware.ClientIP(pr.In.Context()); ip != "" && ip != "unknown" {
				pr.Out.Header.Set("X-Forwarded-For", ip)
			}
			pr.Out.Header.Set("X-Forwarded-Host", p.opts.PublicURL.Host)
			pr.Out.Header.Set("X-Forwarded-Proto", p.opts.PublicURL.Scheme)
			if id := middleware.RequestID(pr.In.Context()); id != "" {
				pr.Out.Header.Set(middleware.RequestIDHeader, id)
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			if t, ok := resp.Request.Context().Value(timedOutKey).(*time.Timer); ok {
				t.Stop()
			}
			// An upstream must not set cookies on the app's origin.
			resp.Header.Del("Set-Cookie")
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			p.writeUpstreamError(w, r, rt, err)
		},
	}
}

func (p *Proxy) writeUpstreamError(w http.ResponseWriter, r *http.Request, rt Route, err error) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		middleware.WriteError(w, http.StatusRequestEntityTooLarge, middleware.CodePayloadTooLarge, "the request body is too large")
	case errors.Is(context.Cause(r.Context()), errUpstreamTimeout):
		middleware.Logger(r.Context(), p.opts.Logger).Warn("upstream timeout", "route", rt.Name, "timeout", rt.Timeout.String())
		middleware.WriteError(w, http.StatusGatewayTimeout, middleware.CodeUpstreamTimeout, "the service did not answer in time")
	case r.Context().Err() != nil:
		// The client went away; nobody reads this answer.
		w.WriteHeader(499)
	case clientBodyFailed(r):
		middleware.WriteError(w, http.StatusBadRequest, middleware.CodeInvalidRequest, "the request body is malformed")
	default:
		middleware.Logger(r.Context(), p.opts.Logger).Warn("upstream unreachable", "route", rt.Name, "error", redactURL(err.Error()))
		middleware.WriteError(w, http.StatusBadGateway, middleware.CodeBadGateway, "the service is unreachable")
	}
}

// clientBody notes that reading the browser's request body failed (bad
// chunked framing, a truncated upload), so the proxy answers 400 instead of
// blaming the upstream with a 502.
type clientBody struct {
	io.ReadCloser
	failed atomic.Bool
}

func (b *clientBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.failed.Store(true)
	}
	return n, err
}

// clientBodyFailed looks in the context, since ReverseProxy hands its
// error handler the outgoing request with the body wrapped again.
func clientBodyFailed(r *http.Request) bool {
	b, _ := r.Context().Value(clientBodyKey).(*clientBody)
	return b != nil && b.failed.Load()
}

// redactURL keeps query strings out of logs.
func redactURL(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		if j := strings.IndexAny(s[i:], "\" "); j >= 0 {
			return s[:i] + s[i+j:]
		}
		return s[:i]
	}
	return s
}
