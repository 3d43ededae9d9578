package proxy

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Response policy. An API caller is never redirected: a browser's fetch
// follows 301, 302, 303, 307 and 308 by itself, to wherever Location
// points (an internal host, another site), so such an answer from an
// upstream becomes 502 upstream_redirect. Location and Content-Location on
// any other answer (201 Created, say) name the upstream's own URLs: one
// under the route's upstream prefix is rewritten to the same resource under
// /api/<route>, and any other is dropped. WWW-Authenticate and
// Proxy-Authenticate are dropped: the browser holds no credential for an
// upstream, and a Basic challenge would have it prompt the user for a
// password on the app's origin. The status itself (401, say) passes.

var errUpstreamRedirect = errors.New("proxy: upstream answered an API call with a redirect")

// checkResponse applies the response policy to an upstream's answer on
// route rt, sent to the upstream URL target.
func checkResponse(resp *http.Response, rt Route, target *url.URL) error {
	h := resp.Header
	delete(h, "Www-Authenticate")
	delete(h, "Proxy-Authenticate")
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return fmt.Errorf("%w (%d)", errUpstreamRedirect, resp.StatusCode)
	}
	for _, k := range []string{"Location", "Content-Location"} {
		if v := h.Get(k); v != "" {
			if loc := routeLocation(v, target, rt); loc != "" {
				h[k] = []string{loc}
			} else {
				delete(h, k)
			}
		}
	}
	return nil
}

// routeLocation resolves ref against the URL the call went to and returns
// the same resource under /api/<route>, or "" when ref leaves the route's
// upstream (another host or scheme, credentials, a path outside the prefix,
// or one the proxy would refuse).
func routeLocation(ref string, target *url.URL, rt Route) string {
	u, err := target.Parse(ref)
	if err != nil || u.User != nil || !strings.EqualFold(u.Scheme, rt.Upstream.Scheme) || !strings.EqualFold(u.Host, rt.Upstream.Host) {
		return ""
	}
	rest, ok := strings.CutPrefix(u.EscapedPath(), strings.TrimSuffix(rt.Upstream.EscapedPath(), "/"))
	if !ok || rest != "" && rest[0] != '/' {
		return ""
	}
	loc := "/api/" + rt.Name + rest
	if _, _, ok := splitAPIPath(loc); !ok {
		return ""
	}
	if u.RawQuery != "" {
		loc += "?" + u.RawQuery
	}
	return loc
}
