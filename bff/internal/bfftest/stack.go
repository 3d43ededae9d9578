package bfftest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/config"
	"github.com/gatehouse/gatehouse/bff/middleware"
	"github.com/gatehouse/gatehouse/bff/server"
	"github.com/gatehouse/gatehouse/bff/session"
	ddbstore "github.com/gatehouse/gatehouse/bff/session/dynamodb"
	"github.com/gatehouse/gatehouse/bff/session/memory"
	redisstore "github.com/gatehouse/gatehouse/bff/session/redis"
	"github.com/gatehouse/gatehouse/internal/devservers"
)

// Stores lists the session backends every integration test runs against.
var Stores = []string{"memory", "redis", "dynamodb"}

// Options shape a Stack.
type Options struct {
	// Store is memory, redis or dynamodb.
	Store string
	// Audit receives the BFF's logs and the secrets the stack sees. Required.
	Audit *Audit
	// AccessTokenTTL at the IdP. Defaults to 5m.
	AccessTokenTTL time.Duration
	// IDTokenTTL at the IdP. Defaults to 1h. The BFF checks ID token expiry
	// by Clock, so a test that advances it far needs longer ID tokens.
	IDTokenTTL time.Duration
	// Env overrides GATEHOUSE_* variables.
	Env map[string]string
	// TunnelRecheck overrides how often open WebSocket tunnels re-read
	// their session (server.Deps.TunnelRecheck).
	TunnelRecheck time.Duration
	// Deps adjusts the dependencies of every instance before it is built,
	// e.g. to reach the IdP through a test proxy or AWS through a stand-in.
	Deps func(*server.Deps)
}

// Clock is real time plus an offset the test can advance.
type Clock struct{ offset atomic.Int64 }

