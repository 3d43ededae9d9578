package integration

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// TestUpgradeRefusedByDefault: on a route without websocket, the browser's
// Upgrade and HTTP2-Settings never reach the upstream, and an upstream that
// switches protocols anyway is refused, so no call becomes a tunnel that
// escapes the route, the limits and logout.
func TestUpgradeRefusedByDefault(t *testing.T) {
	up := startRecorder(t)
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, Env: map[string]string{
		"GATEHOUSE_ROUTES": up.routesJSON(t, map[string]any{"name": "probe"}),
	}})
	b := loggedIn(t, s, "alice")
	h2c := map[string]string{"Connection": "Upgrade, HTTP2-Settings", "Upgrade": "h2c", "HTTP2-Settings": "AAMAAABkAARAAAAAAAIAAAAA"}
	ws := wsHandshake(s.URL)
	ws["X-CSRF"] = "1"
	cases := []struct {
		name    string
		path    string
		headers map[string]string
		status  int
		code    string
	}{
		{"h2c upgrade to a willing upstream", "/api/probe/switch", h2c, http.StatusBadGateway, "bad_gateway"},
		{"plain call answered with a 101", "/api/probe/switch", nil, http.StatusBadGateway, "bad_gateway"},
		{"WebSocket handshake to a route without websocket", "/api/probe/ws", ws, http.StatusOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := callNoTunnel(t, b, s.URL+tc.path, tc.headers)
			if res.Status != tc.status || res.ErrorCode() != tc.code {
				t.Fatalf("%d %s, want %d %q", res.Status, res.Body, tc.status, tc.code)
			}
			got := up.last(t).Header
			for _, h := range []string{"Upgrade", "Connection", "Http2-Settings", "Sec-Websocket-Key", "Sec-Websocket-Version"} {
				if v := got.Get(h); v != "" {
					t.Errorf("%s reached the upstream: %q", h, v)
				}
			}
		})
	}
}

// TestWebSocketTunnelBoundBySession: a route with websocket opens a tunnel
// for a same-origin handshake, carrying the bearer token and none of the
// browser's credentials, and the tunnel closes when the session ends:
// at logout, and when the session's deadline passes.
func TestWebSocketTunnelBoundBySession(t *testing.T) {
	up := startRecorder(t)
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, TunnelRecheck: 100 * time.Millisecond, Env: map[string]string{
		"GATEHOUSE_ROUTES":                   up.routesJSON(t, map[string]any{"name": "live", "websocket": true}),
		"GATEHOUSE_SESSION_IDLE_TIMEOUT":     "15m",
		"GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT": "1h",
	}})

	t.Run("refused handshakes", func(t *testing.T) {
		b := loggedIn(t, s, "alice")
		for name, origin := range map[string]string{"cross-site": "https://evil.example", "no Origin": ""} {
			h := wsHandshake(origin)
			if origin == "" {
				delete(h, "Origin")
			}
			before := up.count()
			res := api(t, b, s, http.MethodGet, "/api/live/ws", "", h)
			if res.Status != http.StatusForbidden || res.ErrorCode() != "csrf_failed" {
				t.Fatalf("%s: %d %s", name, res.Status, res.Body)
			}
			if up.count() != before {
				t.Fatalf("%s: the handshake reached the upstream", name)
			}
		}
		if res := api(t, s.Browser(), s, http.MethodGet, "/api/live/ws", "", wsHandshake(s.URL)); res.Status != http.StatusUnauthorized {
			t.Fatalf("without a session: %d %s", res.Status, res.Body)
		}
	})

	t.Run("closed at logout", func(t *testing.T) {
		b := loggedIn(t, s, "alice")
		tun := openTunnel(t, s, b)
		got := up.last(t)
		if got.Header.Get("Authorization") != "Bearer "+mustTokens(t, s, b.SessionCookie()).AccessToken || got.Header.Get("Cookie") != "" ||
			got.Header.Get("Origin") != "" || !strings.EqualFold(got.Header.Get("Upgrade"), "websocket") || got.Header.Get("Sec-Websocket-Key") == "" {
			t.Fatalf("the upstream got the handshake as %v", got.Header)
		}
		time.Sleep(300 * time.Millisecond) // several re-checks of a live session
		tun.echo(t, "still open")
		if res := api(t, b, s, http.MethodPost, "/auth/logout", "", nil); res.Status != http.StatusOK {
			t.Fatalf("logout: %d %s", res.Status, res.Body)
		}
		tun.mustClose(t)
	})

	t.Run("closed at the session's deadline", func(t *testing.T) {
		b := loggedIn(t, s, "alice")
		tun := openTunnel(t, s, b)
		s.Clock.Advance(16 * time.Minute) // past the idle timeout: a tunnel is no activity
		tun.mustClose(t)
		if res := api(t, b, s, http.MethodGet, "/auth/user", "", nil); res.Status != http.StatusUnauthorized {
			t.Fatalf("the session outlived its deadline: %d", res.Status)
		}
	})
}

// callNoTunnel is an API GET as the SPA sends it, with extra headers, that
// fails the test at once if the answer switches protocols (a tunnel would
// hold the answer open).
func callNoTunnel(t *testing.T, b *bfftest.Browser, target string, extra map[string]string) bfftest.Result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	for k, v := range map[string]string{"X-CSRF": "1", "Sec-Fetch-Site": "same-origin", "Accept": "application/json"} {
		req.Header.Set(k, v)
	}
	for k, v := range extra {
		req.Header.Set(k, v)
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		t.Fatalf("the BFF switched protocols (%s): the call became a tunnel", resp.Header.Get("Upgrade"))
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return bfftest.Result{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// wsHandshake is what a browser's new WebSocket(url) sends, from origin.
func wsHandshake(origin string) map[string]string {
	return map[string]string{
		"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
		"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": origin, "X-CSRF": "",
	}
}

type wsTunnel struct {
	conn io.ReadWriteCloser
	r    *bufio.Reader
}

// openTunnel performs the handshake as the browser and returns its end of
// the tunnel, after checking the upstream's accept key came through.
func openTunnel(t *testing.T, s *bfftest.Stack, b *bfftest.Browser) *wsTunnel {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/api/live/ws", nil)
	for k, v := range wsHandshake(s.URL) {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("handshake: %d %s", resp.StatusCode, body)
	}
	sum := sha1.Sum([]byte("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("accept key %q", resp.Header.Get("Sec-WebSocket-Accept"))
	}
	conn := resp.Body.(io.ReadWriteCloser)
	t.Cleanup(func() { _ = conn.Close() })
	tun := &wsTunnel{conn: conn, r: bufio.NewReader(conn)}
	tun.echo(t, "hello")
	return tun
}

func (w *wsTunnel) echo(t *testing.T, msg string) {
	t.Helper()
	if _, err := io.WriteString(w.conn, msg+"\n"); err != nil {
		t.Fatalf("write: %v", err)
	}
	line := make(chan string, 1)
	go func() {
		l, _ := w.r.ReadString('\n')
		line <- l
	}()
	select {
	case l := <-line:
		if l != msg+"\n" {
			t.Fatalf("echo %q, want %q", l, msg)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no echo")
	}
}

// mustClose waits for the BFF to close the tunnel (within a generous bound
// that only a tunnel left open would reach).
func (w *wsTunnel) mustClose(t *testing.T) {
	t.Helper()
	closed := make(chan bool, 1)
	go func() { closed <- tunnelClosed(w.r) }()
	select {
	case ok := <-closed:
		if !ok {
			t.Fatal("the tunnel carried data instead of closing")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the tunnel stayed open after its session ended")
	}
}
