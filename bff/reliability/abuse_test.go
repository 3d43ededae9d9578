package reliability

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestRequestSmuggling sends framing that front ends and back ends may read
// differently. A request hidden in a body never reaches the upstream, and
// the visible one reaches it at most once. Malformed framing is refused and
// the connection closed. Content-Length with Transfer-Encoding is read by
// the latter, as RFC 9112 allows (net/http gives a handler no way to see the
// conflict), and the connection is closed after the answer, as RFC 9112
// requires, so nothing left in the body is read as a second request.
func TestRequestSmuggling(t *testing.T) {
	h := start(t, Options{})
	c := signedIn(t, h, UserName(0))
	hdr := rawHeaders(h, c)
	smuggled := "GET /api/data/smuggled HTTP/1.1\r\n" + hdr + "\r\n"
	chunkedThenSmuggled := "0\r\n\r\n" + smuggled
	cases := []struct {
		name string
		raw  string
		// refuse: the server must answer once, with one of these, and close.
		refuse []int
		// ambiguous: Content-Length and Transfer-Encoding together; the
		// server must answer once and close.
		ambiguous bool
	}{
		{"Content-Length then Transfer-Encoding (CL.TE)", "POST /api/data/front HTTP/1.1\r\n" + hdr +
			fmt.Sprintf("Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n", len(chunkedThenSmuggled)) + chunkedThenSmuggled, nil, true},
		{"Transfer-Encoding then a short Content-Length (TE.CL)", "POST /api/data/front HTTP/1.1\r\n" + hdr +
			"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" + chunkedThenSmuggled, nil, true},
		{"two different Content-Lengths", "POST /api/data/front HTTP/1.1\r\n" + hdr +
			"Content-Length: 5\r\nContent-Length: " + fmt.Sprint(5+len(smuggled)) + "\r\n\r\n{\"a\":" + smuggled, []int{400}, false},
		{"chunked, identity", "POST /api/data/front HTTP/1.1\r\n" + hdr + "Transfer-Encoding: chunked, identity\r\n\r\n" + chunkedThenSmuggled, []int{400, 501}, false},
		{"Transfer-Encoding twice", "POST /api/data/front HTTP/1.1\r\n" + hdr + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedThenSmuggled, []int{400, 501}, false},
		{"space before the colon", "POST /api/data/front HTTP/1.1\r\n" + hdr + "Transfer-Encoding : chunked\r\n\r\n" + chunkedThenSmuggled, []int{400}, false},
		// The fold joins the previous header, so the body is empty and "0" is
		// read as the next request line, which is refused.
		{"obsolete line folding", "POST /api/data/front HTTP/1.1\r\n" + hdr + "X-Pad: a\r\n Transfer-Encoding: chunked\r\n\r\n" + chunkedThenSmuggled, nil, false},
		{"Content-Length with a sign", "POST /api/data/front HTTP/1.1\r\n" + hdr + "Content-Length: +5\r\n\r\n{\"a\":" + smuggled, []int{400}, false},
		{"two Host headers", "GET /api/data/front HTTP/1.1\r\n" + hdr + "Host: evil.example\r\n\r\n" + smuggled, []int{400}, false},
		{"bare LF chunk framing", "POST /api/data/front HTTP/1.1\r\n" + hdr + "Transfer-Encoding: chunked\r\n\r\n0\n\n" + smuggled, []int{400}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			front, hidden := hitsUnder(h.Upstream, "/data/front"), hitsUnder(h.Upstream, "/data/smuggled")
			a := rawExchange(t, h.Addr, tc.raw, 3*time.Second)
			t.Logf("answers %v, closed %v", a.Statuses, a.Closed)
			if n := hitsUnder(h.Upstream, "/data/smuggled") - hidden; n != 0 {
				t.Fatalf("the hidden request reached the upstream %d times", n)
			}
			if n := hitsUnder(h.Upstream, "/data/front") - front; n > 1 {
				t.Fatalf("the visible request reached the upstream %d times", n)
			}
			if (tc.ambiguous || tc.refuse != nil) && (len(a.Statuses) != 1 || !a.Closed) {
				t.Fatalf("answers %v, closed %v; want one answer and a closed connection", a.Statuses, a.Closed)
			}
			if tc.refuse != nil && !contains(tc.refuse, a.Statuses[0]) {
				t.Fatalf("answer %d, want one of %v\n%s", a.Statuses[0], tc.refuse, tail(h.BFF.Output()))
			}
			for _, s := range a.Statuses {
				if s >= 500 && s != http.StatusNotImplemented {
					t.Fatalf("answer %d", s)
				}
			}
		})
	}
	if res := call(t, c, http.MethodGet, "/auth/user"); res.Status != http.StatusOK {
		t.Fatalf("the session did not survive: %d", res.Status)
	}
}

