package server

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatehouse/gatehouse/bff/config"
	"github.com/gatehouse/gatehouse/bff/internal/awsfake"
	"github.com/gatehouse/gatehouse/internal/devservers"
	"github.com/gatehouse/gatehouse/internal/pkitest"
)

// TestEndpointOverridesReachTheirServices: the SDKs' standard variables
// send each client where a team points it (a VPC endpoint's DNS name, an
// emulator). DynamoDB goes to a real dynalite through its own variable, KMS
// to a stand-in through AWS_ENDPOINT_URL (no KMS runs here), and Secrets
// Manager to a stand-in through its own variable, which wins over the
// global one.
func TestEndpointOverridesReachTheirServices(t *testing.T) {
	ddb := devservers.DynaliteT(t)
	key := bytes.Repeat([]byte{7}, 32)
	kmsFake := awsfake.StartKMS(t, key)
	sm := awsfake.StartSecretsManager(t, "client-secret-value")
	env := map[string]string{
		"AWS_REGION": "us-gov-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example",
		"AWS_ENDPOINT_URL":                 kmsFake.URL,
		"AWS_ENDPOINT_URL_DYNAMODB":        ddb.Endpoint,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": sm.URL(),
		"AWS_MAX_ATTEMPTS":                 "2",
	}
	clients := NewAWSClients(func(k string) string { return env[k] })
	ctx := context.Background()

	got, err := keySource(&config.Config{DataKeyCiphertext: []byte("blob")}, clients).DataKey(ctx)
	if err != nil || !bytes.Equal(got, key) || kmsFake.Decrypts() != 1 {
		t.Fatalf("data key through AWS_ENDPOINT_URL: %x, %v (%d decrypts)", got, err, kmsFake.Decrypts())
	}
	secret, err := readSecret(ctx, clients, "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:client")
	if err != nil || secret != "client-secret-value" || sm.Reads() != 1 {
		t.Fatalf("secret through AWS_ENDPOINT_URL_SECRETS_MANAGER: %q, %v (%d reads)", secret, err, sm.Reads())
	}
	db, err := clients.DynamoDB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("dynamodb through AWS_ENDPOINT_URL_DYNAMODB: %v", err)
	}
}

func TestReadAWSEnv(t *testing.T) {
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, []byte(pkitest.NewCA(t, "Corporate Proxy CA").PEM()), 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		env     map[string]string
		wantErr []string
		check   func(t *testing.T, e awsEnv)
	}{
		{name: "nothing set", check: func(t *testing.T, e awsEnv) {
			if e.endpoint(serviceKMS) != nil || e.fipsState(serviceKMS) != aws.FIPSEndpointStateUnset || e.httpClient != nil {
				t.Errorf("env = %+v", e)
			}
		}},
		{name: "service variable wins over the global one", env: map[string]string{
			"AWS_ENDPOINT_URL": "https://global.example", "AWS_ENDPOINT_URL_KMS": "https://kms.example",
		}, check: func(t *testing.T, e awsEnv) {
			if got := aws.ToString(e.endpoint(serviceKMS)); got != "https://kms.example" {
				t.Errorf("kms = %q", got)
			}
			if got := aws.ToString(e.endpoint(serviceDynamoDB)); got != "https://global.example" {
				t.Errorf("dynamodb = %q", got)
			}
		}},
		{name: "ignore configured endpoints", env: map[string]string{
			"AWS_ENDPOINT_URL_KMS": "https://kms.example", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
		}, check: func(t *testing.T, e awsEnv) {
			if e.endpoint(serviceKMS) != nil {
				t.Errorf("override used although ignored")
			}
		}},
		{name: "fips on, one service overridden", env: map[string]string{
			"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true",
			"AWS_ENDPOINT_URL_KMS": "https://vpce-0abc-kms.us-gov-west-1.vpce.amazonaws.com",
		}, check: func(t *testing.T, e awsEnv) {
			// The SDK refuses FIPS or dual-stack with a custom endpoint.
			if e.fipsState(serviceKMS) != aws.FIPSEndpointStateUnset || e.dualStackState(serviceKMS) != aws.DualStackEndpointStateUnset {
				t.Errorf("kms switches set beside its override")
			}
			if e.fipsState(serviceDynamoDB) != aws.FIPSEndpointStateEnabled || e.dualStackState(serviceDynamoDB) != aws.DualStackEndpointStateEnabled {
				t.Errorf("dynamodb switches lost")
			}
		}},
		{name: "retry policy and CA bundle", env: map[string]string{
			"AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "5", "AWS_CA_BUNDLE": bundle,
		}, check: func(t *testing.T, e awsEnv) {
			var cfg aws.Config
			e.apply(&cfg)
			if cfg.RetryMode != aws.RetryModeAdaptive || cfg.RetryMaxAttempts != 5 || cfg.HTTPClient == nil {
				t.Errorf("cfg = %+v", cfg)
			}
		}},
		{name: "every bad value reported at once", env: map[string]string{
			"AWS_USE_FIPS_ENDPOINT": "yes", "AWS_ENDPOINT_URL_DYNAMODB": "dynamodb.local:8000",
			"AWS_ENDPOINT_URL_SECRETS_MANAGER": "https://user:pass@sm.example", "AWS_RETRY_MODE": "fast",
			"AWS_MAX_ATTEMPTS": "0", "AWS_CA_BUNDLE": notPEM,
		}, wantErr: []string{"AWS_USE_FIPS_ENDPOINT", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS", "AWS_CA_BUNDLE"}},
		{name: "plain http override under fips", env: map[string]string{
			"AWS_USE_FIPS_ENDPOINT": "true", "AWS_ENDPOINT_URL_KMS": "http://kms.internal",
		}, wantErr: []string{"AWS_ENDPOINT_URL_KMS", "must be https"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := readAWSEnv(func(k string) string { return tc.env[k] })
			if len(tc.wantErr) > 0 {
				for _, want := range tc.wantErr {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Errorf("err = %v, want it to name %q", err, want)
					}
				}
				if err != nil && strings.Contains(err.Error(), "pass") {
					t.Errorf("the error repeats a credential: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, e)
		})
	}
}
