package bfftest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Browser is a cookie-jar client that follows the login flow the way a
// browser does, without running scripts.
type Browser struct {
	s      *Stack
	Client *http.Client
	// JSON makes BFF navigations ask for JSON errors instead of HTML pages.
	JSON bool
	// Headers are added to every request to the BFF (what a load balancer
	// or CDN in front would add).
	Headers map[string]string
}

func newBrowser(s *Stack) *Browser {
	jar, _ := cookiejar.New(nil)
	tr := s.server.Client().Transport.(*http.Transport).Clone()
	return &Browser{s: s, Client: &http.Client{Jar: jar, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Result is a fully read response.
type Result struct {
	Status int
	Header http.Header
	Body   []byte
}

// ErrorCode is the JSON error code of the body, or "".
func (r Result) ErrorCode() string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error
}

// JSON decodes the body into v.
func (r Result) JSON(v any) error { return json.Unmarshal(r.Body, v) }

func (b *Browser) isBFF(u string) bool { return strings.HasPrefix(u, b.s.URL) }

// Do sends one request and reads the answer; BFF cookies are registered
// with the audit as secrets.
func (b *Browser) Do(method, target string, body io.Reader, headers map[string]string) (Result, error) {
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return Result{}, err
	}
	if b.isBFF(target) {
		for k, v := range b.Headers {
			req.Header.Set(k, v)
		}
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return Result{}, err
	}
	for _, c := range resp.Cookies() {
		b.s.Audit.Secret("cookie "+c.Name, c.Value)
	}
	return Result{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

var (
	loginFormAction = regexp.MustCompile(`action="(/interaction/[^"]+/login)"`)
	logoutFormRE    = regexp.MustCompile(`action="([^"]+)"`)
	xsrfRE          = regexp.MustCompile(`name="xsrf" value="([^"]+)"`)
)

// Login goes /auth/login → the IdP's login form → /auth/callback and returns
// the callback's answer.
func (b *Browser) Login(username, returnTo string) (Result, error) {
	user, ok := b.s.IdP.User(username)
	if !ok {
		return Result{}, fmt.Errorf("bfftest: no user %q", username)
	}
	next := b.s.URL + "/auth/login?returnTo=" + url.QueryEscape(returnTo)
	method, formBody := http.MethodGet, ""
	for hop := 0; hop < 20; hop++ {
		headers := map[string]string{"Accept": "text/html"}
		if b.JSON && b.isBFF(next) {
			headers["Accept"] = "application/json"
		}
		var body io.Reader
		if method == http.MethodPost {
			headers["Content-Type"] = "application/x-www-form-urlencoded"
			body = strings.NewReader(formBody)
		}
		res, err := b.Do(method, next, body, headers)
		if err != nil {
			return Result{}, err
		}
		if b.isBFF(next) && strings.HasPrefix(next, b.s.URL+"/auth/callback") {
			return res, nil
		}
		if res.Status >= 300 && res.Status < 400 {
			loc, err := url.Parse(res.Header.Get("Location"))
			if err != nil {
				return res, err
			}
			base, _ := url.Parse(next)
			next, method = base.ResolveReference(loc).String(), http.MethodGet
			continue
		}
		if m := loginFormAction.FindSubmatch(res.Body); res.Status == http.StatusOK && m != nil {
			base, _ := url.Parse(next)
			action, _ := url.Parse(html.UnescapeString(string(m[1])))
			next, method = base.ResolveReference(action).String(), http.MethodPost
			formBody = url.Values{"username": {user.Username}, "password": {user.Password}}.Encode()
			continue
		}
		return res, nil
	}
	return Result{}, fmt.Errorf("bfftest: login did not finish")
}

// MustLogin logs in and fails the test unless the callback redirects to returnTo.
func (b *Browser) MustLogin(t testing.TB, username, returnTo string) {
	t.Helper()
	res, err := b.Login(username, returnTo)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if res.Status != http.StatusFound || res.Header.Get("Location") != returnTo {
		t.Fatalf("login: callback answered %d (Location %q): %s", res.Status, res.Header.Get("Location"), res.Body)
	}
	cookie := b.SessionCookie()
	if cookie == "" {
		t.Fatal("login: no session cookie")
	}
	toks, err := b.s.SessionTokens(cookie)
	if err != nil {
		t.Fatalf("login: session tokens: %v", err)
	}
	b.s.Audit.Secret("access token", toks.AccessToken)
	b.s.Audit.Secret("refresh token", toks.RefreshToken)
	b.s.Audit.Secret("id token", toks.IDToken)
}

// SessionCookie is the session cookie the browser holds, or "".
func (b *Browser) SessionCookie() string {
	u, _ := url.Parse(b.s.URL)
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == b.s.Config.CookieName {
			return c.Value
		}
	}
	return ""
}

// SetSessionCookie replaces the session cookie (tampering tests).
func (b *Browser) SetSessionCookie(value string) {
	u, _ := url.Parse(b.s.URL)
	b.Client.Jar.SetCookies(u, []*http.Cookie{{Name: b.s.Config.CookieName, Value: value, Path: "/", Secure: true}})
}

// API calls the BFF the way the SPA does: X-CSRF, same-origin fetch metadata, JSON.
func (b *Browser) API(method, path, body string) (Result, error) {
	return b.APIWith(b.s.URL, method, path, body, nil)
}

// APIWith is API against a given instance with extra or removed headers
// (an empty value removes a default).
func (b *Browser) APIWith(base, method, path, body string, extra map[string]string) (Result, error) {
	headers := map[string]string{"X-CSRF": "1", "Sec-Fetch-Site": "same-origin", "Accept": "application/json"}
	if method != http.MethodGet && method != http.MethodHead {
		headers["Origin"] = b.s.URL
		headers["Content-Type"] = "application/json"
	}
	for k, v := range extra {
		if v == "" {
			delete(headers, k)
		} else {
			headers[k] = v
		}
	}
	var r io.Reader
	if body != "" {
		r = bytes.NewReader([]byte(body))
	}
	return b.Do(method, base+path, r, headers)
}

// IdPLogout ends the session at the IdP itself (as signing out of another
// app would), which makes the IdP send back-channel logout tokens.
func (b *Browser) IdPLogout() error {
	page, err := b.Do(http.MethodGet, b.s.IdP.Issuer+"/session/end?client_id="+url.QueryEscape(b.s.IdP.ClientID), nil, map[string]string{"Accept": "text/html"})
	if err != nil {
		return err
	}
	action, xsrf := logoutFormRE.FindSubmatch(page.Body), xsrfRE.FindSubmatch(page.Body)
	if action == nil || xsrf == nil {
		return fmt.Errorf("bfftest: no logout form (%d): %.300s", page.Status, page.Body)
	}
	form := url.Values{"xsrf": {html.UnescapeString(string(xsrf[1]))}, "logout": {"yes"}}
	res, err := b.Do(http.MethodPost, html.UnescapeString(string(action[1])), strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})
	if err != nil {
		return err
	}
	if res.Status >= 400 {
		return fmt.Errorf("bfftest: IdP logout answered %d: %.300s", res.Status, res.Body)
	}
	return nil
}
