package integration

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/awsfake"
	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
	"github.com/gatehouse/gatehouse/bff/server"
)

// clientSecretOf reads the secret a token request authenticates with
// (client_secret_basic: both parts form-encoded, then base64).
func clientSecretOf(h http.Header) string {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h.Get("Authorization"), "Basic "))
	if err != nil {
		return ""
	}
	_, secret, _ := strings.Cut(string(raw), ":")
	secret, _ = url.QueryUnescape(secret)
	return secret
}

// TestClientSecretRotation: the client secret is rotated at the IdP and in
// Secrets Manager while users are signed in. The BFF still holds the old
// one, so its next refresh is refused with invalid_client; it reads the
// secret again, retries once, and the user never notices. The gate plays
// the IdP's side of the rotation: it accepts only the current secret and
// hands the real provider the secret it was started with.
func TestClientSecretRotation(t *testing.T) {
	const arn = "arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:gatehouse-client"
	oldSecret, newSecret := "rotated-out-"+randomHex(t), "rotated-in-"+randomHex(t)
	// A stand-in: no Secrets Manager runs here.
	sm := awsfake.StartSecretsManager(t, oldSecret)
	gate := startIdPGate(t)
	s := bfftest.Start(t, bfftest.Options{
		Store: "redis", Audit: audit, AccessTokenTTL: accessTokenTTL,
		Env:  map[string]string{"GATEHOUSE_OIDC_CLIENT_SECRET": "", "GATEHOUSE_OIDC_CLIENT_SECRET_ARN": arn},
		Deps: func(d *server.Deps) { gate.use(d); d.AWS = sm },
	})
	s.Audit.Secret("old client secret", oldSecret)
	s.Audit.Secret("new client secret", newSecret)
	var mu sync.Mutex
	accepted, refusals := oldSecret, 0
	gate.setOnToken(func(r *tokenRequest) *gateAnswer {
		mu.Lock()
		defer mu.Unlock()
		if clientSecretOf(r.Header) != accepted {
			refusals++
			a := oauthError(http.StatusUnauthorized, "invalid_client")
			return &a
		}
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(s.IdP.ClientID)+":"+url.QueryEscape(s.IdP.ClientSecret))))
		return nil
	})
	b := loggedIn(t, s, "alice")
	if reads := sm.Reads(); reads != 1 {
		t.Fatalf("%d Secrets Manager reads to sign in, want 1", reads)
	}

	mu.Lock()
	accepted = newSecret
	mu.Unlock()
	sm.Set(newSecret, false)
	// Past expiry, and past the 30 s the BFF waits between reads of the secret.
	s.Clock.Advance(accessTokenTTL + time.Second)
	before := mustStats(t, s)
	res := api(t, b, s, http.MethodGet, "/api/todos/items", "", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("API after the rotation: %d %s, want 200", res.Status, res.Body)
	}
	after := mustStats(t, s)
	mu.Lock()
	defer mu.Unlock()
	if refusals != 1 || sm.Reads() != 2 || after.Refresh != before.Refresh+1 {
		t.Fatalf("%d refused, %d Secrets Manager reads, %d refreshes; want 1 refused, 2 reads and 1 refresh", refusals, sm.Reads(), after.Refresh-before.Refresh)
	}
	registerTokens(t, s, b)
}
