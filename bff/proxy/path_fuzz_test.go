package proxy

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

var pathSeeds = []string{
	"/api/todos/items", "/api/todos/../../admin", "/api/todos/%2e%2e/admin", "/api/todos/%2E%2e%2fadmin",
	"/api/todos/..%2fadmin", "/api/todos/..%5cadmin", "/api/todos/.%2e/x", "/api/todos/a%2Fb", "/api/todos/%252e%252e/x",
	"/api/todos/\u2024\u2024/admin", "/api/todos/\uff0e\uff0e/admin", "/api/todos/%c0%ae%c0%ae/admin", "/api/todos//x",
	"/api/todos", "/api/", "/api/%74odos/x", "/api/todos/a;b=..", "/api/todos/x?y=../z", "/api/todos/%00",
	"/api/todos/./x", "/api/./todos/x", "/api/files/projects/2026/q3%20report/chapters/07/figures/fig-12.png",
	// Path parameters, NUL and control bytes: "..;" is ".." to Tomcat, Jetty and Spring.
	"/api/todos/..;/admin", "/api/todos/..%3B/admin", "/api/todos/..%3b/admin", "/api/todos/..%00/admin",
	"/api/todos/..;jsessionid=x/admin", "/api/todos/items;v=1", "/api/todos/%3B", "/api/todos;/x", "/api/todos/..%253B/admin",
	"/api/todos/..%01/admin", "/api/todos/..%09/admin", "/api/todos/..%0d%0a/admin", "/api/todos/..%7f/admin",
	"/api/todos/..%20/admin", "/api/todos/.../admin", "/api/todos/.%20./admin", "/api/todos/%2e%2e%20/admin",
	"/api/todos/%25%32%65%25%32%65/admin", "/api/todos/%25252e%25252e/admin", "/api/todos/100%25%20done",
	"/api/todos/%e2%80%a5/admin", "/api/todos/%ef%bc%8f..%ef%bc%8fadmin", "/api/todos/%c0%af", "/api/todos/%ff",
}

// FuzzSplitAPIPath: an accepted path names one route and a sub-path whose
// decoded segments hold no dot segment and no separator of their own.
func FuzzSplitAPIPath(f *testing.F) {
	for _, s := range pathSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, escaped string) {
		name, sub, ok := splitAPIPath(escaped)
		if !ok {
			return
		}
		if strings.Contains(name, "/") || !strings.HasPrefix(sub, "/") {
			t.Fatalf("splitAPIPath(%q) = %q, %q", escaped, name, sub)
		}
		if "/api/"+name+sub != escaped && "/api/"+name+sub != escaped+"/" {
			t.Fatalf("splitAPIPath(%q) = %q, %q: pieces do not rebuild the path", escaped, name, sub)
		}
		assertContained(t, escaped, sub)
	})
}

// assertContained fails if any upstream could read a segment of the
// escaped sub-path as a dot segment or as holding a separator. The readings
// model the servers behind a route (see upstreamReadings), independently of
// the check in splitAPIPath.
func assertContained(t *testing.T, in, escapedSub string) {
	t.Helper()
	for _, seg := range strings.Split(escapedSub, "/") {
		if _, err := url.PathUnescape(seg); err != nil {
			t.Fatalf("%q reached the upstream as %q: segment %q does not decode", in, escapedSub, seg)
		}
		for _, r := range upstreamReadings(seg) {
			if strings.ContainsAny(r, `/\`) || strings.Contains(r, ".") && strings.Trim(r, ". ") == "" {
				t.Fatalf("%q reached the upstream as %q: segment %q reads as %q", in, escapedSub, seg, r)
			}
		}
	}
}

// upstreamReadings lists what servers make of one escaped segment: decoded
// once and, for those that decode again, up to three times; then cut at a
// path parameter (Tomcat, Jetty, Spring) or at NUL (C libraries), trimmed
// of trailing dots and white space (IIS), with overlong UTF-8 read as ASCII
// (old decoders), and folded to Unicode compatibility forms (NFKC).
func upstreamReadings(seg string) []string {
	var out []string
	for depth := 0; depth < 3; depth++ {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			break
		}
		param, _, _ := strings.Cut(dec, ";")
		cstr, _, _ := strings.Cut(dec, "\x00")
		overlong := strings.NewReplacer("\xc0\xae", ".", "\xc0\xaf", "/", "\xc1\x9c", `\`).Replace(dec)
		out = append(out, dec, param, cstr, strings.TrimRight(dec, ". \t\r\n\v\f"), strings.TrimSpace(dec), overlong, norm.NFKC.String(dec))
		seg = dec
	}
	return out
}

// errRecorded stops the round trip once the outgoing request is seen.
var errRecorded = errors.New("recorded")

type recordingTransport struct{ out *http.Request }

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.out = r
	return nil, errRecorded
}

// FuzzProxyRequestTarget parses a raw request target exactly as the HTTP
// server does and sends it through the proxy: whatever goes out stays on
// its route's upstream, under the route's prefix, with the bearer token and
// without the browser's cookie.
func FuzzProxyRequestTarget(f *testing.F) {
	for _, s := range pathSeeds {
		f.Add(s)
	}
	v1, _ := url.Parse("http://upstream.internal/v1")
	other, _ := url.Parse("http://other.internal/")
	rt := &recordingTransport{}
	p, err := New(Options{
		Routes: []Route{
			{Name: "todos", Upstream: v1, Timeout: time.Second},
			{Name: "files", Upstream: other, Timeout: time.Second},
		},
		Transport: rt,
		Principal: func(context.Context) (Principal, bool) { return Principal{AccessToken: "at"}, true },
		PublicURL: &url.URL{Scheme: "https", Host: "app.example.gov"},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, target string) {
		raw := "GET " + target + " HTTP/1.1\r\nHost: app.example.gov\r\nCookie: __Host-gh_session=c\r\n\r\n"
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil || !strings.HasPrefix(req.URL.Path, "/api/") {
			return
		}
		rt.out = nil
		w := httptest.NewRecorder()
		p.ServeHTTP(w, req)
		out := rt.out
		if out == nil {
			if w.Code < 400 {
				t.Fatalf("%q: answered %d without reaching an upstream", target, w.Code)
			}
			return
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(req.URL.EscapedPath(), "/api/"), "/")
		want := map[string]*url.URL{"todos": v1, "files": other}[name]
		if want == nil || out.URL.Host != want.Host || out.URL.Scheme != want.Scheme {
			t.Fatalf("%q went to %s", target, out.URL)
		}
		prefix := strings.TrimSuffix(want.Path, "/") + "/"
		escaped := out.URL.EscapedPath()
		if !strings.HasPrefix(escaped, prefix) && escaped != strings.TrimSuffix(prefix, "/") {
			t.Fatalf("%q reached %s, outside %s", target, escaped, prefix)
		}
		assertContained(t, target, strings.TrimPrefix(escaped, strings.TrimSuffix(want.Path, "/")))
		if out.Header.Get("Cookie") != "" || out.Header.Get("Authorization") != "Bearer at" {
			t.Fatalf("%q: credentials not swapped: %v", target, out.Header)
		}
	})
}
