package reliability

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/devservers"
	"github.com/gatehouse/gatehouse/internal/gobuild"
)

// Options shape a Harness.
type Options struct {
	// Binary is the BFF executable. Required (see BuildBFF).
	Binary string
	// Users is how many accounts the IdP holds (user001, user002, …).
	// Defaults to 2.
	Users int
	// AccessTokenTTL at the IdP. The BFF refreshes 60s before expiry, so a
	// TTL of 60s+P makes every access token due for refresh P after it was
	// issued. Defaults to 5m.
	AccessTokenTTL time.Duration
	// Env overrides GATEHOUSE_* variables of the BFF.
	Env map[string]string
	// IdPRelay puts a Relay in front of the IdP: its issuer URL is the
	// relay's, so every call to the IdP, the BFF's and the browser's, passes
	// through it and an outage can be switched on and off exactly.
	IdPRelay bool
}

// Harness is one BFF process with its session store, IdP and upstream.
type Harness struct {
	// URL is the BFF's origin, http://127.0.0.1:<port>.
	URL   string
	Addr  string
	BFF   *devservers.Process
	Redis *devservers.Redis
	IdP   *devservers.OIDCProvider
	// IdPRelay is set when Options.IdPRelay is.
	IdPRelay *Relay
	Upstream *Upstream
	// SPADir holds the static files the BFF serves; OutsideSecret sits next
	// to it and must never be served.
	SPADir        string
	OutsideSecret string
	// Secrets are values that must never appear in the BFF's output.
	Secrets map[string]string
	opts    Options
	env     []string
	mu      sync.Mutex
	clients []*Client
	dir     string
	closers []func()
}

// CookieName is the session cookie of a local-mode BFF (no __Host- prefix
// over plain http).
const CookieName = "gh_session"

