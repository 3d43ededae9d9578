package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Client is one browser: a cookie jar that walks the real login pages and
// then calls the API the way the SPA does.
type Client struct {
	h    *Harness
	User string
	HTTP *http.Client
}

// Response is a fully read answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// ErrorCode is the JSON error code of the body, or "".
func (r Response) ErrorCode() string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error
}

// FromUpstream reports whether the upstream, not the BFF, wrote the answer.
func (r Response) FromUpstream() bool { return r.Header.Get(UpstreamHeader) == "1" }

// NewClient returns a signed-out browser for user (see UserName).
func (h *Harness) NewClient(user string) *Client {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}
	c := &Client{h: h, User: user, HTTP: &http.Client{Jar: jar, Transport: tr, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	h.mu.Lock()
	h.clients = append(h.clients, c)
	h.mu.Unlock()
	return c
}

// Do sends one request and reads the whole answer.
func (c *Client) Do(ctx context.Context, method, target string, body io.Reader, headers map[string]string) (Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return Response{}, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, err
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// API calls the BFF as the SPA does: X-CSRF, same-origin fetch metadata,
// JSON, and the load user's name for the upstream.
func (c *Client) API(ctx context.Context, method, path string) (Response, error) {
	headers := map[string]string{"X-CSRF": "1", "Sec-Fetch-Site": "same-origin", "Accept": "application/json", UserHeader: c.User}
	if method != http.MethodGet {
		headers["Origin"] = c.h.URL
	}
	return c.Do(ctx, method, c.h.URL+path, nil, headers)
}

var loginFormAction = regexp.MustCompile(`action="(/interaction/[^"]+/login)"`)

// LoginUntilCallback walks /auth/login → the IdP's login form → the IdP's
// redirect, and returns the callback URL without calling it.
func (c *Client) LoginUntilCallback(ctx context.Context) (string, error) {
	var password string
	for _, u := range c.h.IdP.Users {
		if u.Username == c.User {
			password = u.Password
		}
	}
	if password == "" {
		return "", fmt.Errorf("reliability: no IdP user %q", c.User)
	}
	next, method, form := c.h.URL+"/auth/login?returnTo=%2F", http.MethodGet, ""
	for hop := 0; hop < 20; hop++ {
		if strings.HasPrefix(next, c.h.URL+"/auth/callback") {
			return next, nil
		}
		headers := map[string]string{"Accept": "text/html"}
		var body io.Reader
		if method == http.MethodPost {
			headers["Content-Type"] = "application/x-www-form-urlencoded"
			body = strings.NewReader(form)
		}
		res, err := c.Do(ctx, method, next, body, headers)
		if err != nil {
			return "", err
		}
		base, _ := url.Parse(next)
		switch m := loginFormAction.FindSubmatch(res.Body); {
		case res.Status >= 300 && res.Status < 400:
			loc, err := url.Parse(res.Header.Get("Location"))
			if err != nil {
				return "", fmt.Errorf("reliability: login redirect: %w", err)
			}
			next, method = base.ResolveReference(loc).String(), http.MethodGet
		case res.Status == http.StatusOK && m != nil:
			action, _ := url.Parse(html.UnescapeString(string(m[1])))
			next, method = base.ResolveReference(action).String(), http.MethodPost
			form = url.Values{"username": {c.User}, "password": {password}}.Encode()
		default:
			return "", fmt.Errorf("reliability: login stopped at %s with %d: %.300s", next, res.Status, res.Body)
		}
	}
	return "", fmt.Errorf("reliability: login did not reach the callback")
}

// Login signs in through the real pages and checks that the callback set
// the session cookie and sent the browser home.
func (c *Client) Login(ctx context.Context) error {
	callback, err := c.LoginUntilCallback(ctx)
	if err != nil {
		return err
	}
	res, err := c.Do(ctx, http.MethodGet, callback, nil, map[string]string{"Accept": "text/html"})
	if err != nil {
		return err
	}
	if res.Status != http.StatusFound || res.Header.Get("Location") != "/" || c.SessionCookie() == "" {
		return fmt.Errorf("reliability: callback answered %d (Location %q): %.300s", res.Status, res.Header.Get("Location"), res.Body)
	}
	return nil
}

// SessionCookie is the session cookie the browser holds, or "".
func (c *Client) SessionCookie() string {
	u, _ := url.Parse(c.h.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == CookieName {
			return ck.Value
		}
	}
	return ""
}
