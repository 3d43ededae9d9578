// Package proxy forwards /api/<route>/* to allow-listed upstreams with the
// user's access token, and nothing of the browser's credentials.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/bff/middleware"
)

// Route is one allow-listed upstream.
type Route struct {
	Name     string
	Upstream *url.URL
	// Groups: the user needs at least one of them. Empty: any signed-in user.
	Groups []string
	// Scopes: the access token needs all of them.
	Scopes []string
	// Timeout bounds the wait for the upstream's response headers; a stream
	// may then run past it. Defaults to 10s.
	Timeout time.Duration
	// MaxBodyBytes bounds the request body. 0 allows no body.
	MaxBodyBytes int64
	// ForwardHeaders are request headers this route forwards on top of
	// DefaultForwardHeaders; every other header of the browser is dropped.
	// Each must pass CheckForwardHeader. Defaults to none.
	ForwardHeaders []string
	// WebSocket lets a WebSocket handshake through and the upstream's 101
	// open a tunnel, bounded by the session's lifetime (see the upgrade
	// policy in tunnel.go). Off by default: upgrades are dropped and a 101
	// is refused.
	WebSocket bool
}

// Principal is the signed-in user as the proxy needs it.
type Principal struct {
	AccessToken string
	Groups      []string
	Scopes      []string
	// SessionExpiresAt is when the session ends unless it is used again
	// (the earlier of its idle and absolute deadlines). A tunnel closes
	// there unless SessionCheck finds the session extended.
	SessionExpiresAt time.Time
}

// String keeps the access token out of fmt output.
func (Principal) String() string { return "proxy.Principal{token=redacted}" }

// LogValue keeps the access token out of logs.
func (p Principal) LogValue() slog.Value { return slog.Any("groups", p.Groups).Value }

// Options configure the proxy.
type Options struct {
	Routes []Route
	// Principal returns the caller's identity and token; set by the session layer.
	Principal func(ctx context.Context) (Principal, bool)
	// PublicURL fills X-Forwarded-Host and -Proto for upstreams.
	PublicURL *url.URL
	// Transport defaults to NewTransport().
	Transport http.RoundTripper
	Logger    *slog.Logger
	// SessionCheck re-reads the caller's session for an open tunnel. It
	// returns the session's current SessionExpiresAt, an error matching
	// ErrSessionEnded when the session is gone, or another error when the
	// store cannot tell. Required when a route allows WebSockets.
	SessionCheck func(ctx context.Context) (time.Time, error)
	// TunnelRecheck is how often an open tunnel's session is re-read, so a
	// logout elsewhere closes it within this time. Defaults to 15s.
	TunnelRecheck time.Duration
	// Now defaults to time.Now.
	Now func() time.Time
}

