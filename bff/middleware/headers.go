package middleware

import "net/http"

type headerValue struct {
	name  string
	value []string
}

// The values are built once and shared by every response: each slice has
// length and capacity 1, so a later Add copies instead of writing into it.
var (
	// documentHeaders go on everything a browser may render: the SPA and
	// the sign-in error pages under /auth.
	documentHeaders = []headerValue{
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"X-Frame-Options", []string{"DENY"}},
		{"Referrer-Policy", []string{"no-referrer"}},
		{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
		{"Cross-Origin-Resource-Policy", []string{"same-origin"}},
		{"Permissions-Policy", []string{"camera=(), microphone=(), geolocation=(), payment=(), usb=()"}},
		{"Content-Security-Policy", []string{"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"}},
	}
	// apiHeaders go on /api answers, which are data and never rendered: the
	// OWASP REST set, with a CSP that allows nothing. The page-only policies
	// (referrer, opener, permissions, resource) would only add bytes to
	// every call.
	apiHeaders = []headerValue{
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"X-Frame-Options", []string{"DENY"}},
		{"Content-Security-Policy", []string{"default-src 'none'; frame-ancestors 'none'"}},
		{"Cache-Control", []string{"no-store"}},
	}
	// authHeaders are added under /auth: its answers carry sessions and codes.
	authHeaders = []headerValue{
		{"Cache-Control", []string{"no-store"}},
		{"Pragma", []string{"no-cache"}},
	}
	hsts = headerValue{"Strict-Transport-Security", []string{"max-age=63072000; includeSubDomains"}}
)

// SecurityHeaders sets the response headers every answer carries, and
// Cache-Control: no-store on /auth and /api. withHSTS adds
// Strict-Transport-Security (off only for plain-http local runs).
func SecurityHeaders(withHSTS bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if withHSTS {
			h[hsts.name] = hsts.value
		}
		switch path := r.URL.Path; {
		case hasSegmentPrefix(path, "/api"):
			setAll(h, apiHeaders)
		case hasSegmentPrefix(path, "/auth"):
			setAll(h, documentHeaders)
			setAll(h, authHeaders)
		default:
			setAll(h, documentHeaders)
		}
		next.ServeHTTP(w, r)
	})
}

func setAll(h http.Header, values []headerValue) {
	for _, v := range values {
		h[v.name] = v.value
	}
}
