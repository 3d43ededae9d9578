// Package middleware holds the BFF's cross-cutting HTTP layers: JSON errors,
// request ids and logging, security headers, CSRF, rate limiting, the
// origin-verify check and the ALB client-certificate parsing.
package middleware

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// Stable error codes returned in {"error": code}.
const (
	CodeUnauthenticated         = "unauthenticated"
	CodeCSRFFailed              = "csrf_failed"
	CodeForbidden               = "forbidden"
	CodeRateLimited             = "rate_limited"
	CodeRouteNotFound           = "route_not_found"
	CodePayloadTooLarge         = "payload_too_large"
	CodeUpstreamTimeout         = "upstream_timeout"
	CodeBadGateway              = "bad_gateway"
	CodeUpstreamRedirect        = "upstream_redirect"
	CodeSessionStoreUnavailable = "session_store_unavailable"
	CodeInvalidState            = "invalid_state"
	CodeInvalidRequest          = "invalid_request"
	CodeInvalidToken            = "invalid_token"
	CodeIdPUnavailable          = "idp_unavailable"
	CodeOriginVerifyFailed      = "origin_verify_failed"
	CodeCertificateRequired     = "certificate_required"
	CodeCertificateInvalid      = "certificate_invalid"
	CodeCertificateMismatch     = "certificate_mismatch"
	CodeMethodNotAllowed        = "method_not_allowed"
	CodeNotFound                = "not_found"
	CodeInternal                = "internal_error"
)

// ErrorBody is the JSON shape of every API error.
type ErrorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// WriteError answers with a JSON error; never a redirect, never a stack trace.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("Content-Length")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(ErrorBody{Error: code, Message: message})
}

// WriteRetryAfter answers 429 with Retry-After in whole seconds (at least 1).
func WriteRetryAfter(w http.ResponseWriter, seconds int, message string) {
	if seconds < 1 {
		seconds = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
	WriteError(w, http.StatusTooManyRequests, CodeRateLimited, message)
}

// WriteJSON answers 200-class JSON that must not be cached.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// IsAPIPath reports whether a path belongs to the JSON surface (/api, /auth),
// where errors are JSON and responses are never cached.
func IsAPIPath(path string) bool {
	return hasSegmentPrefix(path, "/api") || hasSegmentPrefix(path, "/auth")
}

func hasSegmentPrefix(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}
