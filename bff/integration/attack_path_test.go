//go:build attack

package integration

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// targetRecorder is an upstream that records each request target exactly
// as its socket received it.
type targetRecorder struct {
	URL  string
	mu   sync.Mutex
	seen []string
}

func startTargetRecorder(t *testing.T) *targetRecorder {
	t.Helper()
	rec := &targetRecorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.seen = append(rec.seen, r.RequestURI)
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	rec.URL = srv.URL
	return rec
}

func (rec *targetRecorder) since(n int) []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.seen[n:]...)
}

func (rec *targetRecorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.seen)
}

// dialBFF opens a raw TLS connection to the stack's BFF, closed when the
// test ends, and returns it with the Host to name.
func dialBFF(t *testing.T, s *bfftest.Stack) (net.Conn, string) {
	t.Helper()
	u, _ := url.Parse(s.URL)
	conn, err := tls.Dial("tcp", u.Host, &tls.Config{InsecureSkipVerify: true}) // the test server's own certificate
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	return conn, u.Host
}

// rawAPI sends one API call with a request target written byte for byte
// (no client library normalizes it) and returns the status and JSON error.
func rawAPI(t *testing.T, s *bfftest.Stack, b *bfftest.Browser, target string) (int, string) {
	t.Helper()
	conn, host := dialBFF(t, s)
	req := "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nCookie: " + s.Config.CookieName + "=" + b.SessionCookie() +
		"\r\nX-CSRF: 1\r\nSec-Fetch-Site: same-origin\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, bfftest.Result{Body: body}.ErrorCode()
}

// TestAttackPathQueryAndFragmentInSegment: the path check cuts a segment at
// ';' and NUL, as Tomcat, Jetty, Spring and C code do, but not at '?' and
// '#'. Any tier that percent-decodes the path and parses the result again
// as a URL cuts there: nginx proxy_pass with $uri, Apache mod_rewrite with
// [P] (the CVE-2023-25690 class), WHATWG URL parsing of a decoded path
// (new URL(decodeURIComponent(req.url), base) in Node). For them
// "..%3F/admin" and "..%23/admin" are "..": the call leaves the route's
// prefix (/v1/.. is /). These must be refused as "..;" is.
func TestAttackPathQueryAndFragmentInSegment(t *testing.T) {
	up := startTargetRecorder(t)
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, Env: map[string]string{
		"GATEHOUSE_ROUTES": `[{"name":"probe","upstream":"` + up.URL + `/v1"}]`,
	}})
	b := loggedIn(t, s, "alice")
	for _, target := range []string{
		"/api/probe/..%3F/admin", "/api/probe/..%3f/admin", "/api/probe/..%3Fx=1/admin", "/api/probe/%2e%2e%3f/admin",
		"/api/probe/..%253F/admin", "/api/probe/..%23/admin", "/api/probe/..%2523/admin", "/api/probe/..#/admin",
		"/api/probe/.%3F/admin", "/api/probe/..%3F",
	} {
		t.Run(target, func(t *testing.T) {
			before := up.count()
			status, code := rawAPI(t, s, b, target)
			if hits := up.since(before); len(hits) > 0 {
				t.Errorf("reached the upstream as %q (%d); decoded and parsed again it names %q", hits[0], status, reparsed(hits[0]))
			}
			if status != http.StatusBadRequest || code != "invalid_request" {
				t.Errorf("%d %q, want 400 invalid_request", status, code)
			}
		})
	}
}

// reparsed is what a tier that decodes the path and parses it again as a
// URL routes on: WHATWG-style, with dot segments removed.
func reparsed(target string) string {
	dec, err := url.PathUnescape(target)
	if err != nil {
		return "?"
	}
	u, err := url.Parse(dec)
	if err != nil {
		return "?"
	}
	return (&url.URL{Path: "/"}).ResolveReference(&url.URL{Path: u.Path}).Path
}

// TestAttackPathEmptySegments: empty segments pass the path check. On a
// route whose upstream URL has no path, /api/<route>//evil.example/x goes
// out with the request target //evil.example/x, which URI-reference
// parsers (PHP parse_url, Python urlsplit, Java URI, Node's
// new URL(req.url, base)) read as the host evil.example and the path /x;
// and /v1//admin is /v1/admin to nginx (merge_slashes) and Spring but not
// to a path-prefix rule upstream. A segment that is empty, other than a
// trailing slash, should be refused like a dot segment (or the slashes
// merged before the check).
func TestAttackPathEmptySegments(t *testing.T) {
	up := startTargetRecorder(t)
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, Env: map[string]string{
		"GATEHOUSE_ROUTES": `[{"name":"root","upstream":"` + up.URL + `"},{"name":"probe","upstream":"` + up.URL + `/v1"}]`,
	}})
	b := loggedIn(t, s, "alice")
	for _, target := range []string{"/api/root//evil.example/x", "/api/root///x", "/api/probe//admin", "/api/probe/a//b"} {
		t.Run(target, func(t *testing.T) {
			before := up.count()
			status, _ := rawAPI(t, s, b, target)
			for _, hit := range up.since(before) {
				if strings.Contains(hit, "//") {
					t.Errorf("reached the upstream as %q (%d)", hit, status)
				}
				if u, err := url.Parse(hit); err == nil && u.Host != "" {
					t.Errorf("the upstream's request target %q names the host %q to a URI-reference parser", hit, u.Host)
				}
			}
		})
	}
	// A trailing slash is no empty segment in this sense and still passes.
	before := up.count()
	if status, _ := rawAPI(t, s, b, "/api/probe/items/"); status != http.StatusOK {
		t.Fatalf("trailing slash: %d", status)
	}
	if hits := up.since(before); len(hits) != 1 || hits[0] != "/v1/items/" {
		t.Fatalf("trailing slash reached the upstream as %q", hits)
	}
}
