package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/bff/session/redis"
	"github.com/gatehouse/gatehouse/bff/session/sessiontest"
	"github.com/gatehouse/gatehouse/internal/devservers"
)

// newClient connects to a real redis-server the way production does.
func newClient(t testing.TB, srv *devservers.Redis) goredis.UniversalClient {
	t.Helper()
	opts, err := goredis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	opts.ContextTimeoutEnabled = true
	opts.DisableIdentity = true
	c := goredis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

func randomPrefix(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "t" + hex.EncodeToString(b) + ":"
}

func TestConformance(t *testing.T) {
	srv := devservers.RedisT(t)
	client := newClient(t, srv)
	sessiontest.Run(t, func(t *testing.T) session.Store {
		s, err := redis.New(client, redis.Options{KeyPrefix: randomPrefix(t)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestGetIsOneRoundTrip(t *testing.T) {
	srv := devservers.RedisT(t)
	client := newClient(t, srv)
	counter := &commandCounter{}
	client.AddHook(counter)
	s, err := redis.New(client, redis.Options{KeyPrefix: randomPrefix(t)})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := session.NewID()
	r := sampleRecord(session.Key(id))
	if err := s.Create(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	counter.n = 0
	if _, err := s.Get(context.Background(), r.Key); err != nil {
		t.Fatal(err)
	}
	if counter.n != 1 {
		t.Fatalf("Get sent %d commands, want 1", counter.n)
	}
}

func TestOpenRefusesPlaintextToRemoteHosts(t *testing.T) {
	cases := []struct {
		url     string
		plain   bool
		wantErr bool
	}{
		{"redis://127.0.0.1:6379/0", false, false},
		{"redis://localhost:6379/0", false, false},
		{"redis://[::1]:6379/0", false, false},
		{"rediss://cache.example.internal:6379/0", false, false},
		{"redis://cache.example.internal:6379/0", false, true},
		{"redis://cache.example.internal:6379/0", true, false},
		{"http://cache.example.internal", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			s, err := redis.Open(tc.url, redis.URLOptions{AllowPlaintext: tc.plain})
			if (err != nil) != tc.wantErr {
				t.Fatalf("Open err = %v, wantErr %v", err, tc.wantErr)
			}
			if s != nil {
				s.Close()
			}
		})
	}
}

type commandCounter struct{ n int }

func (c *commandCounter) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (c *commandCounter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error { c.n++; return next(ctx, cmd) }
}
func (c *commandCounter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error { c.n += len(cmds); return next(ctx, cmds) }
}
