package auth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzSafeReturnTo: whatever SafeReturnTo accepts, redirected the way the
// callback redirects, lands on this origin, however a browser resolves it.
func FuzzSafeReturnTo(f *testing.F) {
	for _, s := range []string{
		"", "/", "/todos?filter=open#top", "/a/b%20c", "//evil.example", "///evil.example", "https://evil.example",
		"http:/evil.example", "javascript:alert(1)", `/\evil.example`, `\\evil.example`, "/%2F%2Fevil.example",
		"/%5Cevil.example", "/ok\r\nSet-Cookie: x=1", "/\x00", "todos", "/.//evil.example", "/./%2F/evil",
		"/..//evil.example", "/%2e%2e//evil.example", "/\t/evil.example", "/%09/evil.example", "/\u3002evil",
		"/ｅvil", "/@evil.example", "/?//evil.example", "/#//evil.example", "/a/../..//evil.example",
	} {
		f.Add(s)
	}
	origin, _ := url.Parse("https://app.example.gov/auth/callback?code=x&state=y")
	f.Fuzz(func(t *testing.T, raw string) {
		got, ok := SafeReturnTo(raw)
		if !ok {
			return
		}
		if raw != "" && got != raw {
			t.Fatalf("SafeReturnTo(%q) rewrote it to %q", raw, got)
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\t\r\n\x00") {
			t.Fatalf("SafeReturnTo accepted %q", raw)
		}
		w := httptest.NewRecorder()
		http.Redirect(w, httptest.NewRequest(http.MethodGet, origin.String(), nil), got, http.StatusFound)
		loc := w.Header().Get("Location")
		// Browsers drop tabs and newlines and read backslashes as slashes.
		browserLoc := strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(loc)
		for _, l := range []string{loc, browserLoc} {
			u, err := url.Parse(l)
			if err != nil {
				continue // a browser would not follow it either
			}
			dest := origin.ResolveReference(u)
			if dest.Scheme != "https" || dest.Host != "app.example.gov" || dest.User != nil {
				t.Fatalf("returnTo %q redirects to %q, which leaves the origin (%s)", raw, l, dest)
			}
		}
	})
}
