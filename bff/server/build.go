package server

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/gatehouse/gatehouse/bff/auth"
	"github.com/gatehouse/gatehouse/bff/config"
	"github.com/gatehouse/gatehouse/bff/middleware"
	"github.com/gatehouse/gatehouse/bff/proxy"
	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/bff/spa"
)

// Deps are the outside things Build needs; tests swap them.
type Deps struct {
	Logger *slog.Logger
	// Store, when set, is used instead of the one named by the configuration.
	Store session.Store
	// DataKey, when set, is used instead of the configured data key.
	DataKey session.KeySource
	// AWS is consulted lazily for DynamoDB, KMS and Secrets Manager.
	AWS AWSClients
	// IdPClient calls the IdP. Defaults to a 10s client without redirects.
	IdPClient *http.Client
	// Transport carries proxied calls. Defaults to proxy.NewTransport().
	Transport http.RoundTripper
	// Now defaults to time.Now.
	Now func() time.Time
	// TouchInterval overrides the session Manager's default (tests).
	TouchInterval time.Duration
	// RefreshSkew overrides the auth default (tests).
	RefreshSkew time.Duration
	// TunnelRecheck overrides how often an open WebSocket tunnel's session
	// is re-read (the proxy's default; tests).
	TunnelRecheck time.Duration
}

