package server

import (
	"context"
	"strings"
	"testing"
)

func TestConfigFromEnv(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string
		fips    bool
		keyID   string
	}{
		{name: "no region", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE"}, wantErr: "AWS_REGION"},
		{name: "no credentials", env: map[string]string{"AWS_REGION": "us-gov-west-1"}, wantErr: "no credentials"},
		{name: "lambda keys", env: map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}, keyID: "AKIDEXAMPLE"},
		{name: "default region and fips", env: map[string]string{"AWS_DEFAULT_REGION": "us-gov-west-1", "AWS_USE_FIPS_ENDPOINT": "true", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "s"}, fips: true, keyID: "AKIDEXAMPLE"},
		{name: "ecs container endpoint", env: map[string]string{"AWS_REGION": "us-gov-west-1", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, env, err := configFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if env.fips != tc.fips || cfg.Credentials == nil || cfg.Region == "" {
				t.Fatalf("cfg = %+v fips=%v", cfg, env.fips)
			}
			if tc.keyID != "" {
				creds, err := cfg.Credentials.Retrieve(context.Background())
				if err != nil || creds.AccessKeyID != tc.keyID {
					t.Fatalf("creds = %v, %v", creds.AccessKeyID, err)
				}
			}
		})
	}
}