// Defaults fills unset fields.
func (o *Options) Defaults() {
	if o.Transport == nil {
		o.Transport = NewTransport()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.TunnelRecheck == 0 {
		o.TunnelRecheck = 15 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	for i := range o.Routes {
		if o.Routes[i].Timeout == 0 {
			o.Routes[i].Timeout = 10 * time.Second
		}
	}
}

// Validate reports every problem at once.
func (o *Options) Validate() error {
	var errs []error
	if o.Principal == nil {
		errs = append(errs, errors.New("proxy: Principal is required"))
	}
	if o.PublicURL == nil {
		errs = append(errs, errors.New("proxy: PublicURL is required"))
	}
	if o.TunnelRecheck < 0 {
		errs = append(errs, errors.New("proxy: TunnelRecheck must not be negative"))
	}
	seen := map[string]bool{}
	for i, r := range o.Routes {
		if r.Name == "" || strings.ContainsAny(r.Name, "/.%") || seen[r.Name] {
			errs = append(errs, fmt.Errorf("proxy: route %d: name %q is empty, repeated or not a single path segment", i, r.Name))
		}
		seen[r.Name] = true
		if r.Upstream == nil || (r.Upstream.Scheme != "http" && r.Upstream.Scheme != "https") || r.Upstream.Host == "" {
			errs = append(errs, fmt.Errorf("proxy: route %q: upstream must be an http(s) URL", r.Name))
		}
		if r.MaxBodyBytes < 0 {
			errs = append(errs, fmt.Errorf("proxy: route %q: MaxBodyBytes must not be negative", r.Name))
		}
		for _, h := range r.ForwardHeaders {
			if err := CheckForwardHeader(h); err != nil {
				errs = append(errs, fmt.Errorf("proxy: route %q: ForwardHeaders: %w", r.Name, err))
			}
		}
		if r.WebSocket && o.SessionCheck == nil {
			errs = append(errs, fmt.Errorf("proxy: route %q: WebSocket needs SessionCheck, which bounds a tunnel by its session", r.Name))
		}
	}
	return errors.Join(errs...)
}

// NewTransport is the shared upstream transport: pooled keep-alive
// connections and bounded connection setup. Compression is left to the
// browser and the upstream: the proxy passes Accept-Encoding through and
// never asks for gzip itself only to inflate the answer again.
func NewTransport() *http.Transport {
	return &http.Transport{
		DisableCompression:    true,
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Proxy serves /api/<route>/*.
type Proxy struct {
	opts    Options
	routes  map[string]*routeProxy
	buffers bufferPool
}

type routeProxy struct {
	route Route
	rp    *httputil.ReverseProxy
	// transportTimed: the route's own Transport enforces Timeout, so a call
	// needs no timer of its own.
	transportTimed bool
}

type forwardKey struct{}

// forward is one API call's state, from ServeHTTP to the ReverseProxy hooks,
// under a single context value.
type forward struct {
	// subPath is the escaped path below /api/<route>.
	subPath string
	// headerTimer cancels the call when the upstream's headers are late.
	headerTimer *time.Timer
	body        *clientBody
	// tunnel is set for a WebSocket handshake on a route that allows one.
	tunnel *tunnel
}

func forwardFrom(ctx context.Context) *forward {
	f, _ := ctx.Value(forwardKey{}).(*forward)
	if f == nil {
		return &forward{}
	}
	return f
}

// New validates opts and builds one ReverseProxy per route.
func New(opts Options) (*Proxy, error) {
	opts.Defaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	p := &Proxy{opts: opts, routes: map[string]*routeProxy{}}
	for _, r := range opts.Routes {
		transport, timed := routeTransport(opts.Transport, r.Timeout)
		p.routes[r.Name] = &routeProxy{route: r, rp: p.reverseProxy(r, transport), transportTimed: timed}
	}
	return p, nil
}

// ServeHTTP routes, authorizes, bounds and forwards one API call.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, sub, ok := screen(w, r)
	if !ok {
		return
	}
	rt, found := p.routes[name]
	if !found {
		middleware.WriteError(w, http.StatusNotFound, middleware.CodeRouteNotFound, "no API route is configured under /api/"+sanitizeName(name))
		return
	}
	principal, ok := p.opts.Principal(r.Context())
	if !ok || principal.AccessToken == "" {
		middleware.WriteError(w, http.StatusUnauthorized, middleware.CodeUnauthenticated, "sign in to continue")
		return
	}
	if !authorized(rt.route, principal) {
		middleware.WriteError(w, http.StatusForbidden, middleware.CodeForbidden, "you are not allowed to use this API")
		return
	}
	if r.ContentLength > rt.route.MaxBodyBytes {
		middleware.WriteError(w, http.StatusRequestEntityTooLarge, middleware.CodePayloadTooLarge, fmt.Sprintf("the request body exceeds %d bytes", rt.route.MaxBodyBytes))
		return
	}
	f := &forward{subPath: sub}
	if r.Body != nil && r.Body != http.NoBody {
		f.body = &clientBody{ReadCloser: http.MaxBytesReader(w, r.Body, rt.route.MaxBodyBytes)}
		r.Body = f.body
	}
	if rt.route.WebSocket && middleware.IsWebSocketHandshake(r) {
		// net/http clears the connection's deadlines when ReverseProxy
		// hijacks it, so the server's ReadTimeout does not cut the tunnel;
		// the watcher bounds it instead.
		f.tunnel = &tunnel{expires: principal.SessionExpiresAt}
	}
	ctx := r.Context()
	if !rt.transportTimed || f.tunnel != nil {
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		if f.tunnel != nil {
			f.tunnel.close = cancel
		}
		if !rt.transportTimed {
			f.headerTimer = time.AfterFunc(rt.route.Timeout, func() { cancel(errUpstreamTimeout) })
			defer f.headerTimer.Stop()
		}
	}
	rt.rp.ServeHTTP(w, r.WithContext(context.WithValue(ctx, forwardKey{}, f)))
}

// routeTransport gives a route whose calls go through an *http.Transport a
// copy with ResponseHeaderTimeout set to the route's timeout, so the wait for
// headers is bounded without a timer per call. Other RoundTrippers are used
// as they are, and ServeHTTP times their calls itself.
func routeTransport(rt http.RoundTripper, timeout time.Duration) (http.RoundTripper, bool) {
	t, ok := rt.(*http.Transport)
	if !ok {
		return rt, false
	}
	t = t.Clone()
	t.ResponseHeaderTimeout = timeout
	return t, true
}

var errUpstreamTimeout = errors.New("proxy: upstream timeout")

func authorized(rt Route, p Principal) bool {
	if len(rt.Groups) > 0 && !slices.ContainsFunc(rt.Groups, func(g string) bool { return slices.Contains(p.Groups, g) }) {
		return false
	}
	for _, s := range rt.Scopes {
		if !slices.Contains(p.Scopes, s) {
			return false
		}
	}
	return true
}
