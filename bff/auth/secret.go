package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"
)

// ClientSecret yields the OIDC client secret.
type ClientSecret interface {
	// Secret returns the secret, from a cache when the source keeps one.
	Secret(ctx context.Context) (string, error)
	// Reload reads the secret again at its source because the IdP refused
	// refused with invalid_client, as it does once the secret was rotated.
	// It returns the value to use from now on, which is refused itself when
	// the source holds nothing newer; a source bounds how often it is read.
	Reload(ctx context.Context, refused string) (string, error)
}

// SecretFunc adapts a function to ClientSecret: Reload calls it again.
type SecretFunc func(ctx context.Context) (string, error)

// Secret calls f.
func (f SecretFunc) Secret(ctx context.Context) (string, error) { return f(ctx) }

// Reload calls f.
func (f SecretFunc) Reload(ctx context.Context, _ string) (string, error) { return f(ctx) }

var errSecretUnavailable = errors.New("auth: client secret unavailable")

// withClientSecret makes one call to the token endpoint and, when the IdP
// answers invalid_client, one more with the secret read again: a rotated
// secret must neither end sessions nor fail sign-ins. A refused client
// authentication spends no code and no refresh token (RFC 6749 §3.2.1
// authenticates the client first), so the retry is safe.
func (h *Handler) withClientSecret(ctx context.Context, call func(*oauth2.Config) error) error {
	secret, err := h.opts.ClientSecret.Secret(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w: %w", ErrIdPUnavailable, errSecretUnavailable, err)
	}
	cfg, err := h.opts.IdP.OAuth2Config(ctx, secret, h.opts.RedirectURL, h.opts.Scopes)
	if err != nil {
		return err
	}
	err = call(cfg)
	if !refusedAs(err, "invalid_client") {
		return err
	}
	fresh, rerr := h.opts.ClientSecret.Reload(ctx, secret)
	switch {
	case rerr != nil:
		h.log(ctx).Error("client secret refused by the identity provider and not read again", "error", rerr)
		return err
	case fresh == secret:
		h.log(ctx).Error("client secret refused by the identity provider; its source holds no newer one")
		return err
	}
	h.log(ctx).Warn("client secret refused by the identity provider; retrying with the secret read again")
	cfg.ClientSecret = fresh
	return call(cfg)
}

// refusedAs reports whether err is the token endpoint refusing with the
// OAuth error code, in the 400 (or, for client authentication, 401)
// answer RFC 6749 §5.2 specifies. Anything else, whatever its body says (a
// WAF's 403, a 429, a 200 carrying an error), is no such refusal.
func refusedAs(err error, code string) bool {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil || re.ErrorCode != code {
		return false
	}
	return re.Response.StatusCode == http.StatusBadRequest || re.Response.StatusCode == http.StatusUnauthorized
}

// tokenErrorSummary names a token endpoint failure for logs and errors:
// for an answer, its status and OAuth error code, never its body, which
// may echo a token (RetrieveError's own text includes it).
func tokenErrorSummary(err error) string {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return err.Error()
	}
	if re.Response == nil {
		return "no answer"
	}
	s := fmt.Sprintf("status %d", re.Response.StatusCode)
	if re.ErrorCode != "" {
		s += " " + truncate(re.ErrorCode, 64)
	}
	return s
}
