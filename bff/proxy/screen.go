package proxy

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/bff/middleware"
)

// allowedMethods are the methods an API call may use. TRACE would have an
// upstream echo the request back, bearer token included; CONNECT asks for a
// raw tunnel; WebDAV and other extension methods reach code that upstreams
// seldom guard. They are refused before any session is loaded.
var allowedMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

var allowHeader = []string{strings.Join(allowedMethods, ", ")}

// Screen refuses, before next runs, what the proxy refuses whatever the
// session: a method it does not forward (405) and a path that could leave
// its route (400). next is the session guard in front of the proxy, so such
// calls cost no session load or token refresh.
func (p *Proxy) Screen(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := screen(w, r); ok {
			next.ServeHTTP(w, r)
		}
	})
}

// screen answers the refusal itself and returns false, or returns the
// route name and the escaped sub-path.
func screen(w http.ResponseWriter, r *http.Request) (name, sub string, ok bool) {
	if !slices.Contains(allowedMethods, r.Method) {
		w.Header()["Allow"] = allowHeader
		middleware.WriteError(w, http.StatusMethodNotAllowed, middleware.CodeMethodNotAllowed, "API calls use "+allowHeader[0])
		return "", "", false
	}
	if name, sub, ok = splitAPIPath(r.URL.EscapedPath()); !ok {
		middleware.WriteError(w, http.StatusBadRequest, middleware.CodeInvalidRequest, "a path segment must not be a dot segment or hold a separator, a ; or a control character, however often it is decoded")
	}
	return name, sub, ok
}
