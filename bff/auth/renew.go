package auth

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/bff/session"
)

var errRenewalRefused = errors.New("auth: refreshed ID token refused")

// renewal turns a refresh grant's answer into what the session keeps. When
// the answer carries an ID token, it is checked as OpenID Connect Core
// §12.2 asks (signature, issuer, audience, expiry, the same subject, and
// at_hash when present), and the groups and display claims come from it,
// so a user removed from a group loses it at the next refresh. An ID token
// that fails is an error: the session ends. When the IdP's keys cannot be
// read, the new tokens are kept with the previous ID token and principal,
// which the next refresh checks again; losing a rotated refresh token would
// end the session for an outage. Without an ID token, groups and claims stay
// and only the scope follows the answer.
func (h *Handler) renewal(ctx context.Context, cur *session.Session, tok *oauth2.Token, old session.Tokens) (session.Renewal, error) {
	r := session.Renewal{Tokens: h.tokensFrom(tok, old.IDToken)}
	// A refresh answer without scope grants the scope it had (RFC 6749 §5.1).
	scope := grantedScope(tok)
	if scope == "" {
		scope = cur.Claim("scope")
	}
	// Groups stay; the claims are the session's with the scope of this answer.
	keep := func() session.Renewal {
		r.Claims = cur.Claims()
		if r.Claims == nil {
			r.Claims = map[string]string{}
		}
		setClaim(r.Claims, "scope", scope)
		return r
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return keep(), nil
	}
	idt, err := h.opts.IdP.VerifyIDToken(ctx, rawID)
	switch {
	case errors.Is(err, ErrIdPUnavailable):
		h.log(ctx).Warn("refresh: ID token not checked, the IdP's keys are unavailable; groups and claims kept until the next refresh", "sub", cur.Subject(), "error", err)
		return keep(), nil
	case err != nil:
		return session.Renewal{}, fmt.Errorf("%w: %w", errRenewalRefused, err)
	case idt.Subject != cur.Subject():
		return session.Renewal{}, fmt.Errorf("%w: subject changed", errRenewalRefused)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return session.Renewal{}, fmt.Errorf("%w: at_hash does not match the access token", errRenewalRefused)
		}
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return session.Renewal{}, fmt.Errorf("%w: claims: %w", errRenewalRefused, err)
	}
	r.Tokens.IDToken = rawID
	r.Claims = displayClaims(c, scope)
	r.Groups = groupsOf(c)
	return r, nil
}

func setClaim(m map[string]string, k, v string) {
	if v == "" {
		delete(m, k)
		return
	}
	m[k] = v
}
