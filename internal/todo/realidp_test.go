package todo

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/devservers"
)

// TestOIDCVerifierWithRealProvider checks the verifier against the tokens
// the real oidc-provider issues: its JWT access token is accepted, and its ID
// token, whose audience is the same client id, is refused.
func TestOIDCVerifierWithRealProvider(t *testing.T) {
	const redirect = "http://127.0.0.1:1/auth/callback"
	idp := devservers.OIDCProviderT(t, devservers.OIDCProviderOptions{RedirectURIs: []string{redirect}, APIAudience: "urn:gatehouse:todo"})
	alice, _ := idp.User("alice")
	tokens := codeFlow(t, idp, redirect, alice)

	for _, tc := range []struct {
		name        string
		audience    string
		token       string
		wantErr     bool
		wantSubject string
	}{
		{name: "access token, audience = client id", audience: idp.ClientID, token: tokens.AccessToken, wantSubject: alice.Subject},
		{name: "access token, audience = resource", audience: "urn:gatehouse:todo", token: tokens.AccessToken, wantSubject: alice.Subject},
		{name: "access token for another API", audience: "urn:gatehouse:other", token: tokens.AccessToken, wantErr: true},
		{name: "ID token", audience: idp.ClientID, token: tokens.IDToken, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := NewOIDCVerifier(VerifierOptions{Issuer: idp.Issuer, Audience: tc.audience})
			if err != nil {
				t.Fatal(err)
			}
			p, err := v.Verify(context.Background(), tc.token)
			if tc.wantErr {
				if !errors.Is(err, ErrInvalidToken) {
					t.Fatalf("Verify = %+v, %v; want ErrInvalidToken", p, err)
				}
				return
			}
			if err != nil || p.Subject != tc.wantSubject {
				t.Fatalf("Verify = %+v, %v; want subject %q", p, err, tc.wantSubject)
			}
		})
	}
}

type tokenSet struct {
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
}

// codeFlow signs user in through the provider's login form, as a browser
// and the BFF would, and redeems the code.
func codeFlow(t *testing.T, idp *devservers.OIDCProvider, redirect string, user devservers.OIDCUser) tokenSet {
	t.Helper()
	verifier := "todo-test-code-verifier-0123456789abcdef0123456789abcdef"
	sum := sha256.Sum256([]byte(verifier))
	jar, _ := cookiejar.New(nil)
	var code string
	client := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			code = req.URL.Query().Get("code")
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := client.Get(idp.Issuer + "/auth?" + url.Values{
		"client_id": {idp.ClientID}, "response_type": {"code"}, "scope": {"openid email profile"},
		"redirect_uri": {redirect}, "state": {"s"}, "nonce": {"n"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, resp)
	action := regexp.MustCompile(`action="([^"]+)"`).FindStringSubmatch(page)
	if action == nil {
		t.Fatalf("no login form in:\n%s", page)
	}
	resp, err = client.PostForm(idp.Issuer+action[1], url.Values{"username": {user.Username}, "password": {user.Password}})
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if code == "" {
		t.Fatalf("no code after login (status %d)", resp.StatusCode)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
	req, _ := http.NewRequest(http.MethodPost, idp.Issuer+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(idp.ClientID, idp.ClientSecret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token endpoint: %d %s", resp.StatusCode, body)
	}
	var tokens tokenSet
	if err := json.Unmarshal([]byte(body), &tokens); err != nil || tokens.AccessToken == "" || tokens.IDToken == "" {
		t.Fatalf("token response %q: %v", body, err)
	}
	return tokens
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
