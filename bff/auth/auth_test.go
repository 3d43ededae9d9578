package auth

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

func TestSafeReturnTo(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"", "/", true},
		{"/", "/", true},
		{"/todos?filter=open#top", "/todos?filter=open#top", true},
		{"/a/b%20c", "/a/b%20c", true},
		{"//evil.example", "", false},
		{"///evil.example", "", false},
		{"https://evil.example", "", false},
		{"http:/evil.example", "", false},
		{"javascript:alert(1)", "", false},
		{`/\evil.example`, "", false},
		{`\\evil.example`, "", false},
		{"/%2F%2Fevil.example", "", false},
		{"/%5Cevil.example", "", false},
		{"/ok\r\nSet-Cookie: x=1", "", false},
		{"/\x00", "", false},
		{"todos", "", false},
		{"/" + strings.Repeat("a", 3000), "", false},
	}
	for _, tc := range cases {
		got, ok := SafeReturnTo(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("SafeReturnTo(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCognitoEndpointsNeedNoNetwork(t *testing.T) {
	// An unroutable issuer proves that nothing is fetched to build these.
	idp := NewIdP(IdPOptions{Issuer: "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Abc", CognitoDomain: "https://app.auth-fips.us-gov-west-1.amazoncognito.com/", ClientID: "client-1"})
	ctx := context.Background()
	ep, err := idp.Endpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := Endpoints{
		Issuer:        "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Abc",
		Auth:          "https://app.auth-fips.us-gov-west-1.amazoncognito.com/oauth2/authorize",
		Token:         "https://app.auth-fips.us-gov-west-1.amazoncognito.com/oauth2/token",
		JWKS:          "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Abc/.well-known/jwks.json",
		Revocation:    "https://app.auth-fips.us-gov-west-1.amazoncognito.com/oauth2/revoke",
		CognitoLogout: "https://app.auth-fips.us-gov-west-1.amazoncognito.com/logout",
	}
	if ep != want {
		t.Fatalf("endpoints = %+v\nwant %+v", ep, want)
	}
	logout, err := idp.LogoutURL(ctx, "https://app.example.gov/")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(logout)
	if u.Path != "/logout" || u.Query().Get("client_id") != "client-1" || u.Query().Get("logout_uri") != "https://app.example.gov/" || u.Query().Has("id_token_hint") {
		t.Fatalf("logout URL = %s", logout)
	}
}

// In GovCloud Cognito answers only on its FIPS hosts, while the tokens'
// issuer stays cognito-idp.<region>: the keys come from the configured host.
func TestCognitoJWKSOverride(t *testing.T) {
	const jwks = "https://cognito-idp-fips.us-gov-west-1.amazonaws.com/us-gov-west-1_Abc/.well-known/jwks.json"
	idp := NewIdP(IdPOptions{Issuer: "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Abc",
		CognitoDomain: "https://app.auth-fips.us-gov-west-1.amazoncognito.com", ClientID: "client-1", JWKSURL: jwks})
	ep, err := idp.Endpoints(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ep.JWKS != jwks || ep.Issuer != "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Abc" {
		t.Fatalf("endpoints = %+v; want keys from %s and the regional issuer", ep, jwks)
	}
}

func TestOptionsValidateListsEverything(t *testing.T) {
	_, err := New(Options{})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, field := range []string{"IdP", "Sessions", "Sealer", "ClientSecret", "RedirectURL", "PostLogoutURL"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error lacks %s: %v", field, err)
		}
	}
}

func TestGrantedScope(t *testing.T) {
	jwt := func(payload string) string {
		return "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".sig"
	}
	cases := []struct {
		name string
		tok  *oauth2.Token
		want string
	}{
		{"token response scope", (&oauth2.Token{AccessToken: "opaque"}).WithExtra(map[string]any{"scope": "openid todos:read"}), "openid todos:read"},
		{"cognito access token claim", &oauth2.Token{AccessToken: jwt(`{"scope":"openid todos/write","client_id":"c"}`)}, "openid todos/write"},
		{"scp array", &oauth2.Token{AccessToken: jwt(`{"scp":["a","b"]}`)}, "a b"},
		{"opaque without scope", &oauth2.Token{AccessToken: "opaque"}, ""},
		{"garbage payload", &oauth2.Token{AccessToken: "a.!!!.c"}, ""},
	}
	for _, tc := range cases {
		if got := grantedScope(tc.tok); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
