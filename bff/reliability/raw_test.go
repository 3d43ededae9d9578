package reliability

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// rawAnswer is what the server sent back on one connection.
type rawAnswer struct {
	Statuses []int
	Bodies   []string
	// Closed is set when the server closed the connection (rather than the
	// read deadline passing with the connection still open).
	Closed bool
}

// rawExchange writes raw bytes on a fresh connection, so nothing between
// the test and the server normalizes them, and reads every answer until the
// server closes the connection or wait passes.
func rawExchange(t *testing.T, addr, raw string, wait time.Duration) rawAnswer {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	br := bufio.NewReader(conn)
	var a rawAnswer
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			a.Closed = !errors.Is(err, os.ErrDeadlineExceeded)
			return a
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		a.Statuses = append(a.Statuses, resp.StatusCode)
		a.Bodies = append(a.Bodies, string(body))
	}
}

// rawHeaders are the headers of an API call from signed-in client c.
func rawHeaders(h *Harness, c *Client) string {
	return "Host: " + h.Addr + "\r\nCookie: " + CookieName + "=" + c.SessionCookie() +
		"\r\nX-CSRF: 1\r\nSec-Fetch-Site: same-origin\r\nOrigin: " + h.URL + "\r\nAccept: application/json\r\n"
}

func hitsUnder(u *Upstream, prefix string) int {
	n := 0
	for _, hit := range u.Hits() {
		if strings.HasPrefix(hit.Path, prefix) {
			n++
		}
	}
	return n
}
