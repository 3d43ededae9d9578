package integration

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
	"github.com/gatehouse/gatehouse/bff/middleware"
	"github.com/gatehouse/gatehouse/bff/server"
)

// rawUpstream answers every request on a raw socket with the bytes of
// answer, as an upstream the BFF does not control could: response trailers
// of any name, interim 1xx answers.
func rawUpstream(t *testing.T, answer string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				_, _ = io.WriteString(conn, answer)
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

// edgeLambda starts an edge-mode stack whose one route, probe, goes to
// upstream, signs alice in through the stack's HTTP front, and returns a
// Lambda handler over the same configuration and store, as API Gateway
// invokes it, with a function that calls the route through it.
func edgeLambda(t *testing.T, upstream string) func(path string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	const secret = "origin-verify-secret-value-0123456789"
	s := bfftest.Start(t, bfftest.Options{Store: "dynamodb", Audit: audit, Env: cloudEnv("edge", map[string]string{
		"GATEHOUSE_ORIGIN_VERIFY_SECRET": secret,
		"GATEHOUSE_ROUTES":               `[{"name":"probe","upstream":"` + upstream + `/v1"}]`,
	})})
	s.Audit.Secret("origin verify secret", secret)
	b := s.Browser()
	b.Headers = map[string]string{"X-Origin-Verify": secret}
	b.MustLogin(t, "alice", "/")
	app, err := server.Build(s.Config, server.Deps{Logger: middleware.NewLogger(s.Audit, slog.LevelDebug), Store: s.Store, DataKey: s.Keys, Now: s.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	h := server.LambdaHandler(app.Handler)
	return func(path string) events.APIGatewayV2HTTPResponse {
		t.Helper()
		ev := events.APIGatewayV2HTTPRequest{RawPath: path, Cookies: []string{s.Config.CookieName + "=" + b.SessionCookie()},
			Headers: map[string]string{"x-origin-verify": secret, "x-csrf": "1", "sec-fetch-site": "same-origin", "accept": "application/json",
				"x-forwarded-for": "203.0.113.7, 198.51.100.1", "host": "app.example"}}
		ev.RequestContext.HTTP.Method = http.MethodGet
		ev.RequestContext.HTTP.SourceIP = "198.51.100.1"
		out, err := h(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

// TestLambdaUpstreamTrailersAreNoHeaders: in edge mode the BFF answers API
// Gateway with one buffered response. httputil.ReverseProxy adds an
// upstream's response trailers to the header map after the body, and the
// Lambda adapter used to send the map as it stood at the end, so a trailer
// became a header: Set-Cookie a cookie on the app's origin (here one that
// replaces the session cookie), WWW-Authenticate a challenge, both of which
// the proxy strips from an upstream's headers. What reaches API Gateway is
// the header as it stood when the status was written, as a server sends it.
func TestLambdaUpstreamTrailersAreNoHeaders(t *testing.T) {
	call := edgeLambda(t, rawUpstream(t, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"+
		"Trailer: Set-Cookie, WWW-Authenticate, Location\r\nConnection: close\r\n\r\n"+
		"b\r\n{\"ok\":true}\r\n0\r\n"+
		"Set-Cookie: __Host-gh_session=planted; Path=/; Secure; HttpOnly\r\nWWW-Authenticate: Basic realm=\"corp\"\r\nLocation: https://evil.example/\r\n\r\n"))
	out := call("/api/probe/items")
	if out.StatusCode != http.StatusOK || out.Body != `{"ok":true}` {
		t.Fatalf("%d %q", out.StatusCode, out.Body)
	}
	if len(out.Cookies) > 0 {
		t.Errorf("the upstream's trailer set cookies on the app's origin: %q", out.Cookies)
	}
	for k, v := range out.Headers {
		switch lk := strings.ToLower(k); {
		case strings.Contains(lk, "set-cookie"), strings.Contains(lk, "www-authenticate"), strings.Contains(lk, "location"), lk == "trailer":
			t.Errorf("the upstream's trailer became the header %s: %q", k, v)
		}
	}
	if out.Headers["Content-Security-Policy"] == "" || out.Headers["X-Request-Id"] == "" {
		t.Errorf("the BFF's own headers are missing: %v", out.Headers)
	}
}

// TestLambdaUpstreamInterimAnswer: an upstream may send 103 Early Hints
// (or any 1xx) before its answer. ReverseProxy passes a 1xx on with
// WriteHeader, and the Lambda adapter took the first status written as the
// response's, so the caller got a 103 with the body of the 200 (API Gateway
// cannot send interim answers). The final status is the one that counts.
func TestLambdaUpstreamInterimAnswer(t *testing.T) {
	call := edgeLambda(t, rawUpstream(t, "HTTP/1.1 103 Early Hints\r\nLink: </app.js>; rel=preload\r\n\r\n"+
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}"))
	out := call("/api/probe/items")
	if out.StatusCode != http.StatusOK || out.Body != `{"ok":true}` {
		t.Fatalf("%d %q, want 200 with the upstream's body", out.StatusCode, out.Body)
	}
}
