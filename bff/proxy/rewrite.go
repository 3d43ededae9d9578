package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/bff/middleware"
)

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

func (p *Proxy) reverseProxy(rt Route, transport http.RoundTripper) *httputil.ReverseProxy {
	upstream := *rt.Upstream
	// The same for every call: built once, shared read-only by outgoing requests.
	forwardedHost := []string{p.opts.PublicURL.Host}
	forwardedProto := []string{p.opts.PublicURL.Scheme}
	allowed := newHeaderSet(defaultForwardHeaders, rt.ForwardHeaders)
	allowedTunnel := newHeaderSet(defaultForwardHeaders, rt.ForwardHeaders, tunnelHeaders)
	return &httputil.ReverseProxy{
		Transport:  transport,
		BufferPool: &p.buffers,
		// Rewrite (not Director) so client X-Forwarded-* never pass through.
		Rewrite: func(pr *httputil.ProxyRequest) {
			ctx := pr.In.Context()
			f := forwardFrom(ctx)
			pr.Out.URL.RawPath = f.subPath
			pr.Out.URL.Path, _ = url.PathUnescape(f.subPath)
			pr.SetURL(&upstream)
			out := pr.Out.Header
			if f.tunnel != nil {
				allowedTunnel.keepOnly(out)
			} else {
				// Drops Upgrade and HTTP2-Settings, which ReverseProxy
				// would otherwise pass: no tunnel without WebSocket.
				allowed.keepOnly(out)
			}
			principal, _ := p.opts.Principal(ctx)
			out["Authorization"] = []string{"Bearer " + principal.AccessToken}
			if ip := middleware.ClientIP(ctx); ip != "" && ip != "unknown" {
				out["X-Forwarded-For"] = []string{ip}
			}
			out["X-Forwarded-Host"] = forwardedHost
			out["X-Forwarded-Proto"] = forwardedProto
			if id := middleware.RequestID(ctx); id != "" {
				out[middleware.RequestIDHeader] = []string{id}
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			ctx := resp.Request.Context()
			f := forwardFrom(ctx)
			if f.headerTimer != nil {
				f.headerTimer.Stop()
			}
			// An upstream must not set cookies on the app's origin.
			resp.Header.Del("Set-Cookie")
			if resp.StatusCode == http.StatusSwitchingProtocols {
				if f.tunnel == nil {
					return errUnexpectedSwitch
				}
				go p.watchTunnel(ctx, rt, f.tunnel)
				return nil
			}
			return checkResponse(resp, rt, resp.Request.URL)
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
	case errors.Is(context.Cause(r.Context()), errUpstreamTimeout) || (r.Context().Err() == nil && isHeaderTimeout(err)):
		middleware.Logger(r.Context(), p.opts.Logger).Warn("upstream timeout", "route", rt.Name, "timeout", rt.Timeout.String())
		middleware.WriteError(w, http.StatusGatewayTimeout, middleware.CodeUpstreamTimeout, "the service did not answer in time")
	case r.Context().Err() != nil:
		// The client went away; nobody reads this answer.
		w.WriteHeader(499)
	case clientBodyFailed(r):
		middleware.WriteError(w, http.StatusBadRequest, middleware.CodeInvalidRequest, "the request body is malformed")
	case errors.Is(err, errUpstreamRedirect):
		middleware.Logger(r.Context(), p.opts.Logger).Warn("upstream redirected an API call; refused", "route", rt.Name, "error", err.Error())
		middleware.WriteError(w, http.StatusBadGateway, middleware.CodeUpstreamRedirect, "the service answered with a redirect, which an API call never follows")
	case errors.Is(err, errUnexpectedSwitch):
		middleware.Logger(r.Context(), p.opts.Logger).Warn("upstream switched protocols unasked; refused", "route", rt.Name)
		middleware.WriteError(w, http.StatusBadGateway, middleware.CodeBadGateway, "the service answered with a protocol switch this API does not allow")
	default:
		middleware.Logger(r.Context(), p.opts.Logger).Warn("upstream unreachable", "route", rt.Name, "error", redactURL(err.Error()))
		middleware.WriteError(w, http.StatusBadGateway, middleware.CodeBadGateway, "the service is unreachable")
	}
}

// isHeaderTimeout reports a Transport's ResponseHeaderTimeout: a timeout
// after the connection was made. A timeout while dialing means the upstream
// is unreachable, as before.
func isHeaderTimeout(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
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
	b := forwardFrom(r.Context()).body
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
