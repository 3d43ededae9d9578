package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/bff/config"
	"github.com/gatehouse/gatehouse/bff/middleware"
	"github.com/gatehouse/gatehouse/bff/server"
	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/bff/session/memory"
	redisstore "github.com/gatehouse/gatehouse/bff/session/redis"
)

// Token sizes close to Cognito's: access ~1.1 KB, ID ~1.3 KB, refresh ~1.8 KB.
var benchTokens = session.Tokens{
	AccessToken:  "eyJ" + strings.Repeat("a", 1097),
	IDToken:      "eyJ" + strings.Repeat("i", 1297),
	RefreshToken: "eyJ" + strings.Repeat("r", 1797),
}

// spaHeaders are what the SPA's fetch sends through the load balancer to
// the BFF: the session cookie, and no token.
func spaHeaders(cookie string) http.Header {
	h := http.Header{}
	h.Set("Accept", "application/json")
	h.Set("X-CSRF", "1")
	h.Set("Sec-Fetch-Site", "same-origin")
	h.Set("X-Forwarded-For", "203.0.113.7")
	h.Set("User-Agent", "gatehouse-bench")
	if cookie != "" {
		h.Set("Cookie", cookie)
	}
	return h
}

// tokenSPAHeaders are what the same fetch sends where there is no BFF: the
// SPA holds the access token and sends it itself. The direct call and the
// bare proxy get these, so every scenario delivers the same request to the
// upstream and the comparison charges the BFF only for what it adds.
func tokenSPAHeaders(accessToken string) http.Header {
	h := spaHeaders("")
	h.Del("X-CSRF")
	h.Set("Authorization", "Bearer "+accessToken)
	return h
}

// upstream is the downstream API every scenario ends at. It counts what
// arrives so the harness can prove the BFF injected the token and stripped
// the cookie on every request it measured.
type upstream struct {
	URL        string
	wantBearer string
	bearer     atomic.Int64
	cookies    atomic.Int64
	total      atomic.Int64
	close      func()
}

var greeting = []byte(`{"id":8,"content":"Hello, Ada Lovelace!"}` + "\n")

func startUpstream(wantBearer string) (*upstream, error) {
	u := &upstream{wantBearer: "Bearer " + wantBearer}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.total.Add(1)
		if r.Header.Get("Authorization") == u.wantBearer {
			u.bearer.Add(1)
		}
		if r.Header.Get("Cookie") != "" {
			u.cookies.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", fmt.Sprint(len(greeting)))
		_, _ = w.Write(greeting)
	})
	addr, stop, err := serve(h)
	if err != nil {
		return nil, err
	}
	u.URL, u.close = "http://"+addr, stop
	return u, nil
}

type upstreamCounts struct{ Total, Bearer, Cookies int64 }

func (u *upstream) counts() upstreamCounts {
	return upstreamCounts{u.total.Load(), u.bearer.Load(), u.cookies.Load()}
}

func (c upstreamCounts) sub(before upstreamCounts) upstreamCounts {
	return upstreamCounts{c.Total - before.Total, c.Bearer - before.Bearer, c.Cookies - before.Cookies}
}

// serve runs h on a fresh loopback port with the BFF's server limits.
func serve(h http.Handler) (addr string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("bench: listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	go func() { _ = srv.Serve(l) }()
	return l.Addr().String(), func() { _ = srv.Close() }, nil
}

// tunedTransport is the bare proxy's Transport: keep-alive pools sized for
// the connection count, as anyone tuning a Go reverse proxy would set it.
func tunedTransport() *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

func startBareProxy(upstreamURL string) (addr string, stop func(), err error) {
	up, err := url.Parse(upstreamURL)
	if err != nil {
		return "", nil, err
	}
	rp := &httputil.ReverseProxy{
		Transport: tunedTransport(),
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(up) },
	}
	return serve(rp)
}

// bff is one assembled BFF with a signed-in session in its store.
type bff struct {
	URL    string
	Cookie string
	App    *server.App
	stop   func()
}

// staticKey hands the data key over once, as KMS Decrypt does at start.
type staticKey []byte

func (k staticKey) DataKey(context.Context) ([]byte, error) { return k, nil }

