package auth

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/gatehouse/gatehouse/bff/middleware"
	"github.com/gatehouse/gatehouse/bff/session"
)

// Options configure the auth handlers.
type Options struct {
	IdP *IdP
	// Sessions keeps the sessions; its refresh lease lets one instance at
	// a time refresh a session.
	Sessions *session.Manager
	// Sealer seals the short-lived login cookie (state, nonce, PKCE verifier).
	Sealer session.Sealer
	// ClientSecret yields the client secret, possibly fetched lazily, and
	// reads it again when the IdP refuses it.
	ClientSecret  ClientSecret
	RedirectURL   string
	PostLogoutURL string
	Scopes        []string
	// Insecure drops Secure from the login cookie (local http only). Defaults to false.
	Insecure bool
	// BindCertificate binds new sessions to the client certificate (mTLS). Defaults to false.
	BindCertificate bool
	// RefreshSkew refreshes this long before the access token expires. Defaults to 60s.
	RefreshSkew time.Duration
	// RefreshLease bounds one refresh: the IdP call, the write, and the
	// lease that keeps other instances from refreshing meanwhile. Defaults to 15s.
	RefreshLease time.Duration
	// LoginTTL bounds the time between /auth/login and the callback. Defaults to 10m.
	LoginTTL time.Duration
	// StoreTimeout bounds the session-store work of a logout. The lookup on
	// every request is bounded by the store itself (see RequireSession).
	// Defaults to 3s.
	StoreTimeout time.Duration
	Logger       *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
}

// Defaults fills unset fields.
func (o *Options) Defaults() {
	if o.RefreshSkew == 0 {
		o.RefreshSkew = 60 * time.Second
	}
	if o.RefreshLease == 0 {
		o.RefreshLease = 15 * time.Second
	}
	if o.LoginTTL == 0 {
		o.LoginTTL = 10 * time.Minute
	}
	if o.StoreTimeout == 0 {
		o.StoreTimeout = 3 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if len(o.Scopes) == 0 {
		o.Scopes = []string{"openid", "email", "profile"}
	}
}

// Validate reports every missing dependency at once.
func (o *Options) Validate() error {
	var errs []error
	for name, missing := range map[string]bool{
		"IdP": o.IdP == nil, "Sessions": o.Sessions == nil, "Sealer": o.Sealer == nil,
		"ClientSecret": o.ClientSecret == nil, "RedirectURL": o.RedirectURL == "", "PostLogoutURL": o.PostLogoutURL == "",
	} {
		if missing {
			errs = append(errs, fmt.Errorf("auth: %s is required", name))
		}
	}
	return errors.Join(errs...)
}

// Handler serves /auth/* and guards session-backed routes.
type Handler struct {
	opts    Options
	refresh singleflight.Group
}

// New validates opts and returns the handler.
func New(opts Options) (*Handler, error) {
	opts.Defaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &Handler{opts: opts}, nil
}

func (h *Handler) log(ctx context.Context) *slog.Logger { return middleware.Logger(ctx, h.opts.Logger) }

func (h *Handler) secret(ctx context.Context) (string, error) {
	s, err := h.opts.ClientSecret.Secret(ctx)
	if err != nil {
		return "", fmt.Errorf("auth: client secret: %w", err)
	}
	return s, nil
}

// wantsJSON tells API-style callers from browser navigations.
func wantsJSON(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

var errorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in problem</title></head>
<body><main><h1>{{.Title}}</h1><p>{{.Message}}</p><p><a href="/auth/login">Try signing in again</a></p>
<p><small>Error code: {{.Code}}</small></p></main></body></html>`))

// writeBrowserError answers navigations with a plain page and API callers with JSON.
func writeBrowserError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	if wantsJSON(r) {
		middleware.WriteError(w, status, code, message)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	title := "Sign-in could not be completed"
	if status >= 500 {
		title = "The sign-in service is unavailable"
	}
	_ = errorPage.Execute(w, struct{ Title, Message, Code string }{title, message, code})
}
