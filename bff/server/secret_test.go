package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/gatehouse/gatehouse/bff/config"
)

// fakeSecretsManager answers GetSecretValue over HTTP to the real SDK
// client. It is a stand-in: no Secrets Manager runs locally.
type fakeSecretsManager struct {
	mu    sync.Mutex
	value string
	fail  bool
	reads int
	url   string
}

func newFakeSecretsManager(t *testing.T, value string) *fakeSecretsManager {
	f := &fakeSecretsManager{value: value}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.reads++
		if f.fail || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"InternalServiceError","message":"unavailable"}`))
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"Name": "client", "SecretString": f.value, "VersionStages": []string{"AWSCURRENT"}})
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *fakeSecretsManager) set(value string, fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.value, f.fail = value, fail
}

func (f *fakeSecretsManager) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
}

func (f *fakeSecretsManager) DynamoDB() (*dynamodb.Client, error) { return nil, errors.New("not here") }
func (f *fakeSecretsManager) KMS() (*kms.Client, error)           { return nil, errors.New("not here") }
func (f *fakeSecretsManager) SecretsManager() (*secretsmanager.Client, error) {
	return secretsmanager.New(secretsmanager.Options{
		Region: "us-gov-west-1", BaseEndpoint: aws.String(f.url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "example", ""),
	}), nil
}

func TestCachedSecret(t *testing.T) {
	ctx := context.Background()
	const arn = "arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:client"
	sm := newFakeSecretsManager(t, "secret-a")
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := secretSource("", arn, sm)
	c.now = func() time.Time { return now }
	step := func(name string, do func() (string, error), want string, wantReads int) {
		t.Helper()
		got, err := do()
		if err != nil || got != want || sm.count() != wantReads {
			t.Fatalf("%s: (%q, %v) after %d reads, want (%q, nil) after %d", name, got, err, sm.count(), want, wantReads)
		}
	}
	secret := func() (string, error) { return c.Secret(ctx) }
	reload := func(refused string) func() (string, error) {
		return func() (string, error) { return c.Reload(ctx, refused) }
	}

	step("first use reads", secret, "secret-a", 1)
	step("then the cache answers", secret, "secret-a", 1)
	sm.set("secret-b", false)
	step("a refusal within the retry interval of a read waits", reload("secret-a"), "secret-a", 1)
	now = now.Add(secretRetryInterval)
	step("a refusal reads again", reload("secret-a"), "secret-b", 2)
	step("a caller still holding the refused value gets the new one without a read", reload("secret-a"), "secret-b", 2)
	now = now.Add(secretRetryInterval)
	step("a refusal of a value that has nothing newer reads once more", reload("secret-b"), "secret-b", 3)
	step("and then waits", reload("secret-b"), "secret-b", 3)

	sm.set("", true)
	now = now.Add(secretRefresh)
	step("a failed refresh keeps the value", secret, "secret-b", 4)
	step("and is not retried at once", secret, "secret-b", 4)
	now = now.Add(secretRetryInterval)
	sm.set("secret-c", false)
	step("but after the retry interval", secret, "secret-c", 5)
}

func TestLiteralSecretHasNothingToReload(t *testing.T) {
	c := secretSource(config.Secret("literal-secret"), "", nil)
	for _, do := range []func() (string, error){
		func() (string, error) { return c.Secret(context.Background()) },
		func() (string, error) { return c.Reload(context.Background(), "literal-secret") },
	} {
		if got, err := do(); err != nil || got != "literal-secret" {
			t.Fatalf("got (%q, %v)", got, err)
		}
	}
}