// TestOversizedRequests: header blocks past the 64 KiB limit get 431 and a
// closed connection, however the bytes are spread.
func TestOversizedRequests(t *testing.T) {
	h := start(t, Options{})
	big := strings.Repeat("a", 100<<10)
	many := strings.Repeat("X-Many: 0123456789abcdef0123456789abcdef\r\n", 3000)
	cases := []struct{ name, raw string }{
		{"one huge header", "GET /healthz HTTP/1.1\r\nHost: " + h.Addr + "\r\nX-Big: " + big + "\r\n\r\n"},
		{"thousands of headers", "GET /healthz HTTP/1.1\r\nHost: " + h.Addr + "\r\n" + many + "\r\n"},
		{"huge request target", "GET /api/data/" + big + " HTTP/1.1\r\nHost: " + h.Addr + "\r\n\r\n"},
		{"huge cookie", "GET /auth/user HTTP/1.1\r\nHost: " + h.Addr + "\r\nCookie: " + CookieName + "=" + big + "\r\n\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := rawExchange(t, h.Addr, tc.raw, 5*time.Second)
			if len(a.Statuses) != 1 || a.Statuses[0] != http.StatusRequestHeaderFieldsTooLarge || !a.Closed {
				t.Fatalf("answers %v, closed %v; want one 431 and a closed connection", a.Statuses, a.Closed)
			}
		})
	}
	if a := rawExchange(t, h.Addr, "GET /healthz HTTP/1.1\r\nHost: "+h.Addr+"\r\nConnection: close\r\n\r\n", 5*time.Second); len(a.Statuses) != 1 || a.Statuses[0] != 200 {
		t.Fatalf("after the oversized requests /healthz answered %v", a.Statuses)
	}
}

