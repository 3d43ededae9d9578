package devservers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// Tokens is the token endpoint's answer.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
}

var loginFormAction = regexp.MustCompile(`action="([^"]+)"`)

// SignIn runs the authorization code flow with PKCE for user the way a
// browser and a confidential client would: it fills in the provider's login
// form, catches the code at redirectURI (one the provider was started with)
// and redeems it with the client's secret. Tests use it when they need real
// tokens without a relying party in between.
func (p *OIDCProvider) SignIn(ctx context.Context, user OIDCUser, redirectURI string) (Tokens, error) {
	verifier := rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(verifier))
	jar, err := cookiejar.New(nil)
	if err != nil {
		return Tokens{}, err
	}
	var code string
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirectURI) {
			code = req.URL.Query().Get("code")
			return http.ErrUseLastResponse
		}
		return nil
	}}
	authURL := p.Issuer + "/auth?" + url.Values{
		"client_id": {p.ClientID}, "response_type": {"code"}, "scope": {"openid email profile"},
		"redirect_uri": {redirectURI}, "state": {rand.Text()}, "nonce": {rand.Text()},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}.Encode()
	page, _, err := fetch(ctx, browser, http.MethodGet, authURL, nil)
	if err != nil {
		return Tokens{}, fmt.Errorf("devservers: sign-in page: %w", err)
	}
	action := loginFormAction.FindStringSubmatch(page)
	if action == nil {
		return Tokens{}, fmt.Errorf("devservers: no login form in the sign-in page:\n%s", page)
	}
	form := url.Values{"username": {user.Username}, "password": {user.Password}}
	if _, _, err := fetch(ctx, browser, http.MethodPost, p.Issuer+action[1], form); err != nil {
		return Tokens{}, fmt.Errorf("devservers: submit the login form: %w", err)
	}
	if code == "" {
		return Tokens{}, fmt.Errorf("devservers: %s signed in but no code reached %s", user.Username, redirectURI)
	}
	return p.Token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {verifier}})
}

// Token posts a grant to the token endpoint as the confidential client.
func (p *OIDCProvider) Token(ctx context.Context, grant url.Values) (Tokens, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Issuer+"/token", strings.NewReader(grant.Encode()))
	if err != nil {
		return Tokens{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(p.ClientID, p.ClientSecret)
	body, status, err := do(http.DefaultClient, req)
	if err != nil {
		return Tokens{}, fmt.Errorf("devservers: token endpoint: %w", err)
	}
	if status != http.StatusOK {
		return Tokens{}, fmt.Errorf("devservers: token endpoint answered %d: %s", status, body)
	}
	var t Tokens
	if err := json.Unmarshal([]byte(body), &t); err != nil {
		return Tokens{}, fmt.Errorf("devservers: token response: %w", err)
	}
	return t, nil
}

func fetch(ctx context.Context, c *http.Client, method, target string, form url.Values) (string, int, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return "", 0, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return do(c, req)
}

func do(c *http.Client, req *http.Request) (string, int, error) {
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode, err
}
