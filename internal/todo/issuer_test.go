package todo

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// testIssuer publishes a discovery document and JWKS and signs tokens with
// any claims and header type, including the malformed ones (expired, wrong
// audience, ID tokens) that a real OpenID Provider will not issue on request.
// Real tokens from oidc-provider are checked in realidp_test.go.
type testIssuer struct {
	server *httptest.Server
	key    *rsa.PrivateKey
	kid    string
}

func newTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	iss := &testIssuer{key: key, kid: "test-key"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                iss.URL(),
			"jwks_uri":                              iss.URL() + "/jwks",
			"authorization_endpoint":                iss.URL() + "/auth",
			"token_endpoint":                        iss.URL() + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: iss.kid, Algorithm: "RS256", Use: "sig"}}})
	})
	iss.server = httptest.NewServer(mux)
	t.Cleanup(iss.server.Close)
	return iss
}

func (i *testIssuer) URL() string { return i.server.URL }

// sign returns a compact JWS of claims with the given `typ` header, signed by
// key (the issuer's own key when nil).
func (i *testIssuer) sign(t *testing.T, typ string, claims map[string]any, key *rsa.PrivateKey) string {
	t.Helper()
	if key == nil {
		key = i.key
	}
	opts := (&jose.SignerOptions{}).WithHeader("kid", i.kid)
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// accessToken returns a valid RFC 9068 access token for sub and audience,
// with overrides applied (a nil value deletes the claim).
func (i *testIssuer) accessToken(t *testing.T, sub, audience string, overrides map[string]any) string {
	t.Helper()
	now := time.Now()
	claims := map[string]any{
		"iss": i.URL(), "sub": sub, "aud": "urn:gatehouse:api", "client_id": audience,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "scope": "api", "jti": sub + "-jti",
	}
	for k, v := range overrides {
		if v == nil {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
	return i.sign(t, "at+jwt", claims, nil)
}