// TestSlowloris: clients that trickle their headers are cut off by the
// server's header timeout, and meanwhile everyone else is served.
func TestSlowloris(t *testing.T) {
	h := start(t, Options{})
	c := signedIn(t, h, UserName(0))
	const slow = 32
	closed := make(chan error, slow)
	for i := 0; i < slow; i++ {
		conn, err := net.Dial("tcp", h.Addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		go func() {
			_, _ = conn.Write([]byte("GET /auth/user HTTP/1.1\r\nHost: " + h.Addr + "\r\n"))
			buf := make([]byte, 1)
			for {
				_ = conn.SetReadDeadline(time.Now().Add(time.Second))
				if _, err := conn.Read(buf); err != nil && !isTimeout(err) {
					closed <- err
					return
				}
				if _, err := conn.Write([]byte("X-a: b\r\n")); err != nil {
					closed <- err
					return
				}
			}
		}()
	}
	// The server keeps serving while the slow clients hold their connections.
	for i := 0; i < 5; i++ {
		if res := call(t, c, http.MethodGet, "/api/data/while-slow"); res.Status != http.StatusOK {
			t.Fatalf("a normal call during the slowloris got %d", res.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// ReadHeaderTimeout is 10s; the bound here is only a safety net.
	deadline := time.After(60 * time.Second)
	for i := 0; i < slow; i++ {
		select {
		case <-closed:
		case <-deadline:
			t.Fatalf("%d of %d slow connections still open after 60s", slow-i, slow)
		}
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestAbsurdCookies: thousands of cookies, duplicates and junk around the
// session cookie are answered without a 5xx, find the session when it is
// there, never reach the upstream, and never end the real session.
func TestAbsurdCookies(t *testing.T) {
	h := start(t, Options{})
	c := signedIn(t, h, UserName(0))
	valid := CookieName + "=" + c.SessionCookie()
	var junk []string
	for i := 0; i < 2000; i++ {
		junk = append(junk, fmt.Sprintf("c%d=%d", i, i))
	}
	junkHeader := strings.Join(junk, "; ")
	cases := []struct {
		name   string
		cookie string
		status []int
	}{
		{"2000 cookies and the session", junkHeader + "; " + valid, []int{200}},
		{"the session and 2000 cookies", valid + "; " + junkHeader, []int{200}},
		{"2000 cookies, no session", junkHeader, []int{401}},
		{"500 copies of the session cookie", strings.TrimSuffix(strings.Repeat(valid+"; ", 500), "; "), []int{200}},
		{"a forged session cookie before the real one", CookieName + "=" + strings.Repeat("A", 43) + "; " + valid, []int{200, 401}},
		{"an empty session cookie", CookieName + "=", []int{401}},
		{"quoted and control characters", CookieName + "=\"" + c.SessionCookie() + "\"; x=\x01\x7f", []int{200, 400, 401}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.Upstream.Hits())
			raw := "GET /api/data/cookies HTTP/1.1\r\nHost: " + h.Addr + "\r\nCookie: " + tc.cookie +
				"\r\nX-CSRF: 1\r\nSec-Fetch-Site: same-origin\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
			a := rawExchange(t, h.Addr, raw, 10*time.Second)
			if len(a.Statuses) != 1 || !contains(tc.status, a.Statuses[0]) {
				t.Fatalf("answers %v %q, want one of %v", a.Statuses, a.Bodies, tc.status)
			}
			for _, hit := range h.Upstream.Hits()[before:] {
				if hit.Cookie != "" {
					t.Fatalf("cookies reached the upstream: %.80s", hit.Cookie)
				}
			}
			if res := call(t, c, http.MethodGet, "/auth/user"); res.Status != http.StatusOK {
				t.Fatalf("the real session did not survive: %d", res.Status)
			}
		})
	}
}

// TestEncodedTraversal: dot segments, encoded or not, overlong UTF-8 and
// Unicode look-alikes never take an API call out of its route or a static
// request out of the SPA directory.
func TestEncodedTraversal(t *testing.T) {
	h := start(t, Options{})
	c := signedIn(t, h, UserName(0))
	api := []string{
		"/api/data/../reset/x", "/api/data/%2e%2e/reset/x", "/api/data/%2E%2E/%2e%2e/reset", "/api/data/..%2freset/x",
		"/api/data/..%2Freset%2Fx", "/api/data/%2e%2e%2freset", "/api/data/..%5creset", "/api/data/.%2e/reset",
		"/api/data/%252e%252e/reset", "/api/data/%c0%ae%c0%ae/reset", "/api/data/%e2%80%a4%e2%80%a4/reset",
		"/api/data/%ef%bc%8e%ef%bc%8e/reset", "/api/data/\u2024\u2024/reset", "/api/../api/reset/x", "/api/./reset/x",
		"/api/data/./x", "/api/data//../reset", "/api%2freset/x", "/api/reset%2f..%2fdata", "/api/data/x/../../reset",
	}
	for _, target := range api {
		t.Run("api "+target, func(t *testing.T) {
			before := len(h.Upstream.Hits())
			a := rawExchange(t, h.Addr, "GET "+target+" HTTP/1.1\r\n"+rawHeaders(h, c)+"Connection: close\r\n\r\n", 10*time.Second)
			if len(a.Statuses) != 1 {
				t.Fatalf("answers %v", a.Statuses)
			}
			if s := a.Statuses[0]; s != 200 && s != 400 && s != 404 {
				t.Fatalf("answer %d %s", s, a.Bodies[0])
			}
			for _, hit := range h.Upstream.Hits()[before:] {
				if !strings.HasPrefix(hit.Path, "/data/") {
					t.Fatalf("%s reached the upstream as %s", target, hit.Path)
				}
				for _, seg := range strings.Split(hit.Path, "/") {
					if dec, err := url.PathUnescape(seg); err != nil || dec == "." || dec == ".." || strings.ContainsAny(dec, `/\`) {
						t.Fatalf("%s reached the upstream as %s", target, hit.Path)
					}
				}
			}
		})
	}
	static := []string{
		"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt", "/assets/..%2f..%2fsecret.txt",
		"/assets/%2e%2e/%2e%2e/secret.txt", "/..%5csecret.txt", "/%c0%ae%c0%ae/secret.txt", "/\u2024\u2024/secret.txt",
		"/%ef%bc%8e%ef%bc%8e/secret.txt", "/.env", "/%2eenv", "/assets/../.env", "/assets%2f..%2f.env", "//secret.txt",
		"/./.env", "/index.html/../../secret.txt",
	}
	for _, target := range static {
		for _, accept := range []string{"text/html", "*/*"} {
			t.Run("static "+target+" "+accept, func(t *testing.T) {
				a := rawExchange(t, h.Addr, "GET "+target+" HTTP/1.1\r\nHost: "+h.Addr+"\r\nAccept: "+accept+"\r\nConnection: close\r\n\r\n", 10*time.Second)
				if len(a.Statuses) != 1 {
					t.Fatalf("answers %v", a.Statuses)
				}
				if a.Statuses[0] >= 500 || strings.Contains(a.Bodies[0], h.OutsideSecret) {
					t.Fatalf("answer %d %q", a.Statuses[0], a.Bodies[0])
				}
			})
		}
	}
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
