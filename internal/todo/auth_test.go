package todo

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestVerifierOptionsValidateListsEveryProblem(t *testing.T) {
	_, err := NewOIDCVerifier(VerifierOptions{})
	if err == nil {
		t.Fatal("empty options accepted")
	}
	for _, want := range []string{"TODO_ISSUER", "TODO_AUDIENCE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestOIDCVerifier(t *testing.T) {
	iss := newTestIssuer(t)
	const audience = "gatehouse-bff"
	v, err := NewOIDCVerifier(VerifierOptions{Issuer: iss.URL(), Audience: audience})
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Now()
	idTokenClaims := map[string]any{"iss": iss.URL(), "sub": "alice", "aud": audience, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "nonce": "n"}

	for _, tc := range []struct {
		name      string
		token     string
		wantErr   bool
		wantName  string
		wantGroup []string
	}{
		{name: "access token with client_id", token: iss.accessToken(t, "alice", audience, map[string]any{"name": "Alice Example", "groups": []string{"staff"}}), wantName: "Alice Example", wantGroup: []string{"staff"}},
		{name: "access token with aud", token: iss.accessToken(t, "alice", "", map[string]any{"client_id": nil, "aud": []string{"x", audience}}), wantName: "alice"},
		{name: "Cognito access token (token_use, no typ, no aud)", token: iss.sign(t, "", map[string]any{
			"iss": iss.URL(), "sub": "u-1", "client_id": audience, "token_use": "access", "username": "carol",
			"cognito:groups": []string{"admins"}, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
		}, nil), wantName: "carol", wantGroup: []string{"admins"}},
		{name: "expired", token: iss.accessToken(t, "alice", audience, map[string]any{"exp": now.Add(-time.Minute).Unix()}), wantErr: true},
		{name: "not yet valid", token: iss.accessToken(t, "alice", audience, map[string]any{"nbf": now.Add(time.Hour).Unix()}), wantErr: true},
		{name: "other issuer", token: iss.accessToken(t, "alice", audience, map[string]any{"iss": "https://evil.example"}), wantErr: true},
		{name: "other audience", token: iss.accessToken(t, "alice", "another-client", nil), wantErr: true},
		{name: "no subject", token: iss.accessToken(t, "", audience, nil), wantErr: true},
		{name: "signed by another key", token: iss.sign(t, "at+jwt", map[string]any{"iss": iss.URL(), "sub": "alice", "client_id": audience, "exp": now.Add(time.Hour).Unix()}, otherKey), wantErr: true},
		{name: "ID token replayed as access token", token: iss.sign(t, "JWT", idTokenClaims, nil), wantErr: true},
		{name: "ID token without typ", token: iss.sign(t, "", idTokenClaims, nil), wantErr: true},
		{name: "Cognito ID token", token: iss.sign(t, "", map[string]any{"iss": iss.URL(), "sub": "u-1", "aud": audience, "token_use": "id", "exp": now.Add(time.Hour).Unix()}, nil), wantErr: true},
		{name: "garbage", token: "not.a.jwt", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), tc.token)
			if tc.wantErr {
				if !errors.Is(err, ErrInvalidToken) {
					t.Fatalf("Verify = %+v, %v; want ErrInvalidToken", p, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if p.Name != tc.wantName || !slices.Equal(p.Groups, tc.wantGroup) {
				t.Fatalf("principal = %+v, want name %q groups %v", p, tc.wantName, tc.wantGroup)
			}
		})
	}
}

func TestOIDCVerifierIssuerDownThenUp(t *testing.T) {
	iss := newTestIssuer(t)
	down := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("connection refused")
	})}
	client := &http.Client{}
	v, err := NewOIDCVerifier(VerifierOptions{Issuer: iss.URL(), Audience: "gatehouse-bff", HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	token := iss.accessToken(t, "alice", "gatehouse-bff", nil)

	client.Transport = down.Transport
	if _, err := v.Verify(context.Background(), token); !errors.Is(err, ErrIssuerUnavailable) {
		t.Fatalf("with the issuer unreachable, Verify = %v; want ErrIssuerUnavailable", err)
	}
	client.Transport = nil
	if _, err := v.Verify(context.Background(), token); err != nil {
		t.Fatalf("once the issuer answers, Verify = %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
