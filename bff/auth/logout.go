package auth

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/bff/middleware"
	"github.com/gatehouse/gatehouse/bff/session"
)

// Logout (POST, CSRF-checked upstream) deletes the session, revokes the
// refresh token, and answers the IdP logout URL for the SPA to navigate to.
func (h *Handler) Logout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		middleware.WriteError(w, http.StatusMethodNotAllowed, middleware.CodeMethodNotAllowed, "use POST")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.StoreTimeout)
	defer cancel()
	s, err := h.opts.Sessions.Load(ctx, r)
	switch {
	case errors.Is(err, session.ErrNoSession):
		h.opts.Sessions.ClearCookie(w)
		middleware.WriteJSON(w, http.StatusOK, map[string]string{"logoutUrl": h.opts.PostLogoutURL})
		return
	case err != nil:
		h.log(ctx).Error("logout: session store unavailable", "error", err)
		middleware.WriteError(w, http.StatusServiceUnavailable, middleware.CodeSessionStoreUnavailable, "sessions are temporarily unavailable; retry shortly")
		return
	}
	toks, terr := h.opts.Sessions.Tokens(ctx, s)
	if err := h.opts.Sessions.Destroy(ctx, w, s); err != nil {
		h.log(ctx).Error("logout: session not deleted", "error", err)
		middleware.WriteError(w, http.StatusServiceUnavailable, middleware.CodeSessionStoreUnavailable, "the session could not be ended; retry shortly")
		return
	}
	if terr == nil {
		h.revoke(ctx, toks.RefreshToken)
	}
	logoutURL, err := h.opts.IdP.LogoutURL(ctx, h.opts.PostLogoutURL)
	if err != nil {
		h.log(ctx).Warn("logout: identity provider unavailable; local logout only", "error", err)
		logoutURL = h.opts.PostLogoutURL
	}
	h.log(ctx).Info("logout", "sub", s.Subject())
	middleware.WriteJSON(w, http.StatusOK, map[string]string{"logoutUrl": logoutURL})
}

func (h *Handler) revoke(ctx context.Context, refreshToken string) {
	if refreshToken == "" {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	secret, err := h.secret(rctx)
	if err == nil {
		err = h.opts.IdP.Revoke(rctx, secret, refreshToken)
	}
	if err != nil {
		// The session is gone either way; the refresh token expires on its own.
		h.log(ctx).Warn("logout: refresh token not revoked", "error", err)
	}
}
