// Package awsfake stands in for AWS services that have no local
// implementation, for tests: the real SDK client talks HTTP to it.
package awsfake

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SecretsManager answers GetSecretValue (AWSCURRENT) with one value the test
// sets, and counts the reads. Its methods make it the BFF's AWS clients
// (server.AWSClients), with Secrets Manager only.
type SecretsManager struct {
	url string

	mu    sync.Mutex
	value string
	fail  bool
	reads int
}

// StartSecretsManager serves value until the test ends.
func StartSecretsManager(t testing.TB, value string) *SecretsManager {
	t.Helper()
	sm := &SecretsManager{value: value}
	srv := httptest.NewServer(http.HandlerFunc(sm.serve))
	t.Cleanup(srv.Close)
	sm.url = srv.URL
	return sm
}

func (sm *SecretsManager) serve(w http.ResponseWriter, r *http.Request) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"InvalidRequestException","message":"only GetSecretValue"}`))
		return
	}
	sm.reads++
	if sm.fail {
		// A refusal the SDK does not retry, so each read is one call.
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"AccessDeniedException","message":"denied"}`))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"Name": "gatehouse-client", "SecretString": sm.value, "VersionStages": []string{"AWSCURRENT"}})
}

// Set replaces the value; fail makes every read fail (access denied) until
// set again.
func (sm *SecretsManager) Set(value string, fail bool) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	sm.value, sm.fail = value, fail
}

// Reads is how many GetSecretValue calls arrived.
func (sm *SecretsManager) Reads() int {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	return sm.reads
}

// SecretsManager is a real SDK client for the stand-in.
func (sm *SecretsManager) SecretsManager() (*secretsmanager.Client, error) {
	return secretsmanager.New(secretsmanager.Options{
		Region: "us-gov-west-1", BaseEndpoint: aws.String(sm.url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "example-secret-key", ""),
	}), nil
}

// DynamoDB is not stood in for here: tests run dynalite.
func (sm *SecretsManager) DynamoDB() (*dynamodb.Client, error) {
	return nil, errors.New("awsfake: no DynamoDB")
}

// KMS is not stood in for here.
func (sm *SecretsManager) KMS() (*kms.Client, error) { return nil, errors.New("awsfake: no KMS") }

// URL is the stand-in's endpoint, for AWS_ENDPOINT_URL_SECRETS_MANAGER.
func (sm *SecretsManager) URL() string { return sm.url }
