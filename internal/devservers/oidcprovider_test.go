package devservers

import (
	"context"
	"net/url"
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

	tokens, err := idp.SignIn(t.Context(), alice, redirect)
	if err != nil {
		t.Fatal(err)
	}
	if tokens.IDToken == "" || tokens.RefreshToken == "" || tokens.AccessToken == "" {
		t.Fatalf("missing tokens: %+v", tokens)
	}
	if isJWT := strings.Count(tokens.AccessToken, ".") == 2; isJWT != jwtAccess {
		t.Fatalf("access token is JWT = %v, want %v", isJWT, jwtAccess)
	}
	rotated, err := idp.Token(t.Context(), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tokens.RefreshToken}})
	if err != nil {
		t.Fatal(err)
	}
	if rotated.RefreshToken == tokens.RefreshToken {
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
