package auth

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/bff/middleware"
	"github.com/gatehouse/gatehouse/bff/session"
)

// idClaims are the ID token claims the BFF keeps.
type idClaims struct {
	Subject           string   `json:"sub"`
	SessionID         string   `json:"sid"`
	Nonce             string   `json:"nonce"`
	Email             string   `json:"email"`
	Name              string   `json:"name"`
	PreferredUsername string   `json:"preferred_username"`
	CognitoUsername   string   `json:"cognito:username"`
	Groups            []string `json:"groups"`
	CognitoGroups     []string `json:"cognito:groups"`
}

// Callback completes the login: it checks state, exchanges the code with the
// PKCE verifier, verifies the ID token and nonce, and creates the session.
func (h *Handler) Callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	log := h.log(ctx)
	st, err := h.readLoginState(r)
	h.clearLoginCookie(w)
	if err != nil {
		log.Warn("callback: login state refused", "reason", err.Error())
		writeBrowserError(w, r, http.StatusBadRequest, middleware.CodeInvalidState, "This sign-in link is invalid or has expired.")
		return
	}
	q := r.URL.Query()
	if idpErr := q.Get("error"); idpErr != "" {
		log.Warn("callback: identity provider refused the login", "idp_error", truncate(idpErr, 64))
		writeBrowserError(w, r, http.StatusBadRequest, codeLoginFailed, "The sign-in was cancelled or refused.")
		return
	}
	code := q.Get("code")
	if code == "" {
		writeBrowserError(w, r, http.StatusBadRequest, middleware.CodeInvalidRequest, "The sign-in response is incomplete.")
		return
	}
	var tok *oauth2.Token
	err = h.withClientSecret(ctx, func(cfg *oauth2.Config) error {
		var err error
		tok, err = cfg.Exchange(h.oauthContext(ctx), code, oauth2.VerifierOption(st.Verifier))
		return err
	})
	switch {
	case errors.Is(err, errSecretUnavailable):
		log.Error("callback: client secret unavailable", "error", err)
		writeBrowserError(w, r, http.StatusServiceUnavailable, middleware.CodeIdPUnavailable, "Sign-in is not available right now.")
		return
	case loginRefused(err):
		log.Warn("callback: code exchange refused", "answer", tokenErrorSummary(err))
		writeBrowserError(w, r, http.StatusBadRequest, codeLoginFailed, "The sign-in could not be completed.")
		return
	case err != nil:
		log.Error("callback: code exchange failed", "error", tokenErrorSummary(err))
		writeBrowserError(w, r, http.StatusBadGateway, middleware.CodeIdPUnavailable, "The sign-in service could not be reached.")
		return
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := h.opts.IdP.VerifyIDToken(ctx, rawID)
	if errors.Is(err, ErrIdPUnavailable) {
		log.Error("callback: identity provider keys unavailable", "error", err)
		writeBrowserError(w, r, http.StatusBadGateway, middleware.CodeIdPUnavailable, "The sign-in service could not be reached.")
		return
	}
	if err != nil {
		log.Warn("callback: ID token refused", "reason", err.Error())
		writeBrowserError(w, r, http.StatusUnauthorized, middleware.CodeInvalidToken, "The identity provider's answer could not be verified.")
		return
	}
	// at_hash, when present, ties the access token to this ID token.
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			log.Warn("callback: access token does not match the ID token's at_hash")
			writeBrowserError(w, r, http.StatusUnauthorized, middleware.CodeInvalidToken, "The identity provider's answer could not be verified.")
			return
		}
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil || c.Subject == "" {
		writeBrowserError(w, r, http.StatusUnauthorized, middleware.CodeInvalidToken, "The identity provider's answer could not be verified.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(c.Nonce), []byte(st.Nonce)) != 1 {
		log.Warn("callback: nonce mismatch")
		writeBrowserError(w, r, http.StatusUnauthorized, codeInvalidNonce, "The identity provider's answer does not belong to this sign-in.")
		return
	}
	ns := session.NewSession{
		Subject:      c.Subject,
		IdPSessionID: c.SessionID,
		Claims:       displayClaims(c, grantedScope(tok)),
		Groups:       groupsOf(c),
		Tokens:       h.tokensFrom(tok, rawID),
	}
	if h.opts.BindCertificate {
		cert, ok := middleware.ClientCertFrom(ctx)
		if !ok {
			writeBrowserError(w, r, http.StatusForbidden, middleware.CodeCertificateRequired, "A client certificate is required.")
			return
		}
		ns.CertThumbprint = cert.Thumbprint
	}
	s, err := h.opts.Sessions.Create(ctx, w, ns)
	if err != nil {
		log.Error("callback: session not created", "error", err)
		status, code := http.StatusInternalServerError, middleware.CodeInternal
		if errors.Is(err, session.ErrUnavailable) {
			status, code = http.StatusServiceUnavailable, middleware.CodeSessionStoreUnavailable
		}
		writeBrowserError(w, r, status, code, "Your session could not be started. Please try again shortly.")
		return
	}
	// A new login replaces any session this browser already had.
	if err := h.opts.Sessions.EndReplaced(ctx, r, s); err != nil {
		log.Warn("login: previous session not deleted", "error", err)
	}
	log.Info("login", "sub", c.Subject, "session", s.Key()[:12])
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, st.ReturnTo, http.StatusFound)
}

