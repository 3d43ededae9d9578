// Package auth is the BFF's OIDC side: login with PKCE, the callback that
// creates a session, the user endpoint, logout with token revocation,
// back-channel logout, and token refresh before expiry.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Endpoints are the IdP's URLs.
type Endpoints struct {
	Issuer     string
	Auth       string
	Token      string
	JWKS       string
	Revocation string
	// EndSession is the OIDC end_session_endpoint; empty for Cognito.
	EndSession string
	// CognitoLogout is Cognito's /logout; empty for other IdPs.
	CognitoLogout string
}

// IdP resolves the provider's endpoints lazily (discovery on first use, none
// for Cognito) and keeps the verifier and key set it builds from them.
type IdP struct {
	issuer        string
	cognitoDomain string
	clientID      string
	httpClient    *http.Client

	mu       sync.Mutex
	resolved *resolvedIdP
}

type resolvedIdP struct {
	endpoints Endpoints
	verifier  *oidc.IDTokenVerifier
	keys      oidc.KeySet
}

// NewIdP makes no network call; the first login or token check does.
func NewIdP(issuer, cognitoDomain, clientID string, httpClient *http.Client) *IdP {
	return &IdP{issuer: strings.TrimSuffix(issuer, "/"), cognitoDomain: strings.TrimSuffix(cognitoDomain, "/"), clientID: clientID, httpClient: httpClient}
}

// ErrIdPUnavailable wraps failures to reach the IdP.
var ErrIdPUnavailable = errors.New("auth: identity provider unavailable")

func (p *IdP) resolve(ctx context.Context) (*resolvedIdP, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resolved != nil {
		return p.resolved, nil
	}
	// The key set outlives this request: it refetches keys on rotation.
	keyCtx := oidc.ClientContext(context.Background(), p.httpClient)
	var r resolvedIdP
	if p.cognitoDomain != "" {
		r.endpoints = Endpoints{
			Issuer:        p.issuer,
			Auth:          p.cognitoDomain + "/oauth2/authorize",
			Token:         p.cognitoDomain + "/oauth2/token",
			JWKS:          p.issuer + "/.well-known/jwks.json",
			Revocation:    p.cognitoDomain + "/oauth2/revoke",
			CognitoLogout: p.cognitoDomain + "/logout",
		}
	} else {
		discovered, err := oidc.NewProvider(oidc.ClientContext(ctx, p.httpClient), p.issuer)
		if err != nil {
			return nil, fmt.Errorf("%w: discovery: %w", ErrIdPUnavailable, err)
		}
		var extra struct {
			JWKS       string `json:"jwks_uri"`
			Revocation string `json:"revocation_endpoint"`
			EndSession string `json:"end_session_endpoint"`
		}
		if err := discovered.Claims(&extra); err != nil {
			return nil, fmt.Errorf("%w: discovery document: %w", ErrIdPUnavailable, err)
		}
		ep := discovered.Endpoint()
		r.endpoints = Endpoints{Issuer: p.issuer, Auth: ep.AuthURL, Token: ep.TokenURL, JWKS: extra.JWKS, Revocation: extra.Revocation, EndSession: extra.EndSession}
	}
	r.keys = oidc.NewRemoteKeySet(keyCtx, r.endpoints.JWKS)
	r.verifier = oidc.NewVerifier(r.endpoints.Issuer, r.keys, &oidc.Config{ClientID: p.clientID, SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256, oidc.PS256}})
	p.resolved = &r
	return p.resolved, nil
}

// Endpoints returns the resolved endpoints.
func (p *IdP) Endpoints(ctx context.Context) (Endpoints, error) {
	r, err := p.resolve(ctx)
	if err != nil {
		return Endpoints{}, err
	}
	return r.endpoints, nil
}

// OAuth2Config builds the code-flow client for the given secret.
func (p *IdP) OAuth2Config(ctx context.Context, secret, redirectURL string, scopes []string) (*oauth2.Config, error) {
	ep, err := p.Endpoints(ctx)
	if err != nil {
		return nil, err
	}
	return &oauth2.Config{
		ClientID:     p.clientID,
		ClientSecret: secret,
		RedirectURL:  redirectURL,
		Scopes:       scopes,
		Endpoint:     oauth2.Endpoint{AuthURL: ep.Auth, TokenURL: ep.Token, AuthStyle: oauth2.AuthStyleInHeader},
	}, nil
}

// VerifyIDToken checks signature, issuer, audience and expiry.
func (p *IdP) VerifyIDToken(ctx context.Context, raw string) (*oidc.IDToken, error) {
	r, err := p.resolve(ctx)
	if err != nil {
		return nil, err
	}
	return r.verifier.Verify(oidc.ClientContext(ctx, p.httpClient), raw)
}

// VerifySignature checks a JWT's signature against the IdP's keys only.
func (p *IdP) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	r, err := p.resolve(ctx)
	if err != nil {
		return nil, err
	}
	return r.keys.VerifySignature(oidc.ClientContext(ctx, p.httpClient), raw)
}

// Revoke revokes a refresh token (RFC 7009; Cognito's /oauth2/revoke is the same shape).
func (p *IdP) Revoke(ctx context.Context, secret, refreshToken string) error {
	ep, err := p.Endpoints(ctx)
	if err != nil {
		return err
	}
	if ep.Revocation == "" || refreshToken == "" {
		return nil
	}
	form := url.Values{"token": {refreshToken}, "token_type_hint": {"refresh_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.Revocation, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("auth: revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(p.clientID), url.QueryEscape(secret))
	resp, err := p.httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("%w: revoke: %w", ErrIdPUnavailable, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("auth: revoke: status %d", resp.StatusCode)
	}
	return nil
}

// LogoutURL is where the browser goes to end the IdP session. It names the
// client instead of sending id_token_hint: the URL passes through the SPA, and
// no token may reach the browser.
func (p *IdP) LogoutURL(ctx context.Context, postLogoutURL string) (string, error) {
	ep, err := p.Endpoints(ctx)
	if err != nil {
		return "", err
	}
	switch {
	case ep.CognitoLogout != "":
		return ep.CognitoLogout + "?" + url.Values{"client_id": {p.clientID}, "logout_uri": {postLogoutURL}}.Encode(), nil
	case ep.EndSession != "":
		return ep.EndSession + "?" + url.Values{"client_id": {p.clientID}, "post_logout_redirect_uri": {postLogoutURL}}.Encode(), nil
	default:
		return postLogoutURL, nil
	}
}

// NewHTTPClient is the client for IdP calls: bounded time, no redirects.
func NewHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
