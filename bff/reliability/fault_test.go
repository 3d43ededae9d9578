package reliability

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func bg(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // safety net only
	t.Cleanup(cancel)
	return ctx
}

func signedIn(t *testing.T, h *Harness, user string) *Client {
	t.Helper()
	c := h.NewClient(user)
	if err := c.Login(bg(t)); err != nil {
		t.Fatal(err)
	}
	return c
}

func call(t *testing.T, c *Client, method, path string) Response {
	t.Helper()
	res, err := c.API(bg(t), method, path)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return res
}

// wantJSONError checks a BFF error answer: status, JSON code, no-store, and
// no cookie cleared or set.
func wantJSONError(t *testing.T, res Response, status int, code string) {
	t.Helper()
	if res.Status != status || res.ErrorCode() != code || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("got %d %s (%s), want %d {\"error\":%q}", res.Status, res.Body, res.Header.Get("Content-Type"), status, code)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", res.Header.Get("Cache-Control"))
	}
	if sc := res.Header.Values("Set-Cookie"); len(sc) > 0 {
		t.Errorf("an error answer touched cookies: %q", sc)
	}
}

// TestRedisStoppedMidRun: two users call the API continuously while
// redis-server is frozen (SIGSTOP) past the BFF's store timeout, then
// thawed. During the outage the BFF answers 503 JSON and keeps the cookie;
// afterwards the same sessions work again, without restarting the BFF. No
// answer is ever a 401: no session was deleted.
func TestRedisStoppedMidRun(t *testing.T) {
	h := start(t, Options{Users: 2})
	clients := []*Client{signedIn(t, h, UserName(0)), signedIn(t, h, UserName(1))}
	cookies := []string{clients[0].SessionCookie(), clients[1].SessionCookie()}

	var mu sync.Mutex
	counts := map[int]int{}
	var outage []Response
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func(c *Client) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				res, err := c.API(bg(t), http.MethodGet, "/api/data/mid-run")
				if err != nil {
					t.Errorf("%s: %v", c.User, err)
					return
				}
				mu.Lock()
				counts[res.Status]++
				if res.Status != http.StatusOK {
					outage = append(outage, res)
				}
				mu.Unlock()
				time.Sleep(50 * time.Millisecond)
			}
		}(c)
	}
	time.Sleep(500 * time.Millisecond)
	if err := h.Redis.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	thawed := false
	thaw := func() {
		if !thawed {
			thawed = true
			_ = h.Redis.Signal(syscall.SIGCONT)
		}
	}
	defer thaw()
	// Longer than the 3s store timeout, so requests meet the outage.
	time.Sleep(5 * time.Second)
	ready, err := clients[0].Do(bg(t), http.MethodGet, h.URL+"/readyz", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantJSONError(t, ready, http.StatusServiceUnavailable, "session_store_unavailable")
	thaw()
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	t.Logf("answers by status: %v", counts)
	if counts[http.StatusServiceUnavailable] == 0 {
		t.Fatal("no request met the outage")
	}
	for status := range counts {
		if status != http.StatusOK && status != http.StatusServiceUnavailable {
			t.Errorf("%d answers with status %d; only 200 and 503 are acceptable", counts[status], status)
		}
	}
	for _, res := range outage {
		wantJSONError(t, res, http.StatusServiceUnavailable, "session_store_unavailable")
	}
	if h.BFF.Exited() {
		t.Fatal("the BFF process exited")
	}
	for i, c := range clients {
		if c.SessionCookie() != cookies[i] {
			t.Errorf("%s: the session cookie changed during the outage", c.User)
		}
		if res := call(t, c, http.MethodGet, "/auth/user"); res.Status != http.StatusOK {
			t.Errorf("%s after the outage: /auth/user = %d %s", c.User, res.Status, res.Body)
		}
		if res := call(t, c, http.MethodGet, "/api/data/after"); res.Status != http.StatusOK {
			t.Errorf("%s after the outage: API = %d %s", c.User, res.Status, res.Body)
		}
	}
	if ready, _ := clients[0].Do(bg(t), http.MethodGet, h.URL+"/readyz", nil, nil); ready.Status != http.StatusOK {
		t.Errorf("/readyz after the outage = %d", ready.Status)
	}
}

