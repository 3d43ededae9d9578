package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// echoUpstream accepts WebSocket handshakes and echoes the tunnel's bytes.
func echoUpstream(t *testing.T) *url.URL {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
		_ = brw.Flush()
		_, _ = io.Copy(conn, brw)
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u
}

// tunnelProxy serves one WebSocket route on a real server with the given
// ReadTimeout, as the BFF's HTTP server has one.
func tunnelProxy(t *testing.T, check func(context.Context) (time.Time, error), expires time.Time, readTimeout time.Duration) string {
	t.Helper()
	p, err := New(Options{
		Routes: []Route{{Name: "live", Upstream: echoUpstream(t), WebSocket: true}},
		Principal: func(context.Context) (Principal, bool) {
			return Principal{AccessToken: "at", SessionExpiresAt: expires}, true
		},
		PublicURL:     &url.URL{Scheme: "https", Host: "app.example.gov"},
		SessionCheck:  check,
		TunnelRecheck: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(p)
	srv.Config.ReadTimeout = readTimeout
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func dialTunnel(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_, _ = io.WriteString(conn, "GET /api/live/ws HTTP/1.1\r\nHost: app.example.gov\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	return conn, br
}

func echoes(conn net.Conn, br *bufio.Reader) bool {
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	defer conn.SetDeadline(time.Time{})
	if _, err := io.WriteString(conn, "ping\n"); err != nil {
		return false
	}
	line, err := br.ReadString('\n')
	return err == nil && line == "ping\n"
}

func closedWithin(conn net.Conn, br *bufio.Reader, d time.Duration) bool {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	_, err := br.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// The tunnel outlives the server's ReadTimeout while the session lives:
// net/http clears the connection's deadlines at the hijack.
func TestTunnelOutlivesReadTimeout(t *testing.T) {
	live := func(context.Context) (time.Time, error) { return time.Now().Add(time.Hour), nil }
	conn, br := dialTunnel(t, tunnelProxy(t, live, time.Now().Add(time.Hour), 200*time.Millisecond))
	time.Sleep(500 * time.Millisecond)
	if !echoes(conn, br) {
		t.Fatal("the tunnel was cut by the handshake's ReadTimeout")
	}
}

// While the store cannot answer, the tunnel lives on to the session's last
// known deadline and closes there; it never outlives it.
func TestTunnelKeptToLastKnownDeadlineWhileStoreDown(t *testing.T) {
	var checks atomic.Int32
	down := func(context.Context) (time.Time, error) {
		checks.Add(1)
		return time.Time{}, errors.New("session: store unavailable")
	}
	conn, br := dialTunnel(t, tunnelProxy(t, down, time.Now().Add(400*time.Millisecond), 0))
	if !echoes(conn, br) {
		t.Fatal("no echo while the deadline is ahead")
	}
	if !closedWithin(conn, br, 10*time.Second) {
		t.Fatal("the tunnel outlived the session's last known deadline")
	}
	if checks.Load() < 2 {
		t.Fatalf("%d checks: the store was not asked again", checks.Load())
	}
}

// A deadline that SessionCheck moves on keeps the tunnel open past the
// first one; ErrSessionEnded closes it at the next check.
func TestTunnelFollowsTheSession(t *testing.T) {
	var ended atomic.Bool
	check := func(context.Context) (time.Time, error) {
		if ended.Load() {
			return time.Time{}, ErrSessionEnded
		}
		return time.Now().Add(time.Minute), nil
	}
	conn, br := dialTunnel(t, tunnelProxy(t, check, time.Now().Add(100*time.Millisecond), 0))
	time.Sleep(300 * time.Millisecond)
	if !echoes(conn, br) {
		t.Fatal("the tunnel closed at a deadline the session had moved on from")
	}
	ended.Store(true)
	if !closedWithin(conn, br, 10*time.Second) {
		t.Fatal("the tunnel stayed open after its session ended")
	}
}

func TestWebSocketRouteNeedsSessionCheck(t *testing.T) {
	u, _ := url.Parse("http://upstream.internal")
	_, err := New(Options{
		Routes:    []Route{{Name: "live", Upstream: u, WebSocket: true}},
		Principal: func(context.Context) (Principal, bool) { return Principal{}, false },
		PublicURL: &url.URL{Scheme: "https", Host: "app.example.gov"},
	})
	if err == nil {
		t.Fatal("a WebSocket route without SessionCheck was accepted")
	}
}
