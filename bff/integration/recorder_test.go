package integration

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// received is one request exactly as the recorder's socket got it.
type received struct {
	Method     string
	RequestURI string
	Header     http.Header
}

// recorder is an upstream that records every request and answers by the
// last path segment, including the answers a hostile or careless upstream
// gives: redirects, challenges, a protocol switch nobody asked for, and a
// WebSocket echo.
type recorder struct {
	URL string
	mu  sync.Mutex
	got []received
	// tunnels are the upstream ends of open WebSocket tunnels.
	tunnels chan net.Conn
}

func startRecorder(t *testing.T) *recorder {
	t.Helper()
	rec := &recorder{tunnels: make(chan net.Conn, 8)}
	srv := httptest.NewServer(http.HandlerFunc(rec.serve))
	t.Cleanup(srv.Close)
	rec.URL = srv.URL
	return rec
}

// routesJSON is a GATEHOUSE_ROUTES value with the given route objects, each
// pointed at the recorder under /<name>.
func (rec *recorder) routesJSON(t *testing.T, routes ...map[string]any) string {
	t.Helper()
	for _, r := range routes {
		r["upstream"] = rec.URL + "/" + r["name"].(string)
	}
	b, err := json.Marshal(routes)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (rec *recorder) all() []received {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]received(nil), rec.got...)
}

func (rec *recorder) count() int { return len(rec.all()) }

func (rec *recorder) last(t *testing.T) received {
	t.Helper()
	all := rec.all()
	if len(all) == 0 {
		t.Fatal("nothing reached the upstream")
	}
	return all[len(all)-1]
}

func (rec *recorder) serve(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	rec.mu.Lock()
	rec.got = append(rec.got, received{Method: r.Method, RequestURI: r.RequestURI, Header: r.Header.Clone()})
	rec.mu.Unlock()
	h := w.Header()
	switch last := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]; last {
	case "redirect":
		h.Set("Location", rec.URL+"/elsewhere")
		w.WriteHeader(http.StatusFound)
		return
	case "moved":
		h.Set("Location", "https://evil.example/phish")
		w.WriteHeader(http.StatusPermanentRedirect)
		return
	case "created":
		h.Set("Location", strings.TrimSuffix(r.URL.Path, "created")+"items/7?v=2")
		h.Set("Content-Location", "http://todo.internal:9000/v1/items/7")
		w.WriteHeader(http.StatusCreated)
		return
	case "challenge":
		h.Set("WWW-Authenticate", `Basic realm="corp"`)
		h.Add("WWW-Authenticate", `Bearer error="invalid_token"`)
		h.Set("Proxy-Authenticate", `Basic realm="proxy"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	case "switch":
		// Switches protocols whatever the request asked for.
		rec.switchProtocols(w, "h2c", "")
		return
	case "ws":
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
			rec.switchProtocols(w, "websocket", base64.StdEncoding.EncodeToString(sum[:]))
			return
		}
	}
	h.Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
}

// switchProtocols answers 101 on the raw connection. For a WebSocket the
// connection then echoes what it reads and is handed to the test; for any
// other protocol it is closed at once.
func (rec *recorder) switchProtocols(w http.ResponseWriter, proto, accept string) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	head := "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + proto + "\r\n"
	if accept != "" {
		head += "Sec-WebSocket-Accept: " + accept + "\r\n"
	}
	_, _ = brw.WriteString(head + "\r\n")
	_ = brw.Flush()
	if proto != "websocket" {
		_ = conn.Close()
		return
	}
	rec.tunnels <- conn
	go func() {
		defer conn.Close()
		_, _ = io.Copy(conn, brw)
	}()
}

// tunnelClosed waits for one read on a client's tunnel to end, and reports
// whether it ended because the connection closed (EOF or reset).
func tunnelClosed(r *bufio.Reader) bool {
	_, err := r.ReadByte()
	return err != nil
}