// TestIdPDownAtLogin: a browser meets a clear error page, not a stack trace,
// a blank page or a redirect loop, and gets no session; an API-style caller
// gets JSON.
func TestIdPDownAtLogin(t *testing.T) {
	cases := []struct {
		name string
		// run signs in as far as the case allows, stops the IdP and returns
		// the request that meets the outage.
		run func(t *testing.T, h *Harness, c *Client) string
	}{
		{"before the first login", func(t *testing.T, h *Harness, c *Client) string {
			h.IdP.Stop()
			return h.URL + "/auth/login?returnTo=%2Ftodos"
		}},
		{"between the IdP's redirect and the code exchange", func(t *testing.T, h *Harness, c *Client) string {
			callback, err := c.LoginUntilCallback(bg(t))
			if err != nil {
				t.Fatal(err)
			}
			h.IdP.Stop()
			return callback
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, Options{})
			c := h.NewClient(UserName(0))
			target := tc.run(t, h, c)
			page, err := c.Do(bg(t), http.MethodGet, target, nil, map[string]string{"Accept": "text/html"})
			if err != nil {
				t.Fatal(err)
			}
			if page.Status != http.StatusBadGateway || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("got %d %s, want a 502 HTML page", page.Status, page.Header.Get("Content-Type"))
			}
			body := string(page.Body)
			for _, want := range []string{"The sign-in service is unavailable", "could not be reached"} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q:\n%s", want, body)
				}
			}
			if page.Header.Get("Location") != "" || c.SessionCookie() != "" {
				t.Errorf("the failed login redirected (%q) or left a session cookie", page.Header.Get("Location"))
			}
			if strings.Contains(body, "goroutine") || strings.Contains(body, "dial tcp") {
				t.Errorf("the page exposes internals:\n%s", body)
			}
			if !strings.HasPrefix(target, h.URL+"/auth/callback") {
				api, err := c.Do(bg(t), http.MethodGet, target, nil, map[string]string{"Accept": "application/json"})
				if err != nil {
					t.Fatal(err)
				}
				wantJSONError(t, api, http.StatusBadGateway, "idp_unavailable")
			}
		})
	}
}

// TestIdPDownAtRefresh: the IdP becomes unreachable (its port refuses
// connections) when a session's access token is due. While the token is
// still valid the call goes through on it; once it has expired the call
// fails with 502 JSON. Either way the session survives and refreshes as soon
// as the IdP is back, with no refused grant.
//
// The outage is a relay switched off, not a paused IdP: a refresh request
// queued at a paused IdP is served when it resumes, after the BFF gave up,
// and the rotated refresh token is lost (see SECURITY.md).
func TestIdPDownAtRefresh(t *testing.T) {
	cases := []struct {
		name   string
		ttl    time.Duration // at the IdP; the BFF refreshes 60s before expiry
		wait   time.Duration // after login, before the outage
		status int
		code   string
	}{
		{"token due but still valid", RefreshSkew + time.Second, 1500 * time.Millisecond, http.StatusOK, ""},
		{"token expired", 2 * time.Second, 2500 * time.Millisecond, http.StatusBadGateway, "idp_unavailable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, Options{AccessTokenTTL: tc.ttl, IdPRelay: true})
			c := signedIn(t, h, UserName(0))
			time.Sleep(tc.wait)
			before, err := h.IdP.Stats(bg(t))
			if err != nil {
				t.Fatal(err)
			}
			h.IdPRelay.Down()
			res := call(t, c, http.MethodGet, "/api/data/during")
			if tc.status == http.StatusOK {
				if res.Status != http.StatusOK || !res.FromUpstream() {
					t.Fatalf("got %d %s, want the upstream's 200", res.Status, res.Body)
				}
			} else {
				wantJSONError(t, res, tc.status, tc.code)
			}
			if res := call(t, c, http.MethodGet, "/auth/user"); res.Status != http.StatusOK {
				t.Fatalf("/auth/user during the IdP outage = %d %s: the session did not survive", res.Status, res.Body)
			}
			if err := h.IdPRelay.Up(); err != nil {
				t.Fatal(err)
			}
			if res := call(t, c, http.MethodGet, "/api/data/after"); res.Status != http.StatusOK {
				t.Fatalf("API after the IdP came back = %d %s", res.Status, res.Body)
			}
			after, err := h.IdP.Stats(bg(t))
			if err != nil {
				t.Fatal(err)
			}
			if after.RefreshErrors != before.RefreshErrors || after.Refresh != before.Refresh+1 {
				t.Fatalf("after the outage: %d refreshes, %d refused; want exactly one and none refused", after.Refresh-before.Refresh, after.RefreshErrors-before.RefreshErrors)
			}
		})
	}
}

