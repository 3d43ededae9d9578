package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gatehouse/gatehouse/bff/middleware"
	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/internal/devservers"
)

// microResult is one per-operation figure.
type microResult struct {
	Name        string
	NsPerOp     float64
	AllocsPerOp float64
	Note        string
	// RedisCommands is the server's command count per call, where it applies.
	RedisCommands float64
}

// measure runs f until the timed loop lasts at least minTime, like
// testing.B, and reports time and allocations per call.
func measure(name string, minTime time.Duration, f func() error) (microResult, error) {
	n := 1
	for {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		for range n {
			if err := f(); err != nil {
				return microResult{}, fmt.Errorf("bench: %s: %w", name, err)
			}
		}
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		if elapsed >= minTime || n >= 1e9 {
			return microResult{
				Name:        name,
				NsPerOp:     float64(elapsed.Nanoseconds()) / float64(n),
				AllocsPerOp: float64(after.Mallocs-before.Mallocs) / float64(n),
			}, nil
		}
		perOp := max(elapsed.Nanoseconds()/int64(n), 1)
		next := int(1.2 * float64(minTime.Nanoseconds()) / float64(perOp))
		n = min(max(next, n+1), 100*n)
	}
}

// runMicro measures the per-request pieces of the session path.
func runMicro(ctx context.Context, minTime time.Duration, profileDir string) ([]microResult, error) {
	key := make([]byte, session.KeySize)
	sealer, err := session.NewSealer(session.PurposeSessionTokens, key)
	if err != nil {
		return nil, err
	}
	memStore, err := newMemoryStore()
	if err != nil {
		return nil, err
	}
	defer memStore.Close()
	mgr, req, err := signedInRequest(ctx, memStore, sealer)
	if err != nil {
		return nil, err
	}
	s, err := mgr.Load(ctx, req)
	if err != nil {
		return nil, err
	}
	rec := s.Record()
	aad := []byte(rec.Key)
	plaintext, err := sealer.Open(nil, rec.SealedTokens, aad)
	if err != nil {
		return nil, err
	}
	cookieName := mgr.Options().CookieName
	csrf := middleware.CSRF("https://app.bench.example", []string{"/auth/backchannel-logout"}, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	csrfW := httptest.NewRecorder()

	var out []microResult
	add := func(name, note string, f func() error) error {
		r, err := measure(name, minTime, f)
		if err != nil {
			return err
		}
		r.Note = note
		out = append(out, r)
		return nil
	}
	steps := []struct {
		name, note string
		f          func() error
	}{
		{"session seal", fmt.Sprintf("AES-256-GCM over the %d-byte token set a Cognito login yields", len(plaintext)), func() error {
			_, err := sealer.Seal(plaintext, aad)
			return err
		}},
		{"session open", "AES-256-GCM open of that set", func() error {
			_, err := sealer.Open(nil, rec.SealedTokens, aad)
			return err
		}},
		{"Manager.Tokens", "open + decode of the whole set (logout, refresh)", func() error {
			_, err := mgr.Tokens(ctx, s)
			return err
		}},
		{"Manager.AccessToken", "open + decode of the access token, as the proxy path runs it", func() error {
			_, err := mgr.AccessToken(ctx, s)
			return err
		}},
		{"cookie parse", "Cookie header → id check → store key (SHA-256)", func() error {
			c, err := req.Cookie(cookieName)
			if err != nil || !session.ValidID(c.Value) {
				return fmt.Errorf("cookie refused")
			}
			_ = session.Key(c.Value)
			return nil
		}},
		{"CSRF check", "middleware.CSRF on GET /api/…", func() error {
			csrf.ServeHTTP(csrfW, req)
			return nil
		}},
		{"session lookup + unseal, memory", "Manager.Load + Manager.AccessToken", func() error {
			s, err := mgr.Load(ctx, req)
			if err != nil {
				return err
			}
			_, err = mgr.AccessToken(ctx, s)
			return err
		}},
	}
	for _, st := range steps {
		if err := add(st.name, st.note, st.f); err != nil {
			return nil, err
		}
	}
	redisRes, err := redisLookup(ctx, sealer, minTime)
	if err != nil {
		return nil, err
	}
	out = append(out, redisRes)
	handlers, err := handlerCosts(ctx, minTime, profileDir)
	if err != nil {
		return nil, err
	}
	return append(out, handlers...), nil
}

func signedInRequest(ctx context.Context, store session.Store, sealer session.Sealer) (*session.Manager, *http.Request, error) {
	const cookieName = "__Host-gh_session"
	cookie, err := signIn(ctx, store, sealer, cookieName)
	if err != nil {
		return nil, nil, err
	}
	mgr, err := session.NewManager(store, sealer, session.Options{CookieName: cookieName})
	if err != nil {
		return nil, nil, err
	}
	req := httptest.NewRequest(http.MethodGet, "/api/greeting/hello", nil)
	req.Header = spaHeaders(cookie)
	return mgr, req, nil
}

// redisLookup measures a session lookup against a real redis-server and
// counts the commands the server processed per lookup, to show it is one
// round trip.
func redisLookup(ctx context.Context, sealer session.Sealer, minTime time.Duration) (microResult, error) {
	redis, err := devservers.StartRedis(ctx)
	if err != nil {
		return microResult{}, fmt.Errorf("bench: the redis lookup: %w", err)
	}
	defer redis.Stop()
	store, err := newRedisStore(redis.URL())
	if err != nil {
		return microResult{}, err
	}
	defer store.Close()
	mgr, req, err := signedInRequest(ctx, store, sealer)
	if err != nil {
		return microResult{}, err
	}
	lookup := func() error {
		s, err := mgr.Load(ctx, req)
		if err != nil {
			return err
		}
		_, err = mgr.AccessToken(ctx, s)
		return err
	}
	if err := lookup(); err != nil { // warm the connection pool
		return microResult{}, err
	}
	opts, _ := goredis.ParseURL(redis.URL())
	admin := goredis.NewClient(opts)
	defer admin.Close()
	before, err := commandsProcessed(ctx, admin)
	if err != nil {
		return microResult{}, err
	}
	const probes = 100
	for range probes {
		if err := lookup(); err != nil {
			return microResult{}, err
		}
	}
	after, err := commandsProcessed(ctx, admin)
	if err != nil {
		return microResult{}, err
	}
	// The INFO call that read "before" is counted in "after".
	perLookup := float64(after-before-1) / probes
	r, err := measure("session lookup + unseal, redis", minTime, lookup)
	if err != nil {
		return microResult{}, err
	}
	r.Note = fmt.Sprintf("real redis-server on loopback; %.2f commands per lookup", perLookup)
	r.RedisCommands = perLookup
	return r, nil
}

func commandsProcessed(ctx context.Context, c *goredis.Client) (int64, error) {
	info, err := c.Info(ctx, "stats").Result()
	if err != nil {
		return 0, fmt.Errorf("bench: redis INFO: %w", err)
	}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "total_commands_processed:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("bench: redis INFO has no total_commands_processed")
}
