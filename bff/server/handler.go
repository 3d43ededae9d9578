// Package server assembles the BFF into one http.Handler and serves it
// either as an HTTP server (container, local) or under AWS Lambda.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/bff/auth"
	"github.com/gatehouse/gatehouse/bff/middleware"
	"github.com/gatehouse/gatehouse/bff/proxy"
	"github.com/gatehouse/gatehouse/bff/session"
)

// Parts are the assembled pieces the handler routes between.
type Parts struct {
	Auth     *auth.Handler
	Sessions *session.Manager
	Proxy    *proxy.Proxy
	// SPA serves everything outside /api and /auth; nil answers 404.
	SPA http.Handler
	// Layers, outermost first, wrap the router (see Layers).
	Layers []func(http.Handler) http.Handler
	Logger *slog.Logger
}

// App is the assembled BFF.
type App struct {
	Handler    http.Handler
	draining   atomic.Bool
	closers    []func() error
	storeReady readiness
}

// readyCacheTTL is how long /readyz reuses the session store's last answer,
// so probes and callers hammering it cost the store one ping a second.
const readyCacheTTL = time.Second

// readiness is the session store's last answer to /readyz. One ping runs
// at a time; callers meanwhile wait for its answer.
type readiness struct {
	mu      sync.Mutex
	checked time.Time
	err     error
}

// check pings the store unless an answer younger than readyCacheTTL is
// at hand. The ping does not inherit the caller's cancellation: its answer
// serves everyone waiting.
func (rd *readiness) check(ctx context.Context, sessions *session.Manager) error {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if !rd.checked.IsZero() && time.Since(rd.checked) < readyCacheTTL {
		return rd.err
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	rd.err = sessions.Ping(pctx)
	rd.checked = time.Now()
	return rd.err
}

// SetDraining makes /readyz fail so the load balancer stops sending new
// requests while in-flight ones finish.
func (a *App) SetDraining() { a.draining.Store(true) }

// Close releases stores and files.
func (a *App) Close() error {
	var errs []error
	for _, c := range a.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// NewApp routes requests between the parts. Routing is by hand, not
// http.ServeMux, because ServeMux answers unclean paths with redirects and
// API callers must never get one.
func NewApp(p Parts) *App {
	app := &App{}
	user := p.Auth.RequireSession(http.HandlerFunc(p.Auth.User))
	api := p.Proxy.Screen(p.Auth.RequireAccessToken(p.Proxy))
	router := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch path := r.URL.Path; {
		case path == "/healthz":
			middleware.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		case path == "/readyz":
			app.ready(w, r, p)
		case path == "/auth/login":
			only(w, r, http.MethodGet, p.Auth.Login)
		case path == "/auth/callback":
			only(w, r, http.MethodGet, p.Auth.Callback)
		case path == "/auth/user":
			only(w, r, http.MethodGet, user.ServeHTTP)
		case path == "/auth/logout":
			only(w, r, http.MethodPost, p.Auth.Logout)
		case path == backchannelPath:
			only(w, r, http.MethodPost, p.Auth.Backchannel)
		case path == "/api" || hasPrefix(path, "/api/"):
			api.ServeHTTP(w, r)
		case path == "/auth" || hasPrefix(path, "/auth/"):
			middleware.WriteError(w, http.StatusNotFound, middleware.CodeNotFound, "no such endpoint")
		case p.SPA != nil:
			p.SPA.ServeHTTP(w, r)
		default:
			middleware.WriteError(w, http.StatusNotFound, middleware.CodeNotFound, "not found")
		}
	})
	var h http.Handler = router
	for i := len(p.Layers) - 1; i >= 0; i-- {
		h = p.Layers[i](h)
	}
	app.Handler = h
	return app
}

func (a *App) ready(w http.ResponseWriter, r *http.Request, p Parts) {
	if a.draining.Load() {
		middleware.WriteError(w, http.StatusServiceUnavailable, "draining", "shutting down")
		return
	}
	if err := a.storeReady.check(r.Context(), p.Sessions); err != nil {
		middleware.Logger(r.Context(), p.Logger).Warn("not ready: session store", "error", err)
		middleware.WriteError(w, http.StatusServiceUnavailable, middleware.CodeSessionStoreUnavailable, "the session store is unreachable")
		return
	}
	middleware.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func only(w http.ResponseWriter, r *http.Request, method string, h http.HandlerFunc) {
	if r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
		w.Header().Set("Allow", method)
		middleware.WriteError(w, http.StatusMethodNotAllowed, middleware.CodeMethodNotAllowed, "use "+method)
		return
	}
	h(w, r)
}

// backchannelPath is where the IdP posts logout tokens. The IdP calls it
// server to server: it carries no CSRF header and no client certificate,
// and its signed logout_token is its authentication.
const backchannelPath = "/auth/backchannel-logout"

func hasPrefix(s, prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }

// LayerOptions select the cross-cutting layers.
type LayerOptions struct {
	Logger       *slog.Logger
	PublicURL    *url.URL
	ClientIP     middleware.ClientIPOptions
	OriginVerify *OriginVerifyOptions
	ClientCert   middleware.ClientCertOptions
	RateLimit    middleware.RateLimitOptions
}

// OriginVerifyOptions enable the edge origin check.
type OriginVerifyOptions struct {
	Header  string
	Secrets middleware.SecretsSource
}

// Layers returns the middleware stack, outermost first: client address,
// logging, security headers, origin check, client certificate, rate limit, CSRF.
func Layers(o LayerOptions) []func(http.Handler) http.Handler {
	origin := o.PublicURL.Scheme + "://" + o.PublicURL.Host
	layers := []func(http.Handler) http.Handler{
		func(h http.Handler) http.Handler { return middleware.TrustedClientIPWith(o.ClientIP, h) },
		func(h http.Handler) http.Handler { return middleware.Logging(o.Logger, h) },
		func(h http.Handler) http.Handler { return middleware.SecurityHeaders(o.PublicURL.Scheme == "https", h) },
	}
	if o.OriginVerify != nil {
		ov := *o.OriginVerify
		layers = append(layers, func(h http.Handler) http.Handler { return middleware.OriginVerify(ov.Header, ov.Secrets, o.Logger, h) })
	}
	layers = append(layers,
		func(h http.Handler) http.Handler { return middleware.ClientCertificate(o.ClientCert, h) },
		func(h http.Handler) http.Handler { return middleware.RateLimit(o.RateLimit, h) },
		func(h http.Handler) http.Handler {
			return middleware.CSRF(origin, []string{backchannelPath}, h)
		},
	)
	return layers
}
