package auth

import (
	"context"
	"encoding/json"
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

const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

type logoutClaims struct {
	Issuer   string                     `json:"iss"`
	Audience audience                   `json:"aud"`
	IssuedAt int64                      `json:"iat"`
	Expiry   int64                      `json:"exp"`
	Subject  string                     `json:"sub"`
	SID      string                     `json:"sid"`
	Events   map[string]json.RawMessage `json:"events"`
	Nonce    *json.RawMessage           `json:"nonce"`
}

type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	err := json.Unmarshal(b, &many)
	*a = many
	return err
}

// Backchannel handles OIDC Back-Channel Logout: a verified logout_token
// ends the sessions of its sid, or of its sub when no sid is given.
func (h *Handler) Backchannel(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		middleware.WriteError(w, http.StatusMethodNotAllowed, middleware.CodeMethodNotAllowed, "use POST")
		return
	}
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		middleware.WriteError(w, http.StatusBadRequest, middleware.CodeInvalidRequest, "a form with logout_token is required")
		return
	}
	c, err := h.verifyLogoutToken(ctx, r.PostForm.Get("logout_token"))
	if err != nil {
		h.log(ctx).Warn("back-channel logout refused", "reason", err.Error())
		middleware.WriteError(w, http.StatusBadRequest, middleware.CodeInvalidRequest, "the logout token was not accepted")
		return
	}
	var n int
	if c.SID != "" {
		n, err = h.opts.Sessions.EndIdPSession(ctx, c.SID)
	} else {
		n, err = h.opts.Sessions.EndSubject(ctx, c.Subject)
	}
	if err != nil {
		h.log(ctx).Error("back-channel logout: sessions not deleted", "error", err)
		middleware.WriteError(w, http.StatusServiceUnavailable, middleware.CodeSessionStoreUnavailable, "sessions could not be ended; retry")
		return
	}
	h.log(ctx).Info("back-channel logout", "sub", c.Subject, "sessions_ended", n)
	w.WriteHeader(http.StatusOK)
}

var errLogoutToken = errors.New("auth: invalid logout token")

func (h *Handler) verifyLogoutToken(ctx context.Context, raw string) (*logoutClaims, error) {
	if raw == "" {
		return nil, errLogoutToken
	}
	payload, err := h.opts.IdP.VerifySignature(ctx, raw)
	if err != nil {
		return nil, errors.Join(errLogoutToken, err)
	}
	var c logoutClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, errors.Join(errLogoutToken, err)
	}
	ep, err := h.opts.IdP.Endpoints(ctx)
	if err != nil {
		return nil, err
	}
	now := h.opts.Now()
	const leeway = 5 * time.Minute
	switch {
	case c.Issuer != ep.Issuer:
		return nil, errors.Join(errLogoutToken, errors.New("wrong issuer"))
	case !containsString(c.Audience, h.opts.IdP.clientID):
		return nil, errors.Join(errLogoutToken, errors.New("wrong audience"))
	case c.IssuedAt == 0 || time.Unix(c.IssuedAt, 0).After(now.Add(leeway)) || time.Unix(c.IssuedAt, 0).Before(now.Add(-leeway)):
		return nil, errors.Join(errLogoutToken, errors.New("iat missing or out of range"))
	case c.Expiry != 0 && time.Unix(c.Expiry, 0).Before(now.Add(-leeway)):
		return nil, errors.Join(errLogoutToken, errors.New("expired"))
	case c.Events[backchannelEvent] == nil:
		return nil, errors.Join(errLogoutToken, errors.New("no back-channel logout event"))
	case c.Nonce != nil:
		return nil, errors.Join(errLogoutToken, errors.New("nonce present"))
	case c.SID == "" && c.Subject == "":
		return nil, errors.Join(errLogoutToken, errors.New("neither sid nor sub"))
	}
	return &c, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