// TestUpstreamFaults: a hanging upstream is cut off at the route timeout
// with 504, and a connection reset becomes 502, both as JSON.
func TestUpstreamFaults(t *testing.T) {
	h := start(t, Options{})
	c := signedIn(t, h, UserName(0))
	cases := []struct {
		path   string
		status int
		code   string
	}{
		{"/api/hang/report", http.StatusGatewayTimeout, "upstream_timeout"},
		{"/api/reset/report", http.StatusBadGateway, "bad_gateway"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*HangTimeout) // safety net only
			defer cancel()
			t0 := time.Now()
			res, err := c.API(ctx, http.MethodGet, tc.path)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			t.Logf("answered %d after %s (route timeout %s)", res.Status, time.Since(t0).Round(time.Millisecond), HangTimeout)
			wantJSONError(t, res, tc.status, tc.code)
			if res := call(t, c, http.MethodGet, "/auth/user"); res.Status != http.StatusOK {
				t.Fatalf("the upstream fault ended the session: %d", res.Status)
			}
		})
	}
}

// TestSIGTERMDrain: in-flight proxied calls finish after SIGTERM, new
// connections are refused, and the process stops cleanly.
func TestSIGTERMDrain(t *testing.T) {
	h := start(t, Options{})
	c := signedIn(t, h, UserName(0))
	const inFlight = 4
	results := make(chan Response, inFlight)
	for i := 0; i < inFlight; i++ {
		go func() {
			res, err := c.API(bg(t), http.MethodGet, "/api/hold/work")
			if err != nil {
				res = Response{Status: -1, Body: []byte(err.Error())}
			}
			results <- res
		}()
	}
	for i := 0; i < inFlight; i++ {
		select {
		case <-h.Upstream.Arrived:
		case <-time.After(30 * time.Second):
			t.Fatal("the held requests never reached the upstream")
		}
	}
	if err := h.BFF.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, h, `"msg":"draining"`)
	// New connections are refused once the listener is closed.
	var refused error
	for i := 0; i < 100 && refused == nil; i++ {
		fresh := h.NewClient(UserName(1))
		_, refused = fresh.Do(bg(t), http.MethodGet, h.URL+"/healthz", nil, nil)
		if refused == nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if refused == nil || !strings.Contains(refused.Error(), "connection refused") {
		t.Fatalf("a new connection during the drain was not refused: %v", refused)
	}
	if h.BFF.Exited() {
		t.Fatal("the BFF exited before its in-flight requests finished")
	}
	h.Upstream.Release()
	for i := 0; i < inFlight; i++ {
		res := <-results
		if res.Status != http.StatusOK || !res.FromUpstream() {
			t.Errorf("in-flight request %d: %d %s", i, res.Status, res.Body)
		}
	}
	if !h.WaitExit(30 * time.Second) {
		t.Fatal("the BFF did not exit after the drain")
	}
	if !strings.Contains(h.BFF.Output(), `"msg":"stopped"`) {
		t.Fatalf("no clean stop in the output:\n%s", tail(h.BFF.Output()))
	}
}

func waitOutput(t *testing.T, h *Harness, needle string) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if strings.Contains(h.BFF.Output(), needle) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %s in the output:\n%s", needle, tail(h.BFF.Output()))
}

func tail(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}