// Start brings up redis-server, oidc-provider, the upstream and the BFF, and
// returns once the BFF answers /healthz. Close stops everything. When a
// peer cannot start, what did start is stopped and the error says what is
// missing and how to install it.
func Start(ctx context.Context, opts Options) (*Harness, error) {
	if opts.Binary == "" {
		return nil, errors.New("reliability: Options.Binary is required")
	}
	if opts.Users == 0 {
		opts.Users = 2
	}
	h := &Harness{opts: opts, Secrets: map[string]string{}}
	if err := h.start(ctx); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

func (h *Harness) start(ctx context.Context) (err error) {
	if h.dir, err = os.MkdirTemp("", "gatehouse-reliability-"); err != nil {
		return fmt.Errorf("reliability: %w", err)
	}
	h.closers = append(h.closers, func() { os.RemoveAll(h.dir) })
	if h.Redis, err = devservers.StartRedis(ctx); err != nil {
		return fmt.Errorf("reliability: %w", err)
	}
	h.closers = append(h.closers, h.Redis.Stop)
	h.Upstream = StartUpstream()
	h.closers = append(h.closers, h.Upstream.Close)

	port, err := devservers.FreePort()
	if err != nil {
		return err
	}
	h.Addr = devservers.LoopbackAddr(port)
	h.URL = "http://" + h.Addr
	users := make([]devservers.OIDCUser, h.opts.Users)
	for i := range users {
		users[i] = devservers.OIDCUser{Username: UserName(i), Password: randomHex(16), Name: "Load User " + strconv.Itoa(i+1), Email: UserName(i) + "@example.gov", Groups: []string{"staff"}}
		h.Secrets["password of "+users[i].Username] = users[i].Password
	}
	idpOpts := devservers.OIDCProviderOptions{
		RedirectURIs: []string{h.URL + "/auth/callback"}, PostLogoutRedirectURIs: []string{h.URL + "/"},
		Users: users, AccessTokenTTL: h.opts.AccessTokenTTL, TestEndpoints: true,
	}
	if h.opts.IdPRelay {
		if idpOpts.Port, err = devservers.FreePort(); err != nil {
			return err
		}
		if h.IdPRelay, err = StartRelay(devservers.LoopbackAddr(idpOpts.Port)); err != nil {
			return err
		}
		h.closers = append(h.closers, h.IdPRelay.Close)
		idpOpts.Issuer = "http://" + h.IdPRelay.Addr
	}
	if h.IdP, err = devservers.StartOIDCProvider(ctx, idpOpts); err != nil {
		return fmt.Errorf("reliability: %w", err)
	}
	h.closers = append(h.closers, h.IdP.Stop)
	h.Secrets["client secret"] = h.IdP.ClientSecret
	if err := h.writeFiles(); err != nil {
		return err
	}
	h.env = h.environment()
	return h.StartBFF(ctx)
}

// UserName is the i-th (0-based) account of the IdP.
func UserName(i int) string { return fmt.Sprintf("user%03d", i+1) }

func (h *Harness) writeFiles() error {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	h.Secrets["data key (hex)"] = hex.EncodeToString(key)
	h.SPADir = filepath.Join(h.dir, "dist")
	h.OutsideSecret = "OUTSIDE-" + randomHex(8)
	files := map[string]string{
		"data.key":                    string(key),
		"dist/index.html":             "<!doctype html><title>app</title>",
		"dist/assets/app-3f9a1c2b.js": "console.log('app')",
		"dist/.env":                   h.OutsideSecret,
		"secret.txt":                  h.OutsideSecret,
	}
	for name, body := range files {
		p := filepath.Join(h.dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("reliability: %w", err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			return fmt.Errorf("reliability: %w", err)
		}
	}
	return nil
}

// Route timeouts of the BFF: HangTimeout bounds /api/hang; /api/hold waits
// for the test, so it gets the longest.
const (
	HangTimeout = 1 * time.Second
	holdTimeout = 60 * time.Second
)

func (h *Harness) environment() []string {
	routes, _ := json.Marshal([]map[string]any{
		{"name": "data", "upstream": h.Upstream.URL + "/data", "timeout": "10s", "maxBodyBytes": 4096, "forwardHeaders": []string{UserHeader}},
		{"name": "hang", "upstream": h.Upstream.URL + "/hang", "timeout": HangTimeout.String()},
		{"name": "reset", "upstream": h.Upstream.URL + "/reset"},
		{"name": "hold", "upstream": h.Upstream.URL + "/hold", "timeout": holdTimeout.String()},
	})
	env := map[string]string{
		"GATEHOUSE_MODE":                   "local",
		"GATEHOUSE_PUBLIC_URL":             h.URL,
		"GATEHOUSE_LISTEN_ADDR":            h.Addr,
		"GATEHOUSE_OIDC_ISSUER":            h.IdP.Issuer,
		"GATEHOUSE_OIDC_CLIENT_ID":         h.IdP.ClientID,
		"GATEHOUSE_OIDC_CLIENT_SECRET":     h.IdP.ClientSecret,
		"GATEHOUSE_SESSION_STORE":          "redis",
		"GATEHOUSE_REDIS_URL":              h.Redis.URL(),
		"GATEHOUSE_INSECURE_COOKIES":       "true",
		"GATEHOUSE_DATA_KEY_FILE":          filepath.Join(h.dir, "data.key"),
		"GATEHOUSE_SPA_DIR":                h.SPADir,
		"GATEHOUSE_ROUTES":                 string(routes),
		"GATEHOUSE_RATE_LIMIT_PER_IP":      "100000",
		"GATEHOUSE_RATE_LIMIT_PER_SESSION": "100000",
		"GATEHOUSE_LOG_LEVEL":              "info",
	}
	for k, v := range h.opts.Env {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// StartBFF starts (or, after it exited, restarts) the BFF process.
func (h *Harness) StartBFF(ctx context.Context) error {
	p, err := devservers.Start(ctx, devservers.Spec{
		Name: "bff", Path: h.opts.Binary, Env: h.env,
		Ready: devservers.HTTPReady(h.URL + "/healthz"),
	})
	if err != nil {
		return err
	}
	h.BFF = p
	h.closers = append(h.closers, p.Stop)
	return nil
}

// WaitExit waits up to limit for the BFF process to end.
func (h *Harness) WaitExit(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for !h.BFF.Exited() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// LeakedSecrets lists every known secret, and every session cookie a
// client of this harness holds, that appears in the BFF's output.
func (h *Harness) LeakedSecrets() []string {
	out := h.BFF.Output()
	values := map[string]string{}
	for label, v := range h.Secrets {
		values[label] = v
	}
	h.mu.Lock()
	for _, c := range h.clients {
		values["session cookie of "+c.User] = c.SessionCookie()
	}
	h.mu.Unlock()
	var found []string
	for label, v := range values {
		if len(v) >= 12 && strings.Contains(out, v) {
			found = append(found, label)
		}
	}
	return found
}

// Close stops every process and removes the files, last started first. A
// nil Harness (one that never started) has nothing to close.
func (h *Harness) Close() {
	if h == nil {
		return
	}
	for i := len(h.closers) - 1; i >= 0; i-- {
		h.closers[i]()
	}
	h.closers = nil
}

// BuildBFF puts the BFF binary into dir and returns its path. It is built
// for this machine with the deployed binaries' flags (static, no local
// paths, no legacy Lambda RPC), the same build bff/cmd/bff's tests run, and
// taken from Go's build cache when its sources have not changed.
func BuildBFF(ctx context.Context, dir string) (string, error) {
	_, file, _, _ := runtime.Caller(0)
	out := filepath.Join(dir, "bff")
	err := gobuild.Binary(ctx, gobuild.Options{
		Dir:     filepath.Join(filepath.Dir(file), "..", ".."),
		Package: "./bff/cmd/bff",
		Out:     out,
		Flags:   []string{"-tags=lambda.norpc", "-trimpath", "-ldflags=-s -w"},
		Env:     []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + runtime.GOARCH},
	})
	if err != nil {
		return "", fmt.Errorf("reliability: %w", err)
	}
	return out, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