// Build assembles the App from the configuration. It makes no network call:
// the IdP, the store, KMS and Secrets Manager are reached on first use.
func Build(cfg *config.Config, deps Deps) (*App, error) {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.IdPClient == nil {
		deps.IdPClient = auth.NewHTTPClient(10 * time.Second)
	}
	if deps.AWS == nil {
		deps.AWS = NewAWSClients(os.Getenv)
	}
	var closers []func() error
	store := deps.Store
	if store == nil {
		s, closer, err := openStore(cfg, deps)
		if err != nil {
			return nil, err
		}
		store, closers = s, append(closers, closer)
	}
	keys := deps.DataKey
	if keys == nil {
		keys = keySource(cfg, deps.AWS)
	}
	sessions, err := session.NewManager(store, session.NewLazySealer(session.PurposeSessionTokens, keys), session.Options{
		CookieName: cfg.CookieName, Insecure: cfg.InsecureCookies,
		IdleTimeout: cfg.IdleTimeout, AbsoluteTimeout: cfg.AbsoluteTimeout,
		TouchInterval: deps.TouchInterval, Clock: deps.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	clientSecret := secretSource(cfg.OIDC.ClientSecret, cfg.OIDC.ClientSecretARN, deps.AWS, deps.Now)
	authH, err := auth.New(auth.Options{
		IdP: auth.NewIdP(auth.IdPOptions{Issuer: cfg.OIDC.Issuer, CognitoDomain: cfg.OIDC.CognitoDomain,
			ClientID: cfg.OIDC.ClientID, JWKSURL: cfg.OIDC.JWKSURL, HTTPClient: deps.IdPClient, Now: deps.Now}),
		Sessions: sessions, Sealer: session.NewLazySealer(session.PurposeLoginState, keys), ClientSecret: clientSecret,
		RedirectURL: cfg.RedirectURL(), PostLogoutURL: cfg.PostLogoutURL, Scopes: cfg.OIDC.Scopes,
		Insecure: cfg.InsecureCookies, BindCertificate: cfg.MTLS != config.MTLSOff,
		RefreshSkew: deps.RefreshSkew, Logger: deps.Logger, Now: deps.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	px, err := proxy.New(proxy.Options{
		Routes: proxyRoutes(cfg.Routes), PublicURL: cfg.PublicURL, Transport: deps.Transport, Logger: deps.Logger,
		Principal: func(ctx context.Context) (proxy.Principal, bool) {
			p, ok := auth.PrincipalFrom(ctx)
			out := proxy.Principal{AccessToken: p.AccessToken, Groups: p.Groups, Scopes: p.Scopes}
			if s, found := auth.SessionFrom(ctx); found {
				out.SessionExpiresAt = s.ExpiresAt()
			}
			return out, ok
		},
		SessionCheck:  sessionCheck(sessions),
		TunnelRecheck: deps.TunnelRecheck, Now: deps.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	var static http.Handler
	if cfg.SPADir != "" {
		h, err := spa.New(cfg.SPADir)
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		static, closers = h, append(closers, h.Close)
	}
	layers, err := layerOptions(cfg, deps, sessions)
	if err != nil {
		return nil, err
	}
	app := NewApp(Parts{Auth: authH, Sessions: sessions, Proxy: px, SPA: static, Layers: Layers(layers), Logger: deps.Logger})
	app.closers = closers
	return app, nil
}

func layerOptions(cfg *config.Config, deps Deps, sessions *session.Manager) (LayerOptions, error) {
	// Health probes come from the load balancer without a certificate, and
	// so does the IdP's back-channel logout, whose token is signed.
	certExempt := []string{"/healthz", "/readyz", http.MethodPost + " " + backchannelPath}
	o := LayerOptions{
		Logger: deps.Logger, PublicURL: cfg.PublicURL, ClientIP: clientIPOptions(cfg.Mode),
		ClientCert: middleware.ClientCertOptions{Mode: middleware.ClientCertMode(cfg.MTLS), Exempt: certExempt, Now: deps.Now},
		// Only liveness is exempt: /readyz reaches the session store.
		RateLimit: middleware.RateLimitOptions{PerIP: cfg.RateLimitPerIP, PerSession: cfg.RateLimitPerSession,
			CookieName: sessions.Options().CookieName, Exempt: []string{"/healthz"}, Now: deps.Now},
	}
	if cfg.Mode == config.ModeEdge {
		o.OriginVerify = &OriginVerifyOptions{Header: cfg.OriginVerifyHeader, Secrets: rotatingSecretSource(cfg.OriginVerifySecret, cfg.OriginVerifySecretARN, deps.AWS)}
	}
	if cfg.MTLS == config.MTLSPassthrough {
		pemBytes, err := os.ReadFile(cfg.MTLSTrustBundle)
		if err != nil {
			return o, fmt.Errorf("server: GATEHOUSE_MTLS_TRUST_BUNDLE: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pemBytes) {
			return o, errors.New("server: GATEHOUSE_MTLS_TRUST_BUNDLE holds no PEM certificate")
		}
		o.ClientCert.Roots = roots
	}
	return o, nil
}

// clientIPOptions: the ALB appends one X-Forwarded-For entry; CloudFront and
// API Gateway append two, and CloudFront can send the viewer address itself.
func clientIPOptions(mode config.Mode) middleware.ClientIPOptions {
	switch mode {
	case config.ModeRegional:
		return middleware.ClientIPOptions{ProxyHops: 1}
	case config.ModeEdge:
		return middleware.ClientIPOptions{ProxyHops: 2, ViewerAddressHeader: "CloudFront-Viewer-Address"}
	}
	return middleware.ClientIPOptions{}
}

// sessionCheck re-reads the session a tunnel was opened with, without
// sliding its idle deadline: holding a tunnel open is not activity.
func sessionCheck(sessions *session.Manager) func(ctx context.Context) (time.Time, error) {
	return func(ctx context.Context) (time.Time, error) {
		s, ok := auth.SessionFrom(ctx)
		if !ok {
			return time.Time{}, proxy.ErrSessionEnded
		}
		fresh, err := sessions.Reload(ctx, s)
		switch {
		case errors.Is(err, session.ErrNoSession):
			return time.Time{}, fmt.Errorf("%w: %w", proxy.ErrSessionEnded, err)
		case err != nil:
			return time.Time{}, err
		}
		return fresh.ExpiresAt(), nil
	}
}

func proxyRoutes(in []config.Route) []proxy.Route {
	out := make([]proxy.Route, 0, len(in))
	for _, r := range in {
		out = append(out, proxy.Route{Name: r.Name, Upstream: r.Upstream, Groups: r.Groups, Scopes: r.Scopes, Timeout: r.Timeout,
			MaxBodyBytes: r.MaxBodyBytes, ForwardHeaders: r.ForwardHeaders, WebSocket: r.WebSocket})
	}
	return out
}
