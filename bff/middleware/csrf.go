package middleware

import (
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// CSRFHeader must be "1" on every API call and every unsafe /auth call. A
// cross-site page cannot add a custom header without a CORS preflight, which
// the BFF never grants. A WebSocket handshake, which cannot carry it, must
// carry the app's Origin instead.
const CSRFHeader = "X-CSRF"

// CSRF guards /api/* (all methods) and unsafe /auth/* requests. exempt lists
// paths called server-to-server (back-channel logout), which carry their own
// signed proof instead. origin is the public origin (scheme://host[:port]).
func CSRF(origin string, exempt []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if needsCSRF(r, exempt) {
			if msg := csrfProblem(r, origin); msg != "" {
				WriteError(w, http.StatusForbidden, CodeCSRFFailed, msg)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func needsCSRF(r *http.Request, exempt []string) bool {
	for _, p := range exempt {
		if r.URL.Path == p {
			return false
		}
	}
	if hasSegmentPrefix(r.URL.Path, "/api") {
		return true
	}
	return hasSegmentPrefix(r.URL.Path, "/auth") && !isSafe(r.Method)
}

func csrfProblem(r *http.Request, origin string) string {
	handshake := IsWebSocketHandshake(r)
	switch {
	case handshake:
		// The browser's WebSocket API cannot add X-CSRF, and WebSockets
		// are not bound by CORS, but the browser always sends the page's
		// Origin on the handshake (RFC 6455 §10.2): it must be the app's.
		if !strings.EqualFold(r.Header.Get("Origin"), origin) {
			return "a WebSocket handshake must come from the app's own origin"
		}
	case r.Header.Get(CSRFHeader) != "1":
		return "the X-CSRF: 1 header is required"
	}
	// Sec-Fetch-Site is set by the browser and cannot be forged by a page.
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin":
	default:
		return "cross-site request refused (Sec-Fetch-Site: " + sanitize(site) + ")"
	}
	if o := r.Header.Get("Origin"); o != "" && !isSafe(r.Method) && !strings.EqualFold(o, origin) {
		return "request from another origin refused"
	}
	return ""
}

// IsWebSocketHandshake reports whether r asks to open a WebSocket: a GET
// with Connection: upgrade and Upgrade: websocket (RFC 6455 §4.1).
func IsWebSocketHandshake(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		httpguts.HeaderValuesContainsToken(r.Header["Connection"], "upgrade")
}

func isSafe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

func sanitize(s string) string {
	if len(s) > 32 {
		s = s[:32]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, s)
}
