// Package auth is the BFF's OIDC side: login with PKCE, the callback that
// creates a session, the user endpoint, logout with token revocation,
// back-channel logout, and token refresh before expiry.
package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
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
	opts IdPOptions

	mu       sync.Mutex
	resolved *resolvedIdP
}

type resolvedIdP struct {
	endpoints Endpoints
	verifier  *oidc.IDTokenVerifier
	keys      *keySet
}

// IdPOptions configure an IdP.
type IdPOptions struct {
	// Issuer is the OIDC issuer URL. Required.
	Issuer string
	// CognitoDomain is the Cognito hosted-UI base URL; when set, Cognito's
	// fixed endpoints are used and no discovery call is made. Defaults to "".
	CognitoDomain string
	// ClientID is the confidential client's id. Required.
	ClientID string
	// JWKSURL, with CognitoDomain, is where the signing keys are read instead
	// of <Issuer>/.well-known/jwks.json: in GovCloud the issuer names
	// cognito-idp.<region> while only the FIPS host answers. Defaults to "".
	JWKSURL string
	// HTTPClient calls the IdP. Defaults to NewHTTPClient(10 * time.Second).
	HTTPClient *http.Client
	// Now dates token expiry checks and paces key fetches. Defaults to time.Now.
	Now func() time.Time
	// KeyRefetch is the least time between two fetches of the IdP's keys
	// that tokens from anyone (back-channel logout) may cause. Defaults to 1m.
	KeyRefetch time.Duration
}

// Defaults fills unset fields.
func (o *IdPOptions) Defaults() {
	o.Issuer = strings.TrimSuffix(o.Issuer, "/")
	o.CognitoDomain = strings.TrimSuffix(o.CognitoDomain, "/")
	if o.HTTPClient == nil {
		o.HTTPClient = NewHTTPClient(10 * time.Second)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.KeyRefetch == 0 {
		o.KeyRefetch = time.Minute
	}
}

// NewIdP makes no network call; the first login or token check does.
func NewIdP(opts IdPOptions) *IdP {
	opts.Defaults()
	return &IdP{opts: opts}
}

// ErrIdPUnavailable wraps failures to reach the IdP.
var ErrIdPUnavailable = errors.New("auth: identity provider unavailable")

func (p *IdP) resolve(ctx context.Context) (*resolvedIdP, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resolved != nil {
		return p.resolved, nil
	}
	var r resolvedIdP
	if p.opts.CognitoDomain != "" {
		r.endpoints = Endpoints{
			Issuer:        p.opts.Issuer,
			Auth:          p.opts.CognitoDomain + "/oauth2/authorize",
			Token:         p.opts.CognitoDomain + "/oauth2/token",
			JWKS:          cmp.Or(p.opts.JWKSURL, p.opts.Issuer+"/.well-known/jwks.json"),
			Revocation:    p.opts.CognitoDomain + "/oauth2/revoke",
			CognitoLogout: p.opts.CognitoDomain + "/logout",
		}
	} else {
		discovered, err := oidc.NewProvider(oidc.ClientContext(ctx, p.opts.HTTPClient), p.opts.Issuer)
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
		r.endpoints = Endpoints{Issuer: p.opts.Issuer, Auth: ep.AuthURL, Token: ep.TokenURL, JWKS: extra.JWKS, Revocation: extra.Revocation, EndSession: extra.EndSession}
	}
	r.keys = newKeySet(r.endpoints.JWKS, p.opts.HTTPClient, p.opts.Now, p.opts.KeyRefetch)
	algs := make([]string, len(signingAlgs))
	for i, a := range signingAlgs {
		algs[i] = string(a)
	}
	r.verifier = oidc.NewVerifier(r.endpoints.Issuer, r.keys, &oidc.Config{ClientID: p.opts.ClientID, SupportedSigningAlgs: algs, Now: p.opts.Now})
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
		ClientID:     p.opts.ClientID,
		ClientSecret: secret,
		RedirectURL:  redirectURL,
		Scopes:       scopes,
		Endpoint:     oauth2.Endpoint{AuthURL: ep.Auth, TokenURL: ep.Token, AuthStyle: oauth2.AuthStyleInHeader},
	}, nil
}

// VerifyIDToken checks an ID token from the token endpoint: signature
// (fetching the IdP's keys again for a key id it has not seen), issuer,
// audience and expiry. ErrIdPUnavailable means the keys could not be read,
// which says nothing against the token.
func (p *IdP) VerifyIDToken(ctx context.Context, raw string) (*oidc.IDToken, error) {
	r, err := p.resolve(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.resolveKey(ctx, r, raw, fromTokenEndpoint); err != nil {
		return nil, err
	}
	return r.verifier.Verify(ctx, raw)
}

// VerifyLogoutToken checks a back-channel logout token's signature and its
// claims (go-oidc's VerifyLogout: issuer, audience, expiry, the logout
// event, jti, no nonce, sid or sub). The caller has checked the claims it
// can before any key is fetched.
func (p *IdP) VerifyLogoutToken(ctx context.Context, raw string) (*oidc.LogoutToken, error) {
	r, err := p.resolve(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.resolveKey(ctx, r, raw, fromAnyone); err != nil {
		return nil, err
	}
	return r.verifier.VerifyLogout(ctx, raw)
}

func (p *IdP) resolveKey(ctx context.Context, r *resolvedIdP, raw string, origin keyOrigin) error {
	header, _, err := peekJWT(raw)
	if err != nil {
		return err
	}
	return r.keys.resolve(ctx, header.KeyID, origin)
}

// peekJWT parses a compact JWS signed with an accepted algorithm and
// returns its header and its payload, unverified: for checks that must run
// before the key is looked up.
func peekJWT(raw string) (jose.Header, []byte, error) {
	jws, err := jose.ParseSignedCompact(raw, signingAlgs)
	if err != nil {
		return jose.Header{}, nil, fmt.Errorf("auth: malformed token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return jose.Header{}, nil, errors.New("auth: token must carry one signature")
	}
	return jws.Signatures[0].Header, jws.UnsafePayloadWithoutVerification(), nil
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
	req.SetBasicAuth(url.QueryEscape(p.opts.ClientID), url.QueryEscape(secret))
	resp, err := p.opts.HTTPClient.Do(req)
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
		return ep.CognitoLogout + "?" + url.Values{"client_id": {p.opts.ClientID}, "logout_uri": {postLogoutURL}}.Encode(), nil
	case ep.EndSession != "":
		return ep.EndSession + "?" + url.Values{"client_id": {p.opts.ClientID}, "post_logout_redirect_uri": {postLogoutURL}}.Encode(), nil
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
