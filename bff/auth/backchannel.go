package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/bff/middleware"
	"github.com/gatehouse/gatehouse/bff/session"
)

const (
	backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"
	// logoutLeeway bounds how far a logout token's iat may be from now.
	logoutLeeway = 5 * time.Minute
	// replayMargin keeps a used jti past the token's last acceptable
	// instant, for clocks that differ between instances.
	replayMargin = time.Minute
	maxJTILen    = 256
)

// logoutPeek is what a logout token claims before its signature is checked.
type logoutPeek struct {
	Issuer   string                     `json:"iss"`
	Audience audience                   `json:"aud"`
	IssuedAt float64                    `json:"iat"`
	Expiry   float64                    `json:"exp"`
	JTI      string                     `json:"jti"`
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

// Backchannel handles OIDC Back-Channel Logout: a verified logout_token,
// used once, ends the sessions of its sid, or of its sub when it has no sid.
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
	lt, until, err := h.verifyLogoutToken(ctx, r.PostForm.Get("logout_token"))
	switch {
	case errors.Is(err, ErrIdPUnavailable):
		// The IdP retries a delivery that fails; the token was not judged.
		h.log(ctx).Error("back-channel logout: identity provider keys unavailable", "error", err)
		middleware.WriteError(w, http.StatusServiceUnavailable, middleware.CodeIdPUnavailable, "the logout token could not be checked; retry")
		return
	case err != nil:
		h.log(ctx).Warn("back-channel logout refused", "reason", err.Error())
		middleware.WriteError(w, http.StatusBadRequest, middleware.CodeInvalidRequest, "the logout token was not accepted")
		return
	}
	undo, err := h.opts.Sessions.ClaimOnce(ctx, "backchannel-logout "+lt.Issuer+" "+lt.TokenID, until.Sub(h.opts.Now()))
	switch {
	case errors.Is(err, session.ErrClaimed):
		h.log(ctx).Warn("back-channel logout refused", "reason", "logout token already used")
		middleware.WriteError(w, http.StatusBadRequest, middleware.CodeInvalidRequest, "the logout token was already used")
		return
	case err != nil:
		h.log(ctx).Error("back-channel logout: session store unavailable", "error", err)
		middleware.WriteError(w, http.StatusServiceUnavailable, middleware.CodeSessionStoreUnavailable, "sessions could not be ended; retry")
		return
	}
	var n int
	if lt.SessionID != "" {
		n, err = h.opts.Sessions.EndIdPSession(ctx, lt.SessionID)
	} else {
		n, err = h.opts.Sessions.EndSubject(ctx, lt.Subject)
	}
	if err != nil {
		// The IdP may deliver the same token again: give its jti back.
		if uerr := undo(context.WithoutCancel(ctx)); uerr != nil {
			h.log(ctx).Error("back-channel logout: jti not given back", "error", uerr)
		}
		h.log(ctx).Error("back-channel logout: sessions not deleted", "error", err)
		middleware.WriteError(w, http.StatusServiceUnavailable, middleware.CodeSessionStoreUnavailable, "sessions could not be ended; retry")
		return
	}
	h.log(ctx).Info("back-channel logout", "sub", lt.Subject, "sessions_ended", n)
	w.WriteHeader(http.StatusOK)
}

var errLogoutToken = errors.New("auth: invalid logout token")

// verifyLogoutToken checks every claim it can before the key is looked
// up, so a token that could never be accepted costs no key fetch. A forged
// one that gets the public parts right (issuer, audience, event, a
// well-formed key id) still can, and those fetches are paced (keySet). It
// returns the verified token and the last instant a replay of it could be
// accepted.
func (h *Handler) verifyLogoutToken(ctx context.Context, raw string) (*oidc.LogoutToken, time.Time, error) {
	if raw == "" {
		return nil, time.Time{}, fmt.Errorf("%w: empty", errLogoutToken)
	}
	header, payload, err := peekJWT(raw)
	if err != nil {
		return nil, time.Time{}, errors.Join(errLogoutToken, err)
	}
	var c logoutPeek
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: claims are not a JSON object", errLogoutToken)
	}
	if reason := h.logoutPrecheck(header.ExtraHeaders, header.KeyID, c); reason != "" {
		return nil, time.Time{}, fmt.Errorf("%w: %s", errLogoutToken, reason)
	}
	lt, err := h.opts.IdP.VerifyLogoutToken(ctx, raw)
	switch {
	case errors.Is(err, ErrIdPUnavailable):
		return nil, time.Time{}, err
	case err != nil:
		return nil, time.Time{}, errors.Join(errLogoutToken, err)
	}
	// Acceptable while unexpired and iat is within the leeway: after both, a replay fails those checks.
	until := lt.Expiry
	if last := lt.IssuedAt.Add(logoutLeeway); last.Before(until) {
		until = last
	}
	return lt, until.Add(replayMargin), nil
}

// logoutPrecheck returns why the unverified token cannot be a logout token
// for this client, or "".
func (h *Handler) logoutPrecheck(extra map[jose.HeaderKey]any, kid string, c logoutPeek) string {
	now := h.opts.Now()
	iat := unixTime(c.IssuedAt)
	switch typ, _ := extra[jose.HeaderType].(string); {
	case typ != "" && !strings.EqualFold(typ, "logout+jwt") && !strings.EqualFold(typ, "JWT"):
		return "typ is not logout+jwt"
	case c.Issuer != h.opts.IdP.opts.Issuer:
		return "wrong issuer"
	case !slices.Contains(c.Audience, h.opts.IdP.opts.ClientID):
		return "wrong audience"
	case c.Events[backchannelEvent] == nil:
		return "no back-channel logout event"
	case c.Nonce != nil:
		return "nonce present"
	case c.JTI == "" || len(c.JTI) > maxJTILen:
		return "jti missing or too long"
	case c.SID == "" && c.Subject == "":
		return "neither sid nor sub"
	case c.IssuedAt == 0 || iat.After(now.Add(logoutLeeway)) || iat.Before(now.Add(-logoutLeeway)):
		return "iat missing or out of range"
	case c.Expiry == 0 || unixTime(c.Expiry).Before(now):
		return "exp missing or past"
	case len(kid) > maxKeyIDLen || !printable(kid):
		return "malformed key id"
	}
	return ""
}

// unixTime reads a NumericDate; one no clock could mean is the zero time,
// which every window check refuses.
func unixTime(seconds float64) time.Time {
	if !(seconds > 0 && seconds < 1<<33) {
		return time.Time{}
	}
	return time.Unix(0, int64(seconds*float64(time.Second)))
}
