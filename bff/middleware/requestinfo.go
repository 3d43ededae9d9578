package middleware

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
)

type ctxKey int

const (
	requestInfoKey ctxKey = iota
	clientCertKey
)

// requestInfo is what the outer layers learn about a request. The first
// layer that needs it stores it and the others fill it in, so a request pays
// for one context value and one request copy instead of one per layer.
type requestInfo struct {
	// clientAddr is the trusted client address (zero when unknown);
	// clientIP its text, "unknown" when zero.
	clientAddr netip.Addr
	clientIP   string
	id         string
	logger     *slog.Logger
}

func infoFrom(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(requestInfoKey).(*requestInfo)
	return ri
}

// withInfo returns r carrying a requestInfo, adding one only when no outer
// layer has.
func withInfo(r *http.Request) (*http.Request, *requestInfo) {
	if ri := infoFrom(r.Context()); ri != nil {
		return r, ri
	}
	ri := &requestInfo{}
	return r.WithContext(context.WithValue(r.Context(), requestInfoKey, ri)), ri
}

// ClientIP returns the client address stored by TrustedClientIP, or "".
func ClientIP(ctx context.Context) string {
	if ri := infoFrom(ctx); ri != nil {
		return ri.clientIP
	}
	return ""
}

// ClientAddr returns the client address stored by TrustedClientIP, or the
// zero Addr.
func ClientAddr(ctx context.Context) netip.Addr {
	if ri := infoFrom(ctx); ri != nil {
		return ri.clientAddr
	}
	return netip.Addr{}
}

// RequestID returns the request id stored by Logging, or "".
func RequestID(ctx context.Context) string {
	if ri := infoFrom(ctx); ri != nil {
		return ri.id
	}
	return ""
}

// Logger returns Logging's logger with the request id attached, or fallback
// outside Logging. The child logger is made only here, on the rare paths
// that log more than the access line.
func Logger(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	ri := infoFrom(ctx)
	if ri == nil || ri.logger == nil {
		return fallback
	}
	return ri.logger.With("request_id", ri.id)
}
