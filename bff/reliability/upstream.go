package reliability

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// UserHeader names the load user on proxied calls; the data route adds it
// to its forwarded headers, so the upstream can tell which session's token
// it received.
const UserHeader = "X-Load-User"

// UpstreamHeader marks answers the upstream wrote, so an error status can be
// told apart from one the BFF produced itself.
const UpstreamHeader = "X-Upstream"

// Hit is one request as the upstream received it.
type Hit struct {
	Method, Path, User, Authorization, Cookie string
	BodyLen                                   int
}

// Upstream is the downstream API behind the BFF's routes:
//   - /data/*  answers JSON at once;
//   - /hang/*  never answers (until the caller gives up);
//   - /reset/* resets the TCP connection without an answer;
//   - /hold/*  answers once Release is called.
type Upstream struct {
	URL string
	// Arrived receives one value per /hold request as it arrives.
	Arrived chan struct{}
	srv     *httptest.Server
	mu      sync.Mutex
	hits    []Hit
	release chan struct{}
	once    sync.Once
	stop    chan struct{}
}

// StartUpstream serves on a loopback port until Close.
func StartUpstream() *Upstream {
	u := &Upstream{Arrived: make(chan struct{}, 1024), release: make(chan struct{}), stop: make(chan struct{})}
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	u.URL = u.srv.URL
	return u
}

func (u *Upstream) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.Copy(io.Discard, r.Body)
	u.mu.Lock()
	u.hits = append(u.hits, Hit{Method: r.Method, Path: r.URL.EscapedPath(), User: r.Header.Get(UserHeader),
		Authorization: r.Header.Get("Authorization"), Cookie: r.Header.Get("Cookie"), BodyLen: int(body)})
	u.mu.Unlock()
	switch {
	case strings.HasPrefix(r.URL.Path, "/hang/"):
		select {
		case <-r.Context().Done():
		case <-u.stop:
		}
		return
	case strings.HasPrefix(r.URL.Path, "/reset/"):
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0) // close with RST, not FIN
		}
		_ = conn.Close()
		return
	case strings.HasPrefix(r.URL.Path, "/hold/"):
		u.Arrived <- struct{}{}
		select {
		case <-u.release:
		case <-u.stop:
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(UpstreamHeader, "1")
	_ = json.NewEncoder(w).Encode(map[string]string{"path": r.URL.EscapedPath(), "content": "Hello"})
}

// Release lets every held /hold request answer.
func (u *Upstream) Release() { u.once.Do(func() { close(u.release) }) }

// Hits returns every request so far.
func (u *Upstream) Hits() []Hit {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]Hit(nil), u.hits...)
}

// Close ends held requests and stops the server.
func (u *Upstream) Close() {
	close(u.stop)
	u.srv.CloseClientConnections()
	u.srv.Close()
}
