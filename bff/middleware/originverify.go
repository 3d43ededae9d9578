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

// OriginVerify refuses, before anything else runs, requests that lack the
// secret header CloudFront adds, so the API cannot be reached around
// CloudFront. The comparison is constant-time over fixed-length digests.
func OriginVerify(header string, secret SecretSource, logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want, err := secret(r.Context())
		if err != nil || want == "" {
			Logger(r.Context(), logger).Error("origin-verify secret unavailable", "error", err)
			WriteError(w, http.StatusServiceUnavailable, CodeOriginVerifyFailed, "the origin check is not configured")
			return
		}
		got := sha256.Sum256([]byte(r.Header.Get(header)))
		exp := sha256.Sum256([]byte(want))
		if subtle.ConstantTimeCompare(got[:], exp[:]) != 1 {
			WriteError(w, http.StatusForbidden, CodeOriginVerifyFailed, "requests must come through the distribution")
			return
		}
		r.Header.Del(header)
		next.ServeHTTP(w, r)
	})
}
