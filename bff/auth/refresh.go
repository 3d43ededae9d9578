package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/bff/middleware"
	"github.com/gatehouse/gatehouse/bff/session"
)

// Principal is what a proxied call needs from the session.
type Principal struct {
	Subject     string
	Groups      []string
	Scopes      []string
	AccessToken string
}

// String keeps the access token out of fmt output.
func (p Principal) String() string { return "auth.Principal{sub=" + p.Subject + ", token=redacted}" }

// LogValue keeps the access token out of logs.
func (p Principal) LogValue() slog.Value {
	return slog.GroupValue(slog.String("sub", p.Subject), slog.Any("groups", p.Groups))
}

// PrincipalFrom returns the principal stored by RequireAccessToken.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	if g, ok := guardedFrom(ctx); ok && g.hasPrincipal {
		return g.principal, true
	}
	return Principal{}, false
}

// RequireAccessToken loads the session (as RequireSession does), refreshes
// its tokens when they near expiry, and stores the Principal for the proxy.
// After a refresh, session and principal are the renewed ones.
func (h *Handler) RequireAccessToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		s, ok := h.loadSession(w, r)
		if !ok {
			return
		}
		s, accessToken, err := h.freshAccessToken(ctx, s)
		if err != nil {
			h.writeTokenError(ctx, w, s, err)
			return
		}
		g := &guarded{session: s, hasPrincipal: true, principal: Principal{
			Subject: s.Subject(), Groups: s.Groups(), Scopes: strings.Fields(s.Claim("scope")), AccessToken: accessToken,
		}}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, guardKey{}, g)))
	})
}

// freshAccessToken is fresh for a caller that needs only the access
// token: unless a refresh is due, it decodes nothing else.
func (h *Handler) freshAccessToken(ctx context.Context, s *session.Session) (*session.Session, string, error) {
	if !h.needsRefresh(s) {
		at, err := h.opts.Sessions.AccessToken(ctx, s)
		return s, at, err
	}
	s, toks, err := h.fresh(ctx, s)
	return s, toks.AccessToken, err
}

// writeTokenError maps a failure to produce fresh tokens to an API answer.
func (h *Handler) writeTokenError(ctx context.Context, w http.ResponseWriter, s *session.Session, err error) {
	switch {
	case errors.Is(err, session.ErrUnsealable):
		// Sealed under a key this instance no longer has: the session is unusable.
		// (Checked before ErrNoSession, which the Manager wraps alongside.)
		h.log(ctx).Warn("session tokens unsealable; ending the session", "sub", s.Subject())
		if derr := h.opts.Sessions.Destroy(ctx, w, s); derr != nil {
			h.log(ctx).Error("ending unsealable session failed", "error", derr)
		}
		middleware.WriteError(w, http.StatusUnauthorized, middleware.CodeUnauthenticated, "the session has ended; sign in again")
	case errors.Is(err, session.ErrNoSession):
		h.opts.Sessions.ClearCookie(w)
		middleware.WriteError(w, http.StatusUnauthorized, middleware.CodeUnauthenticated, "the session has ended; sign in again")
	case errors.Is(err, session.ErrUnavailable):
		h.log(ctx).Error("refresh: session store unavailable", "error", err)
		middleware.WriteError(w, http.StatusServiceUnavailable, middleware.CodeSessionStoreUnavailable, "sessions are temporarily unavailable; retry shortly")
	case errors.Is(err, ErrIdPUnavailable):
		h.log(ctx).Error("refresh failed", "error", err)
		middleware.WriteError(w, http.StatusBadGateway, middleware.CodeIdPUnavailable, "the sign-in service could not renew the session; retry shortly")
	case errors.Is(err, errRefreshBusy):
		w.Header().Set("Retry-After", "1")
		middleware.WriteError(w, http.StatusServiceUnavailable, middleware.CodeIdPUnavailable, "the session is being renewed; retry shortly")
	default:
		h.log(ctx).Error("session tokens unavailable", "error", err)
		middleware.WriteError(w, http.StatusInternalServerError, middleware.CodeInternal, "the session could not be used; retry shortly")
	}
}

func (h *Handler) needsRefresh(s *session.Session) bool {
	return !h.opts.Now().Add(h.opts.RefreshSkew).Before(s.AccessTokenExpiry())
}

// FreshTokens returns the session's tokens, refreshing them first when the
// access token is within RefreshSkew of expiry. Concurrent calls for one
// session share one refresh in this process; across instances the
// session's refresh lease admits one refresher, and the others adopt its
// tokens, so a rotating refresh token is never spent twice.
func (h *Handler) FreshTokens(ctx context.Context, s *session.Session) (session.Tokens, error) {
	_, toks, err := h.fresh(ctx, s)
	return toks, err
}

// renewed is a refresh's outcome, shared by every caller waiting on it:
// they only read the session.
type renewed struct {
	session *session.Session
	tokens  session.Tokens
}