// Now is the shifted time.
func (c *Clock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// Stack is one BFF (or more, sharing a store) with its peers.
type Stack struct {
	t        testing.TB
	IdP      *devservers.OIDCProvider
	Redis    *devservers.Redis
	Dynalite *devservers.Dynalite
	Upstream *Upstream
	Audit    *Audit
	Clock    *Clock
	Store    session.Store
	// Keys is the data key every instance derives its sealing keys from.
	Keys   session.KeySource
	Config *config.Config
	// URL is the primary instance's public origin.
	URL      string
	server   *httptest.Server
	caFile   string
	handler  *swappable
	sessions *session.Manager
	recheck  time.Duration
	deps     func(*server.Deps)
}

type swappable struct{ h atomic.Pointer[http.Handler] }

func (s *swappable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := s.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	http.Error(w, "starting", http.StatusServiceUnavailable)
}

// Start brings up the peers and one BFF instance over TLS, configured from
// GATEHOUSE_* variables exactly as the binary is.
func Start(t testing.TB, opts Options) *Stack {
	t.Helper()
	if opts.Audit == nil {
		t.Fatal("bfftest: Options.Audit is required")
	}
	s := &Stack{t: t, Audit: opts.Audit, Clock: &Clock{}, handler: &swappable{}, recheck: opts.TunnelRecheck, deps: opts.Deps}
	s.Upstream = StartUpstream(t)

	// The BFF listens first so the IdP can be told its URLs and trust its certificate.
	s.server = httptest.NewUnstartedServer(s.handler)
	s.server.StartTLS()
	t.Cleanup(s.server.Close)
	s.URL = s.server.URL
	dir := t.TempDir()
	s.caFile = filepath.Join(dir, "bff-ca.pem")
	if err := os.WriteFile(s.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.server.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	s.IdP = devservers.OIDCProviderT(t, devservers.OIDCProviderOptions{
		RedirectURIs:           []string{s.URL + "/auth/callback"},
		PostLogoutRedirectURIs: []string{s.URL + "/"},
		BackchannelLogoutURI:   s.URL + "/auth/backchannel-logout",
		AccessTokenTTL:         opts.AccessTokenTTL,
		IDTokenTTL:             opts.IDTokenTTL,
		TestEndpoints:          true,
		ExtraCACertsFile:       s.caFile,
	})
	s.Audit.Secret("client secret", s.IdP.ClientSecret)
	for _, u := range s.IdP.Users {
		s.Audit.Secret("password of "+u.Username, u.Password)
	}

	key := make([]byte, session.KeySize)
	_, _ = rand.Read(key)
	s.Audit.SecretBytes("data key", key)
	keyFile := s.writeKey(key)
	s.Keys = session.FileKeySource{Path: keyFile}

	env := map[string]string{
		"GATEHOUSE_MODE":                   "local",
		"GATEHOUSE_PUBLIC_URL":             s.URL,
		"GATEHOUSE_OIDC_ISSUER":            s.IdP.Issuer,
		"GATEHOUSE_OIDC_CLIENT_ID":         s.IdP.ClientID,
		"GATEHOUSE_OIDC_CLIENT_SECRET":     s.IdP.ClientSecret,
		"GATEHOUSE_SESSION_STORE":          opts.Store,
		"GATEHOUSE_DATA_KEY_FILE":          keyFile,
		"GATEHOUSE_ROUTES":                 s.Upstream.RoutesJSON(),
		"GATEHOUSE_RATE_LIMIT_PER_IP":      "10000",
		"GATEHOUSE_RATE_LIMIT_PER_SESSION": "10000",
		"GATEHOUSE_LOG_LEVEL":              "debug",
	}
	s.openStore(opts.Store, env)
	for k, v := range opts.Env {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	s.Config = cfg
	s.sessions, err = session.NewManager(s.Store, session.NewLazySealer(session.PurposeSessionTokens, s.Keys), session.Options{CookieName: cfg.CookieName, IdleTimeout: cfg.IdleTimeout, AbsoluteTimeout: cfg.AbsoluteTimeout, Clock: s.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	app := s.build()
	h := app.Handler
	s.handler.h.Store(&h)
	return s
}

func (s *Stack) build() *server.App { return s.buildWith(s.Keys) }

func (s *Stack) buildWith(keys session.KeySource) *server.App {
	s.t.Helper()
	deps := server.Deps{
		Logger: middleware.NewLogger(s.Audit, slogDebug), Store: s.Store, DataKey: keys, Now: s.Clock.Now,
		TunnelRecheck: s.recheck,
	}
	if s.deps != nil {
		s.deps(&deps)
	}
	app, err := server.Build(s.Config, deps)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { _ = app.Close() })
	return app
}

func (s *Stack) openStore(kind string, env map[string]string) {
	t := s.t
	switch kind {
	case "memory":
		st, err := memory.New(memory.Options{Clock: s.Clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		s.Store = st
	case "redis":
		s.Redis = devservers.RedisT(t)
		env["GATEHOUSE_REDIS_URL"] = s.Redis.URL()
		st, err := redisstore.Open(s.Redis.URL(), redisstore.URLOptions{Options: redisstore.Options{Clock: s.Clock.Now}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		s.Store = st
	case "dynamodb":
		s.Dynalite = devservers.DynaliteT(t)
		client := s.Dynalite.Client()
		const table = "gatehouse-sessions"
		if err := ddbstore.CreateTable(context.Background(), client, table); err != nil {
			t.Fatal(err)
		}
		env["GATEHOUSE_SESSION_TABLE"] = table
		st, err := ddbstore.New(client, ddbstore.Options{Table: table, Clock: s.Clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		s.Store = st
	default:
		t.Fatalf("bfftest: unknown store %q", kind)
	}
}

// NewInstance starts another BFF over the same store, data key and IdP, as
// a second task or Lambda would. It answers on its own port.
func (s *Stack) NewInstance() string { return s.NewInstanceWith(s.Keys) }

// NewInstanceWith is NewInstance with its own data key (a replaced one).
func (s *Stack) NewInstanceWith(keys session.KeySource) string {
	s.t.Helper()
	srv := httptest.NewUnstartedServer(s.buildWith(keys).Handler)
	srv.TLS = s.server.TLS.Clone()
	srv.StartTLS()
	s.t.Cleanup(srv.Close)
	return srv.URL
}

// KeyFile is a data key in a file of the test's, as local mode reads it.
func (s *Stack) KeyFile(key []byte) session.KeySource {
	return session.FileKeySource{Path: s.writeKey(key)}
}

func (s *Stack) writeKey(key []byte) string {
	s.t.Helper()
	f, err := os.CreateTemp(s.t.TempDir(), "data-*.key")
	if err == nil {
		_, err = f.Write(key)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		s.t.Fatal(err)
	}
	return f.Name()
}

// Browser returns a new browser with an empty cookie jar.
func (s *Stack) Browser() *Browser { return newBrowser(s) }

// SessionTokens opens the token set of the session named by cookie, so the
// test can register every token with the audit.
func (s *Stack) SessionTokens(cookie string) (session.Tokens, error) {
	req, _ := http.NewRequest(http.MethodGet, s.URL, nil)
	req.AddCookie(&http.Cookie{Name: s.Config.CookieName, Value: cookie})
	sess, err := s.sessions.Load(context.Background(), req)
	if err != nil {
		return session.Tokens{}, err
	}
	return s.sessions.Tokens(context.Background(), sess)
}

// RecordExists reports whether the store still holds the session of cookie.
func (s *Stack) RecordExists(cookie string) bool {
	_, err := s.Store.Get(context.Background(), session.Key(cookie))
	return err == nil
}

// RoutesJSON is the GATEHOUSE_ROUTES value for the test upstream.
func (u *Upstream) RoutesJSON() string {
	routes := []map[string]any{
		{"name": "todos", "upstream": u.URL + "/todos", "timeout": "5s", "maxBodyBytes": 1024},
		{"name": "staff", "upstream": u.URL + "/staff", "groups": []string{"staff"}},
		{"name": "slow", "upstream": u.URL + "/slow", "timeout": "200ms"},
	}
	b, _ := json.Marshal(routes)
	return string(b)
}