// loginRefused tells a refusal of this sign-in (an expired or replayed
// code, a wrong PKCE verifier: try again) from the service failing (a 429,
// a WAF, a server error, or a client secret the IdP no longer accepts).
func loginRefused(err error) bool {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil || re.ErrorCode == "" || refusedAs(err, "invalid_client") {
		return false
	}
	return re.Response.StatusCode == http.StatusBadRequest || re.Response.StatusCode == http.StatusUnauthorized
}

func (h *Handler) tokensFrom(tok *oauth2.Token, rawID string) session.Tokens {
	// oauth2 dates expires_in by the wall clock; re-date it by ours so every
	// deadline in a session comes from one clock.
	lifetime := 5 * time.Minute // no expires_in: assume a short life so refresh keeps it current
	if !tok.Expiry.IsZero() {
		lifetime = time.Until(tok.Expiry)
	}
	expiry := h.opts.Now().Add(lifetime)
	return session.Tokens{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, IDToken: rawID, Expiry: expiry}
}

// displayClaims are the claims a session keeps from an ID token, plus the
// granted scope.
func displayClaims(c idClaims, scope string) map[string]string {
	m := map[string]string{}
	setClaim(m, "email", c.Email)
	setClaim(m, "name", c.Name)
	setClaim(m, "preferred_username", c.PreferredUsername)
	if c.PreferredUsername == "" {
		setClaim(m, "preferred_username", c.CognitoUsername)
	}
	setClaim(m, "scope", scope)
	return m
}

// grantedScope is the token response's scope or, when the IdP leaves it out
// (Cognito does), the access token's own scope claim. The token came straight
// from the token endpoint over TLS; upstreams still verify it themselves.
func grantedScope(tok *oauth2.Token) string {
	if scope, _ := tok.Extra("scope").(string); scope != "" {
		return scope
	}
	parts := strings.Split(tok.AccessToken, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Scope string   `json:"scope"`
		Scp   []string `json:"scp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	if claims.Scope != "" {
		return claims.Scope
	}
	return strings.Join(claims.Scp, " ")
}

func groupsOf(c idClaims) []string {
	if len(c.CognitoGroups) > 0 {
		return c.CognitoGroups
	}
	if c.Groups == nil {
		return []string{}
	}
	return c.Groups
}

func truncate(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, s)
	if len(s) > n {
		return s[:n]
	}
	return s
}