// fresh is FreshTokens that also returns the session the tokens belong to:
// after a refresh, the renewed record with the principal the IdP vouched for.
func (h *Handler) fresh(ctx context.Context, s *session.Session) (*session.Session, session.Tokens, error) {
	if !h.needsRefresh(s) {
		toks, err := h.opts.Sessions.Tokens(ctx, s)
		return s, toks, err
	}
	v, err, _ := h.refresh.Do(s.Key(), func() (any, error) {
		// Shared by every waiter: one caller's cancellation must not fail the rest.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.opts.RefreshLease)
		defer cancel()
		return h.refreshSession(rctx, s)
	})
	if err == nil {
		r := v.(renewed)
		return r.session, r.tokens, nil
	}
	if errors.Is(err, ErrIdPUnavailable) || errors.Is(err, errRefreshBusy) {
		// The access token may still be good for the rest of the skew window.
		if toks, terr := h.opts.Sessions.Tokens(ctx, s); terr == nil && h.opts.Now().Before(toks.Expiry) {
			h.log(ctx).Warn("refresh postponed; using the current access token", "reason", err.Error())
			return s, toks, nil
		}
	}
	return s, session.Tokens{}, err
}

var errRefreshBusy = errors.New("auth: refresh: another instance holds the lease")

func (h *Handler) refreshSession(ctx context.Context, s *session.Session) (renewed, error) {
	deadline := h.opts.Now().Add(h.opts.RefreshLease)
	for {
		cur, err := h.opts.Sessions.Reload(ctx, s)
		if err != nil {
			return renewed{}, err
		}
		if !h.needsRefresh(cur) {
			toks, err := h.opts.Sessions.Tokens(ctx, cur)
			return renewed{cur, toks}, err
		}
		// The lease lasts as long as this refresh may (ctx ends at the same
		// time), so a holder never outlives its lease by more than the
		// clocks of two instances differ.
		release, err := h.opts.Sessions.RefreshLease(ctx, cur, h.opts.RefreshLease)
		switch {
		case err == nil:
			defer func() {
				if err := release(context.WithoutCancel(ctx)); err != nil {
					// The lease lapses at its deadline either way.
					h.log(ctx).Warn("refresh lease not released", "error", err)
				}
			}()
			return h.refreshHeld(ctx, cur)
		case !errors.Is(err, session.ErrLeaseHeld):
			return renewed{}, err
		}
		if h.opts.Now().After(deadline) {
			return renewed{}, errRefreshBusy
		}
		select {
		case <-ctx.Done():
			return renewed{}, errRefreshBusy
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (h *Handler) refreshHeld(ctx context.Context, cur *session.Session) (renewed, error) {
	// The previous holder may have finished between our read and the lease.
	cur, err := h.opts.Sessions.Reload(ctx, cur)
	if err != nil {
		return renewed{}, err
	}
	old, err := h.opts.Sessions.Tokens(ctx, cur)
	if err != nil {
		return renewed{}, err
	}
	if !h.needsRefresh(cur) {
		return renewed{cur, old}, nil
	}
	if old.RefreshToken == "" {
		return renewed{}, h.endSession(ctx, cur, "no refresh token")
	}
	var tok *oauth2.Token
	err = h.withClientSecret(ctx, func(cfg *oauth2.Config) error {
		var err error
		tok, err = cfg.TokenSource(h.oauthContext(ctx), &oauth2.Token{RefreshToken: old.RefreshToken}).Token()
		return err
	})
	switch {
	case refusedAs(err, "invalid_grant"):
		// The one answer that means the grant is gone: expired, revoked, or the user removed.
		return renewed{}, h.endSession(ctx, cur, "refresh token refused (invalid_grant)")
	case errors.Is(err, ErrIdPUnavailable):
		return renewed{}, err
	case err != nil:
		// Throttling, a WAF, a server error, a rejected client or any other
		// answer: the grant may be fine, so the session stays.
		return renewed{}, fmt.Errorf("%w: refresh: token endpoint: %s", ErrIdPUnavailable, tokenErrorSummary(err))
	}
	renewal, err := h.renewal(ctx, cur, tok, old)
	if err != nil {
		// The IdP's answer contradicts the session's identity: nothing of it is kept.
		return renewed{}, h.endSession(ctx, cur, err.Error())
	}
	for attempt := 0; ; attempt++ {
		err = h.opts.Sessions.Renew(ctx, cur, renewal)
		if err == nil {
			h.log(ctx).Info("tokens refreshed", "sub", cur.Subject())
			return renewed{cur, renewal.Tokens}, nil
		}
		// Requests sliding the idle deadline bump the version; we hold the
		// lease, so only they can have written: reload and write again.
		if !errors.Is(err, session.ErrConflict) || attempt == 4 {
			return renewed{}, err
		}
		if cur, err = h.opts.Sessions.Reload(ctx, cur); err != nil {
			return renewed{}, err
		}
	}
}

// endSession ends a session whose refresh the IdP refused for good.
func (h *Handler) endSession(ctx context.Context, s *session.Session, reason string) error {
	h.log(ctx).Warn("session ended: refresh impossible", "sub", s.Subject(), "reason", reason)
	if err := h.opts.Sessions.End(ctx, s); err != nil {
		return fmt.Errorf("auth: end session: %w", err)
	}
	return fmt.Errorf("%w: %s", session.ErrNoSession, reason)
}
