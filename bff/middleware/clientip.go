package middleware

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIPOptions say which proxies in front of the BFF are trusted.
type ClientIPOptions struct {
	// ProxyHops is how many trusted proxies append to X-Forwarded-For: 0 on a
	// developer machine (the socket peer is the client), 1 behind the ALB, 2
	// behind CloudFront and API Gateway. Entries left of those are
	// client-supplied and ignored.
	ProxyHops int
	// ViewerAddressHeader, when set and present, names a header the edge
	// overwrites with the viewer's address (CloudFront-Viewer-Address); it is
	// preferred to counting hops.
	ViewerAddressHeader string
}

// TrustedClientIP stores the caller's address: the socket peer, or behind
// one proxy (the ALB) the rightmost X-Forwarded-For entry.
func TrustedClientIP(behindProxy bool, next http.Handler) http.Handler {
	opts := ClientIPOptions{}
	if behindProxy {
		opts.ProxyHops = 1
	}
	return TrustedClientIPWith(opts, next)
}

// TrustedClientIPWith stores the caller's address for rate limits and logs.
func TrustedClientIPWith(opts ClientIPOptions, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, ri := withInfo(r)
		ri.clientAddr = clientAddr(r, opts)
		ri.clientIP = "unknown"
		if ri.clientAddr.IsValid() {
			ri.clientIP = ri.clientAddr.String()
		}
		next.ServeHTTP(w, r)
	})
}

// clientAddr is the caller's address, or the zero Addr when neither the
// trusted headers nor the socket peer yield one.
func clientAddr(r *http.Request, opts ClientIPOptions) netip.Addr {
	if opts.ViewerAddressHeader != "" {
		if v := r.Header.Get(opts.ViewerAddressHeader); v != "" {
			// "198.51.100.10:46532" or "2001:db8::1:46532": the port follows the last colon.
			if i := strings.LastIndexByte(v, ':'); i > 0 {
				if addr, err := netip.ParseAddr(strings.Trim(v[:i], "[]")); err == nil {
					return addr.Unmap()
				}
			}
		}
	}
	if opts.ProxyHops > 0 {
		if addr, err := netip.ParseAddr(forwardedEntry(r.Header.Values("X-Forwarded-For"), opts.ProxyHops)); err == nil {
			return addr.Unmap()
		}
	}
	return peerAddr(r.RemoteAddr)
}

// forwardedEntry returns the hops-th X-Forwarded-For entry from the right
// (the one the outermost trusted proxy appended), or the leftmost when there
// are fewer, across repeated header lines.
func forwardedEntry(values []string, hops int) string {
	var entry string
	seen := 0
	for i := len(values) - 1; i >= 0; i-- {
		for v := values[i]; ; {
			j := strings.LastIndexByte(v, ',')
			entry = strings.TrimSpace(v[j+1:])
			if seen++; seen == hops {
				return entry
			}
			if j < 0 {
				break
			}
			v = v[:j]
		}
	}
	return entry
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return addr.Unmap()
	}
	return netip.Addr{}
}
