package server

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/config"
	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/bff/session/memory"
)

// pingCounter is a real memory store whose Ping is counted and can be made
// to fail.
type pingCounter struct {
	session.Store
	pings atomic.Int32
	down  atomic.Bool
}

func (p *pingCounter) Ping(ctx context.Context) error {
	p.pings.Add(1)
	if p.down.Load() {
		return errors.New("store down")
	}
	return p.Store.Ping(ctx)
}

func readyApp(t *testing.T, perIP string) (*pingCounter, string) {
	t.Helper()
	env := map[string]string{
		"GATEHOUSE_MODE": "local", "GATEHOUSE_PUBLIC_URL": "http://localhost:8080", "GATEHOUSE_INSECURE_COOKIES": "true",
		"GATEHOUSE_OIDC_ISSUER": "http://127.0.0.1:1", "GATEHOUSE_OIDC_CLIENT_ID": "c", "GATEHOUSE_OIDC_CLIENT_SECRET": "s",
		"GATEHOUSE_SESSION_STORE": "memory", "GATEHOUSE_DATA_KEY_FILE": "/unused", "GATEHOUSE_RATE_LIMIT_PER_IP": perIP,
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	mem, err := memory.New(memory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mem.Close() })
	key := make([]byte, session.KeySize)
	_, _ = rand.Read(key)
	store := &pingCounter{Store: mem}
	app, err := Build(cfg, Deps{Store: store, DataKey: staticKey(key), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	srv := httptest.NewServer(app.Handler)
	t.Cleanup(srv.Close)
	return store, srv.URL
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// /readyz reuses the store's answer for a second, and concurrent probes
// share one ping: a burst of probes costs the store one round trip.
func TestReadyzCachesTheStoreAnswer(t *testing.T) {
	store, base := readyApp(t, "1000")
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := status(t, base+"/readyz"); got != http.StatusOK {
				t.Errorf("/readyz = %d", got)
			}
		}()
	}
	wg.Wait()
	if n := store.pings.Load(); n != 1 {
		t.Fatalf("%d pings for 40 probes within a second", n)
	}
	store.down.Store(true)
	time.Sleep(readyCacheTTL + 100*time.Millisecond)
	for range 5 {
		if got := status(t, base+"/readyz"); got != http.StatusServiceUnavailable {
			t.Fatalf("/readyz with the store down = %d", got)
		}
	}
	if n := store.pings.Load(); n != 2 {
		t.Fatalf("%d pings, want 2", n)
	}
}

// /readyz reaches the store, so it counts against the caller's rate limit;
// /healthz, which does not, stays exempt.
func TestReadyzIsRateLimited(t *testing.T) {
	_, base := readyApp(t, "2") // burst 4
	codes := map[int]int{}
	for range 8 {
		codes[status(t, base+"/readyz")]++
	}
	if codes[http.StatusOK] != 4 || codes[http.StatusTooManyRequests] != 4 {
		t.Fatalf("/readyz answers %v, want 4 × 200 then 429", codes)
	}
	if got := status(t, base+"/healthz"); got != http.StatusOK {
		t.Fatalf("/healthz = %d while the caller is limited", got)
	}
}

// staticKey is a data key held in memory.
type staticKey []byte

func (k staticKey) DataKey(context.Context) ([]byte, error) { return k, nil }