// startBFF builds the BFF (see buildBFF) and serves it on a loopback port
// with the production server settings.
func startBFF(ctx context.Context, store session.Store, upstreamURL string) (*bff, error) {
	app, cookie, logger, err := buildBFF(ctx, store, upstreamURL, nil)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		app.Close()
		return nil, fmt.Errorf("bench: listen: %w", err)
	}
	sctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = server.Serve(sctx, l, app, logger, server.ServeOptions{DrainTimeout: time.Second})
	}()
	return &bff{
		URL: "http://" + l.Addr().String(), Cookie: cookie, App: app,
		stop: func() { cancel(); <-done; app.Close() },
	}, nil
}

// buildBFF assembles the BFF as the regional (Fargate) stack configures it,
// through config.Load and server.Build, with the given session store, and
// signs a user in. Only the data key, the store and (for in-process
// measurements) the upstream transport are handed in: there is no KMS here,
// and the configuration cannot name an in-process store.
func buildBFF(ctx context.Context, store session.Store, upstreamURL string, transport http.RoundTripper) (*server.App, string, *slog.Logger, error) {
	routes, _ := json.Marshal([]map[string]string{{"name": "greeting", "upstream": upstreamURL}})
	env := map[string]string{
		"GATEHOUSE_MODE":                   "regional",
		"GATEHOUSE_PUBLIC_URL":             "https://app.bench.example",
		"GATEHOUSE_OIDC_ISSUER":            "https://idp.bench.example",
		"GATEHOUSE_OIDC_CLIENT_ID":         "bench",
		"GATEHOUSE_OIDC_CLIENT_SECRET":     "bench-client-secret",
		"GATEHOUSE_SESSION_STORE":          "dynamodb",
		"GATEHOUSE_SESSION_TABLE":          "replaced-by-the-bench-store",
		"GATEHOUSE_DATA_KEY_CIPHERTEXT":    base64.StdEncoding.EncodeToString([]byte("replaced-by-the-bench-key")),
		"GATEHOUSE_ROUTES":                 string(routes),
		"GATEHOUSE_RATE_LIMIT_PER_IP":      "1e9",
		"GATEHOUSE_RATE_LIMIT_PER_SESSION": "1e9",
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return nil, "", nil, fmt.Errorf("bench: bff config: %w", err)
	}
	key := make([]byte, session.KeySize)
	_, _ = rand.Read(key)
	sealer := session.NewLazySealer(session.PurposeSessionTokens, staticKey(key))
	// JSON access lines are formatted as in production; only the write is dropped.
	logger := middleware.NewLogger(io.Discard, slog.LevelInfo)
	app, err := server.Build(cfg, server.Deps{Logger: logger, Store: store, DataKey: staticKey(key), Transport: transport})
	if err != nil {
		return nil, "", nil, fmt.Errorf("bench: build bff: %w", err)
	}
	cookie, err := signIn(ctx, store, sealer, cfg.CookieName)
	if err != nil {
		app.Close()
		return nil, "", nil, err
	}
	return app, cookie, logger, nil
}

// signIn creates the session a completed login would, straight through the
// session Manager, and returns the Cookie header the browser then sends.
func signIn(ctx context.Context, store session.Store, sealer session.Sealer, cookieName string) (string, error) {
	mgr, err := session.NewManager(store, sealer, session.Options{CookieName: cookieName})
	if err != nil {
		return "", fmt.Errorf("bench: session manager: %w", err)
	}
	toks := benchTokens
	toks.Expiry = time.Now().Add(time.Hour)
	rec := httptest.NewRecorder()
	_, err = mgr.Create(ctx, rec, session.NewSession{
		Subject: "5f1c9a52-bench-user", IdPSessionID: "bench-sid",
		Claims: map[string]string{"name": "Ada Lovelace", "email": "ada@example.gov", "scope": "openid todo/read todo/write"},
		Groups: []string{"users"}, Tokens: toks,
	})
	if err != nil {
		return "", fmt.Errorf("bench: sign in: %w", err)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == cookieName {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", errors.New("bench: sign in: no session cookie was set")
}

func newMemoryStore() (*memory.Store, error) {
	s, err := memory.New(memory.Options{})
	if err != nil {
		return nil, fmt.Errorf("bench: memory store: %w", err)
	}
	return s, nil
}

func newRedisStore(redisURL string) (*redisstore.Store, error) {
	s, err := redisstore.Open(redisURL, redisstore.URLOptions{})
	if err != nil {
		return nil, fmt.Errorf("bench: redis store: %w", err)
	}
	return s, nil
}
