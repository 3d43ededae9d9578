package devservers

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Redis is a running redis-server on a loopback port, in memory only.
type Redis struct {
	*Process
	// Addr is host:port.
	Addr string
	// TLS is set when the server speaks only TLS on Addr.
	TLS bool
}

// URL is the redis:// (or rediss://) URL of the server (database 0, no auth).
func (r *Redis) URL() string {
	if r.TLS {
		return "rediss://" + r.Addr + "/0"
	}
	return "redis://" + r.Addr + "/0"
}

// RedisTLS names the PEM files of a TLS-only redis-server. Clients are not
// asked for certificates, as with ElastiCache in-transit encryption.
type RedisTLS struct {
	CertFile, KeyFile string
	// CAFile verifies the server in the readiness probe. Defaults to CertFile
	// (a self-signed certificate).
	CAFile string
}

// StartRedis runs a real redis-server on a free loopback port with
// persistence off, and returns once it answers PING.
func StartRedis(ctx context.Context) (*Redis, error) {
	return startRedis(ctx, nil)
}

// StartRedisTLS is StartRedis with TLS only: no plaintext port.
func StartRedisTLS(ctx context.Context, t RedisTLS) (*Redis, error) {
	if t.CertFile == "" || t.KeyFile == "" {
		return nil, errors.New("devservers: redis TLS needs CertFile and KeyFile")
	}
	if t.CAFile == "" {
		t.CAFile = t.CertFile
	}
	return startRedis(ctx, &t)
}

func startRedis(ctx context.Context, t *RedisTLS) (*Redis, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := LoopbackAddr(port)
	args := []string{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"}
	dial := plainDial
	if t == nil {
		args = append(args, "--port", strconv.Itoa(port))
	} else {
		args = append(args, "--port", "0", "--tls-port", strconv.Itoa(port),
			"--tls-cert-file", t.CertFile, "--tls-key-file", t.KeyFile, "--tls-auth-clients", "no")
		if dial, err = tlsDial(t.CAFile); err != nil {
			return nil, err
		}
	}
	p, err := Start(ctx, Spec{Name: "redis-server", Path: "redis-server", Args: args, Ready: redisPing(addr, dial)})
	if err != nil {
		return nil, err
	}
	return &Redis{Process: p, Addr: addr, TLS: t != nil}, nil
}

// RedisT starts redis-server for a test and stops it when the test ends.
// It fails the test, never skips it, when redis-server is not installed.
func RedisT(t testing.TB) *Redis {
	t.Helper()
	RequireT(t, "redis-server")
	r, err := StartRedis(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return r
}

// RedisTLST is RedisT with StartRedisTLS.
func RedisTLST(t testing.TB, tlsFiles RedisTLS) *Redis {
	t.Helper()
	RequireT(t, "redis-server")
	r, err := StartRedisTLS(context.Background(), tlsFiles)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return r
}

type dialFunc func(ctx context.Context, addr string) (net.Conn, error)

func plainDial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// tlsDial verifies the server against caFile, so the probe proves the
// certificate the tests will rely on.
func tlsDial(caFile string) (dialFunc, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("devservers: redis CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("devservers: redis CA: no certificate in %s", caFile)
	}
	return func(ctx context.Context, addr string) (net.Conn, error) {
		d := tls.Dialer{Config: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
		return d.DialContext(ctx, "tcp", addr)
	}, nil
}

// redisPing speaks just enough RESP to ask PING, so readiness does not
// depend on the client library under test.
func redisPing(addr string, dial dialFunc) func(context.Context) error {
	return func(ctx context.Context) error {
		c, err := dial(ctx, addr)
		if err != nil {
			return err
		}
		defer c.Close()
		if dl, ok := ctx.Deadline(); ok {
			_ = c.SetDeadline(dl)
		} else {
			_ = c.SetDeadline(time.Now().Add(time.Second))
		}
		if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
			return err
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return err
		}
		if strings.TrimSpace(line) != "+PONG" {
			return fmt.Errorf("redis PING answered %q", strings.TrimSpace(line))
		}
		return nil
	}
}

// NewRedisTLSFiles writes a fresh self-signed ECDSA certificate for
// 127.0.0.1 and localhost, and its key (mode 0600), into dir.
func NewRedisTLSFiles(dir string) (RedisTLS, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return RedisTLS{}, fmt.Errorf("devservers: redis TLS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return RedisTLS{}, fmt.Errorf("devservers: redis TLS serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "gatehouse test redis"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return RedisTLS{}, fmt.Errorf("devservers: redis TLS certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return RedisTLS{}, fmt.Errorf("devservers: redis TLS key: %w", err)
	}
	files := RedisTLS{CertFile: filepath.Join(dir, "redis.crt"), KeyFile: filepath.Join(dir, "redis.key")}
	files.CAFile = files.CertFile
	if err := os.WriteFile(files.CertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return RedisTLS{}, fmt.Errorf("devservers: redis TLS certificate: %w", err)
	}
	if err := os.WriteFile(files.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return RedisTLS{}, fmt.Errorf("devservers: redis TLS key: %w", err)
	}
	return files, nil
}
