package middleware

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP returns the client address stored by TrustedClientIP.
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey).(string)
	return ip
}

// TrustedClientIP stores the caller's address. Behind a proxy (ALB,
// CloudFront) that appends the peer to X-Forwarded-For, the rightmost entry
// is the one the proxy saw; entries to its left are client-supplied and
// ignored. Without a proxy (local), the socket peer is used.
func TrustedClientIP(behindProxy bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := peerIP(r.RemoteAddr)
		if behindProxy {
			if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
				parts := strings.Split(xff[len(xff)-1], ",")
				if addr, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
					ip = addr.Unmap().String()
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientIPKey, ip)))
	})
}

func peerIP(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return addr.Unmap().String()
	}
	return "unknown"
}
