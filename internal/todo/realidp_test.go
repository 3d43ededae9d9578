package todo

import (
	"context"
	"errors"
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

// codeFlow signs user in through the provider's login form, as a browser
// and the BFF would, and redeems the code.
func codeFlow(t *testing.T, idp *devservers.OIDCProvider, redirect string, user devservers.OIDCUser) devservers.Tokens {
	t.Helper()
	tokens, err := idp.SignIn(t.Context(), user, redirect)
	if err != nil {
		t.Fatal(err)
	}
	if tokens.AccessToken == "" || tokens.IDToken == "" {
		t.Fatalf("token response lacks tokens: %+v", tokens)
	}
	return tokens
}
