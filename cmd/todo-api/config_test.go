package main

import (
	"strings"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr []string
	}{
		{
			name: "memory defaults",
			env:  map[string]string{"TODO_ISSUER": "http://127.0.0.1:9000", "TODO_AUDIENCE": "gatehouse-bff"},
			want: Config{Issuer: "http://127.0.0.1:9000", Audience: "gatehouse-bff", Store: "memory", ListenAddr: ":8081"},
		},
		{
			name: "dynamodb",
			env:  map[string]string{"TODO_ISSUER": "https://cognito-idp.us-gov-west-1.amazonaws.com/p", "TODO_AUDIENCE": "c", "TODO_STORE": "dynamodb", "TODO_TABLE": "todos", "TODO_LISTEN_ADDR": "127.0.0.1:9"},
			want: Config{Issuer: "https://cognito-idp.us-gov-west-1.amazonaws.com/p", Audience: "c", Store: "dynamodb", Table: "todos", ListenAddr: "127.0.0.1:9"},
		},
		{
			name:    "everything missing is reported at once",
			env:     map[string]string{"TODO_STORE": "dynamodb"},
			wantErr: []string{"TODO_ISSUER is required", "TODO_AUDIENCE is required", "TODO_TABLE is required"},
		},
		{
			name:    "bad values",
			env:     map[string]string{"TODO_ISSUER": "ftp://x", "TODO_AUDIENCE": "c", "TODO_STORE": "sqlite"},
			wantErr: []string{"TODO_ISSUER=\"ftp://x\" must be an http(s) URL", "TODO_STORE=\"sqlite\" is not supported"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadConfig(func(k string) string { return tc.env[k] })
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("LoadConfig = %+v, want an error", got)
				}
				for _, want := range tc.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q lacks %q", err, want)
					}
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("LoadConfig = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
