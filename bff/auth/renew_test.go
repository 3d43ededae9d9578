package auth

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestRenewal(t *testing.T) {
	g := newGuardHarness(t)
	j := newJWKSServer(t)
	key := newSigner(t, "k1")
	key.publish(j)
	// Cognito-style endpoints: the keys are at the issuer's /.well-known/jwks.json.
	issuer := j.url
	g.h.opts.IdP = NewIdP(IdPOptions{Issuer: issuer, CognitoDomain: issuer, ClientID: "client", Now: func() time.Time { return g.now }})
	s, _ := g.signIn(t, 30*time.Second)
	exp := g.now.Add(time.Hour).Unix()
	idToken := func(sub string) string {
		return key.sign(t, `{"iss":"`+issuer+`","aud":"client","sub":"`+sub+`","exp":`+strconv.FormatInt(exp, 10)+`,"name":"Renamed","groups":["staff"]}`)
	}
	answer := func(idt string) *oauth2.Token {
		return (&oauth2.Token{AccessToken: "access-2", RefreshToken: "refresh-2"}).WithExtra(map[string]any{"id_token": idt, "scope": "openid"})
	}
	old, err := g.mgr.Tokens(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	verified := idToken("user-1")
	cases := []struct {
		name       string
		jwks       int
		tok        *oauth2.Token
		wantErr    bool
		wantGroups []string
		wantClaims map[string]string
		wantID     string
	}{
		{"verified: the principal follows the ID token", http.StatusOK, answer(verified), false, []string{"staff"}, map[string]string{"name": "Renamed", "scope": "openid"}, verified},
		{"another subject", http.StatusOK, answer(idToken("user-2")), true, nil, nil, ""},
		{"keys unavailable: tokens renewed, principal kept", http.StatusServiceUnavailable, (&oauth2.Token{AccessToken: "access-2"}).WithExtra(map[string]any{"id_token": newSigner(t, "rotated").sign(t, `{}`), "scope": "openid"}), false, nil,
			map[string]string{"email": "a@example.gov", "scope": "openid"}, old.IDToken},
		{"no ID token: the scope follows", http.StatusOK, (&oauth2.Token{AccessToken: "access-2"}).WithExtra(map[string]any{"scope": "openid"}), false, nil, map[string]string{"email": "a@example.gov", "scope": "openid"}, old.IDToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j.mu.Lock()
			j.status = tc.jwks
			j.mu.Unlock()
			r, err := g.h.renewal(context.Background(), s, tc.tok, old)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				if !errors.Is(err, errRenewalRefused) {
					t.Fatalf("err = %v, want errRenewalRefused", err)
				}
				return
			}
			if !reflect.DeepEqual(r.Groups, tc.wantGroups) || !reflect.DeepEqual(r.Claims, tc.wantClaims) || r.Tokens.IDToken != tc.wantID || r.Tokens.AccessToken != "access-2" {
				t.Fatalf("renewal groups %v claims %v id %.20q access %q", r.Groups, r.Claims, r.Tokens.IDToken, r.Tokens.AccessToken)
			}
		})
	}
}
