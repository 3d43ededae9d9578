package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/bff/middleware"
)

// loginState travels in the sealed login cookie from /auth/login to the callback.
type loginState struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	ReturnTo string    `json:"r"`
	Expires  time.Time `json:"e"`
}

var loginAAD = []byte("gatehouse/login/v1")

const (
	codeInvalidReturnTo = "invalid_return_to"
	codeLoginFailed     = "login_failed"
	codeInvalidNonce    = "invalid_nonce"
)

func (h *Handler) loginCookieName() string {
	if h.opts.Insecure {
		return "gh_login"
	}
	return "__Host-gh_login"
}

// Login starts the authorization code flow with PKCE (S256), state and nonce.
func (h *Handler) Login(w http.ResponseWriter, r *http.Request) {
	returnTo, ok := SafeReturnTo(r.URL.Query().Get("returnTo"))
	if !ok {
		writeBrowserError(w, r, http.StatusBadRequest, codeInvalidReturnTo, "returnTo must be a path on this site, such as /todos.")
		return
	}
	ctx := r.Context()
	secret, err := h.secret(ctx)
	if err != nil {
		h.log(ctx).Error("login: client secret unavailable", "error", err)
		writeBrowserError(w, r, http.StatusServiceUnavailable, middleware.CodeIdPUnavailable, "Sign-in is not available right now. Please try again shortly.")
		return
	}
	cfg, err := h.opts.IdP.OAuth2Config(ctx, secret, h.opts.RedirectURL, h.opts.Scopes)
	if err != nil {
		h.log(ctx).Error("login: identity provider unavailable", "error", err)
		writeBrowserError(w, r, http.StatusBadGateway, middleware.CodeIdPUnavailable, "The sign-in service could not be reached. Please try again shortly.")
		return
	}
	st := loginState{State: random(32), Nonce: random(32), Verifier: oauth2.GenerateVerifier(), ReturnTo: returnTo, Expires: h.opts.Now().Add(h.opts.LoginTTL)}
	raw, _ := json.Marshal(st)
	sealed, err := h.opts.Sealer.Seal(raw, loginAAD)
	if err != nil {
		h.log(ctx).Error("login: seal state", "error", err)
		writeBrowserError(w, r, http.StatusServiceUnavailable, middleware.CodeInternal, "Sign-in is not available right now.")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: h.loginCookieName(), Value: base64.RawURLEncoding.EncodeToString(sealed), Path: "/",
		MaxAge: int(h.opts.LoginTTL / time.Second), HttpOnly: true, Secure: !h.opts.Insecure,
		// Lax so the cookie comes back on the IdP's top-level redirect.
		SameSite: http.SameSiteLaxMode,
	})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, cfg.AuthCodeURL(st.State, oauth2.S256ChallengeOption(st.Verifier), oauth2.SetAuthURLParam("nonce", st.Nonce)), http.StatusFound)
}

// SafeReturnTo accepts only same-origin absolute paths; "" means "/".
func SafeReturnTo(raw string) (string, bool) {
	if raw == "" {
		return "/", true
	}
	if len(raw) > 2048 || !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") || strings.ContainsAny(raw, "\\\x00") {
		return "", false
	}
	for _, c := range raw {
		if c < 0x20 || c == 0x7f {
			return "", false
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "", false
	}
	// Decoded path must not turn into a scheme-relative or backslash URL either.
	if decoded, err := url.PathUnescape(u.EscapedPath()); err != nil || strings.HasPrefix(decoded, "//") || strings.Contains(decoded, "\\") {
		return "", false
	}
	return raw, true
}

var errBadLoginState = errors.New("auth: missing, expired or forged login state")

func (h *Handler) readLoginState(r *http.Request) (loginState, error) {
	c, err := r.Cookie(h.loginCookieName())
	if err != nil {
		return loginState{}, errBadLoginState
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return loginState{}, errBadLoginState
	}
	raw, err := h.opts.Sealer.Open(nil, sealed, loginAAD)
	if err != nil {
		return loginState{}, errBadLoginState
	}
	var st loginState
	if err := json.Unmarshal(raw, &st); err != nil || h.opts.Now().After(st.Expires) {
		return loginState{}, errBadLoginState
	}
	// Checked at /auth/login already; again here, so even a forged cookie cannot redirect off-site.
	if _, ok := SafeReturnTo(st.ReturnTo); !ok {
		return loginState{}, fmt.Errorf("%w: returnTo", errBadLoginState)
	}
	got := r.URL.Query().Get("state")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(st.State)) != 1 {
		return loginState{}, fmt.Errorf("%w: state mismatch", errBadLoginState)
	}
	return st, nil
}

func (h *Handler) clearLoginCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: h.loginCookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: !h.opts.Insecure, SameSite: http.SameSiteLaxMode})
}

func random(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
