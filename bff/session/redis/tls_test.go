package redis_test

import (
	"context"
	"crypto/x509"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/bff/session/redis"
	"github.com/gatehouse/gatehouse/bff/session/sessiontest"
	"github.com/gatehouse/gatehouse/internal/devservers"
)

// TestTLS runs against a TLS-only redis-server, as ElastiCache with
// in-transit encryption: the certificate must verify, plaintext must fail.
func TestTLS(t *testing.T) {
	files, err := devservers.NewRedisTLSFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := devservers.RedisTLST(t, files)
	pemBytes, err := os.ReadFile(files.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	trusted := x509.NewCertPool()
	trusted.AppendCertsFromPEM(pemBytes)
	plainURL := "redis://" + srv.Addr + "/0"

	cases := []struct {
		name    string
		url     string
		roots   *x509.CertPool
		wantErr bool
	}{
		{"rediss with the server's CA", srv.URL(), trusted, false},
		{"rediss with system roots only: certificate refused", srv.URL(), nil, true},
		{"plaintext to a TLS server", plainURL, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := redis.Open(tc.url, redis.URLOptions{RootCAs: tc.roots, Options: redis.Options{KeyPrefix: randomPrefix(t)}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err = s.Ping(ctx)
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("Ping: %v", err)
				}
				return
			}
			if !errors.Is(err, session.ErrUnavailable) {
				t.Fatalf("Ping err = %v, want ErrUnavailable", err)
			}
			if tc.roots == nil && strings.HasPrefix(tc.url, "rediss") && !strings.Contains(err.Error(), "certificate") {
				t.Errorf("Ping err = %v, want a certificate verification failure", err)
			}
		})
	}

	t.Run("conformance over TLS", func(t *testing.T) {
		sessiontest.Run(t, func(t *testing.T) session.Store {
			s, err := redis.Open(srv.URL(), redis.URLOptions{RootCAs: trusted, Options: redis.Options{KeyPrefix: randomPrefix(t)}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
	})
}
