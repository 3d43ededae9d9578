package auth

import (
	"context"
	"errors"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/bff/middleware"
	"github.com/gatehouse/gatehouse/bff/session"
)

// guardKey keys the one context value the guards store: the guarded struct.
type guardKey struct{}

// guarded is what RequireSession and RequireAccessToken hand downstream.
// Both live in one value, so the proxy path adds one context layer, not two.
type guarded struct {
	session *session.Session
	// principal is set by RequireAccessToken only; hasPrincipal tells it
	// apart from a zero Principal.
	principal    Principal
	hasPrincipal bool
}

func guardedFrom(ctx context.Context) (*guarded, bool) {
	g, ok := ctx.Value(guardKey{}).(*guarded)
	return g, ok && g != nil
}

// SessionFrom returns the session stored by RequireSession or RequireAccessToken.
func SessionFrom(ctx context.Context) (*session.Session, bool) {
	if g, ok := guardedFrom(ctx); ok {
		return g.session, true
	}
	return nil, false
}

// RequireSession loads the session named by the cookie and enforces its
// certificate binding. API callers get JSON 401/403/503, never a redirect.
// A store outage answers 503 and leaves the session alone.
func (h *Handler) RequireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := h.loadSession(w, r)
		if !ok {
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), guardKey{}, &guarded{session: s})))
	})
}

func (h *Handler) loadSession(w http.ResponseWriter, r *http.Request) (*session.Session, bool) {
	// No deadline here: the stores bound their own calls (the Redis
	// client's timeouts, the DynamoDB store's CallTimeout), and a timer on
	// every request would cost the memory store for nothing.
	ctx := r.Context()
	s, err := h.opts.Sessions.Load(ctx, r)
	switch {
	case err == nil:
	case errors.Is(err, session.ErrNoSession):
		if _, cerr := r.Cookie(h.opts.Sessions.Options().CookieName); cerr == nil {
			h.log(ctx).Info("session refused", "reason", err.Error())
			h.opts.Sessions.ClearCookie(w)
		}
		middleware.WriteError(w, http.StatusUnauthorized, middleware.CodeUnauthenticated, "sign in to continue")
		return nil, false
	case errors.Is(err, session.ErrUnavailable):
		h.log(ctx).Error("session store unavailable", "error", err)
		middleware.WriteError(w, http.StatusServiceUnavailable, middleware.CodeSessionStoreUnavailable, "sessions are temporarily unavailable; retry shortly")
		return nil, false
	default:
		h.log(ctx).Error("session load failed", "error", err)
		middleware.WriteError(w, http.StatusInternalServerError, middleware.CodeInternal, "the session could not be read")
		return nil, false
	}
	if h.opts.BindCertificate || s.CertThumbprint() != "" {
		thumb := ""
		if cert, ok := middleware.ClientCertFrom(ctx); ok {
			thumb = cert.Thumbprint
		}
		if !s.BoundTo(thumb) {
			h.log(ctx).Warn("session used with another client certificate; ending it", "sub", s.Subject())
			if err := h.opts.Sessions.Destroy(ctx, w, s); err != nil {
				h.log(ctx).Error("ending mismatched session failed", "error", err)
			}
			middleware.WriteError(w, http.StatusForbidden, middleware.CodeCertificateMismatch, "this session belongs to another client certificate")
			return nil, false
		}
	}
	return s, true
}

// User answers the signed-in user's display claims, groups and session
// deadlines. Tokens never leave the server.
func (h *Handler) User(w http.ResponseWriter, r *http.Request) {
	s, ok := SessionFrom(r.Context())
	if !ok {
		middleware.WriteError(w, http.StatusUnauthorized, middleware.CodeUnauthenticated, "sign in to continue")
		return
	}
	body := map[string]any{
		"sub":               s.Subject(),
		"claims":            s.Claims(),
		"groups":            s.Groups(),
		"expiresAt":         s.ExpiresAt().UTC().Format(time.RFC3339),
		"idleExpiresAt":     s.IdleExpiresAt().UTC().Format(time.RFC3339),
		"absoluteExpiresAt": s.AbsoluteExpiresAt().UTC().Format(time.RFC3339),
	}
	if cert, ok := middleware.ClientCertFrom(r.Context()); ok {
		body["certificate"] = map[string]any{"subject": cert.Subject, "issuer": cert.Issuer, "upn": cert.UPN, "uuid": cert.UUID, "notAfter": cert.NotAfter.UTC().Format(time.RFC3339)}
	}
	middleware.WriteJSON(w, http.StatusOK, body)
}

func (h *Handler) oauthContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, h.opts.IdP.opts.HTTPClient)
}
