package devservers

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestOIDCProviderCodeFlow drives the provider the way the BFF does: code flow
// with PKCE through the login form, then refresh with rotation.
func TestOIDCProviderCodeFlow(t *testing.T) {
	for _, tc := range []struct {
		name        string
		apiAudience string
		jwtAccess   bool
	}{
		{name: "opaque access token"},
		{name: "JWT access token", apiAudience: "urn:gatehouse:api", jwtAccess: true},
	} {
		t.Run(tc.name, func(t *testing.T) { testCodeFlow(t, tc.apiAudience, tc.jwtAccess) })
	}
}

func testCodeFlow(t *testing.T, apiAudience string, jwtAccess bool) {
	const redirect = "http://127.0.0.1:1/auth/callback"
	idp := OIDCProviderT(t, OIDCProviderOptions{RedirectURIs: []string{redirect}, TestEndpoints: true, APIAudience: apiAudience})
	alice, _ := idp.User("alice")

	verifier := "a-long-enough-code-verifier-for-pkce-0123456789abcdef"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])

	jar, _ := cookiejar.New(nil)
	var code string
	client := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			code = req.URL.Query().Get("code")
			return http.ErrUseLastResponse
		}
		return nil
	}}
	authURL := idp.Issuer + "/auth?" + url.Values{
		"client_id": {idp.ClientID}, "response_type": {"code"}, "scope": {"openid email profile"},
		"redirect_uri": {redirect}, "state": {"s1"}, "nonce": {"n1"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"},
	}.Encode()
	resp, err := client.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	action := regexp.MustCompile(`action="([^"]+)"`).FindStringSubmatch(page)
	if action == nil {
		t.Fatalf("no login form in:\n%s", page)
	}
	resp, err = client.PostForm(idp.Issuer+action[1], url.Values{"username": {alice.Username}, "password": {alice.Password}})
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if code == "" {
		t.Fatalf("no code after login (status %d)", resp.StatusCode)
	}

	tokens := tokenRequest(t, idp, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}})
	if tokens["id_token"] == nil || tokens["refresh_token"] == nil || tokens["access_token"] == nil {
		t.Fatalf("missing tokens: %v", keys(tokens))
	}
	if isJWT := strings.Count(tokens["access_token"].(string), ".") == 2; isJWT != jwtAccess {
		t.Fatalf("access token is JWT = %v, want %v", isJWT, jwtAccess)
	}
	first := tokens["refresh_token"].(string)
	rotated := tokenRequest(t, idp, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first}})
	if rotated["refresh_token"] == first {
		t.Fatal("refresh token was not rotated")
	}
	stats, err := idp.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Refresh != 1 || stats.AuthorizationCode != 1 {
		t.Fatalf("stats = %+v, want one code and one refresh grant", stats)
	}
}

func tokenRequest(t *testing.T, idp *OIDCProvider, form url.Values) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, idp.Issuer+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(idp.ClientID, idp.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token endpoint: %d %s", resp.StatusCode, body)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
