//go:build attack

package integration

import (
	"bufio"
	"io"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// TestAttackUpstreamInterimAnswerBypassesResponsePolicy: an upstream's 1xx
// answer (103 Early Hints) is not an *http.Response, so ModifyResponse and
// the response policy never see it: ReverseProxy copies its headers onto
// the BFF's response, writes the 1xx, and then clears the header map. So
// the browser receives the upstream's Set-Cookie and WWW-Authenticate in
// the 103, and the final answer has lost every header the BFF set before
// proxying: Content-Security-Policy, X-Content-Type-Options, X-Frame-Options,
// Cache-Control: no-store, Strict-Transport-Security and X-Request-Id. Here
// the upstream's final answer is text/html with a script, on the app's
// origin, without nosniff or CSP. API answers must carry the BFF's headers
// whatever the upstream sends first, and no interim answer may carry what
// the policy strips.
func TestAttackUpstreamInterimAnswerBypassesResponsePolicy(t *testing.T) {
	upstream := rawUpstream(t, "HTTP/1.1 103 Early Hints\r\nLink: </app.js>; rel=preload\r\n"+
		"Set-Cookie: __Host-gh_session=planted; Path=/; Secure; HttpOnly\r\nWWW-Authenticate: Basic realm=\"corp\"\r\n\r\n"+
		"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 25\r\nConnection: close\r\n\r\n<script>alert(1)</script>")
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, Env: map[string]string{
		"GATEHOUSE_ROUTES": `[{"name":"probe","upstream":"` + upstream + `/v1"}]`,
	}})
	b := loggedIn(t, s, "alice")

	conn, host := dialBFF(t, s)
	_, err := io.WriteString(conn, "GET /api/probe/items HTTP/1.1\r\nHost: "+host+"\r\nCookie: "+s.Config.CookieName+"="+b.SessionCookie()+
		"\r\nX-CSRF: 1\r\nSec-Fetch-Site: same-origin\r\nAccept: application/json\r\nConnection: close\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	// Read every answer on the connection, interim ones included.
	r := textproto.NewReader(bufio.NewReader(conn))
	for {
		status, err := r.ReadLine()
		if err != nil {
			t.Fatalf("reading the answers: %v", err)
		}
		h, err := r.ReadMIMEHeader()
		if err != nil {
			t.Fatalf("reading the answers: %v", err)
		}
		header := http.Header(h)
		if strings.HasPrefix(status, "HTTP/1.1 1") {
			for _, k := range []string{"Set-Cookie", "Www-Authenticate"} {
				if v := header.Get(k); v != "" {
					t.Errorf("the interim answer %q carried the upstream's %s: %q", status, k, v)
				}
			}
			continue
		}
		if !strings.HasPrefix(status, "HTTP/1.1 200") {
			t.Fatalf("final answer %q", status)
		}
		for k, want := range map[string]string{
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", "X-Content-Type-Options": "nosniff",
			"X-Frame-Options": "DENY", "Cache-Control": "no-store", "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		} {
			if got := header.Values(k); !contains(got, want) {
				t.Errorf("the final answer lacks %s: %s (has %q)", k, want, got)
			}
		}
		if header.Get("X-Request-Id") == "" {
			t.Error("the final answer lacks X-Request-Id")
		}
		return
	}
}
