package integration

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
	"github.com/gatehouse/gatehouse/bff/server"
)

// secretsManager answers GetSecretValue to the real SDK client over HTTP.
// It is a stand-in, because no Secrets Manager runs here; it implements
// server.AWSClients for the BFF's Deps.
type secretsManager struct {
	url   string
	mu    sync.Mutex
	value string
	reads int
}

var _ server.AWSClients = (*secretsManager)(nil)

func startSecretsManager(t *testing.T, value string) *secretsManager {
	t.Helper()
	sm := &secretsManager{value: value}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sm.mu.Lock()
		defer sm.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"InvalidRequestException","message":"only GetSecretValue"}`))
			return
		}
		sm.reads++
		_ = json.NewEncoder(w).Encode(map[string]any{"Name": "gatehouse-client", "SecretString": sm.value, "VersionStages": []string{"AWSCURRENT"}})
	}))
	t.Cleanup(srv.Close)
	sm.url = srv.URL
	return sm
}

func (sm *secretsManager) rotate(value string) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	sm.value = value
}

func (sm *secretsManager) readCount() int {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	return sm.reads
}

func (sm *secretsManager) DynamoDB() (*dynamodb.Client, error) { return nil, errors.New("no DynamoDB") }
func (sm *secretsManager) KMS() (*kms.Client, error)           { return nil, errors.New("no KMS") }
func (sm *secretsManager) SecretsManager() (*secretsmanager.Client, error) {
	return secretsmanager.New(secretsmanager.Options{
		Region: "us-gov-west-1", BaseEndpoint: aws.String(sm.url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "example-secret-key", ""),
	}), nil
}

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
	sm := startSecretsManager(t, oldSecret)
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
	if reads := sm.readCount(); reads != 1 {
		t.Fatalf("%d Secrets Manager reads to sign in, want 1", reads)
	}

	mu.Lock()
	accepted = newSecret
	mu.Unlock()
	sm.rotate(newSecret)
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
	if refusals != 1 || sm.readCount() != 2 || after.Refresh != before.Refresh+1 {
		t.Fatalf("%d refused, %d Secrets Manager reads, %d refreshes; want 1 refused, 2 reads and 1 refresh", refusals, sm.readCount(), after.Refresh-before.Refresh)
	}
	registerTokens(t, s, b)
}
