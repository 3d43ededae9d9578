package middleware

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
)

// SecretSource yields a secret, possibly fetched lazily (Secrets Manager).
type SecretSource func(ctx context.Context) (string, error)

// SecretsSource yields every value currently accepted: during a rotation
// both the new and the previous secret are in flight.
type SecretsSource func(ctx context.Context) ([]string, error)

// OriginVerify refuses, before anything else runs, requests that lack the
// secret header CloudFront adds, so the API cannot be reached around
// CloudFront. The comparison is constant-time over fixed-length digests.
func OriginVerify(header string, secrets SecretsSource, logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accepted, err := secrets(r.Context())
		if err != nil || len(accepted) == 0 {
			Logger(r.Context(), logger).Error("origin-verify secret unavailable", "error", err)
			WriteError(w, http.StatusServiceUnavailable, CodeOriginVerifyFailed, "the origin check is not configured")
			return
		}
		got := sha256.Sum256([]byte(r.Header.Get(header)))
		match := 0
		for _, want := range accepted {
			if want == "" {
				continue
			}
			exp := sha256.Sum256([]byte(want))
			match |= subtle.ConstantTimeCompare(got[:], exp[:])
		}
		if match != 1 {
			WriteError(w, http.StatusForbidden, CodeOriginVerifyFailed, "requests must come through the distribution")
			return
		}
		r.Header.Del(header)
		next.ServeHTTP(w, r)
	})
}
