package devservers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// OIDCUser is a demo account of the local OpenID Provider.
type OIDCUser struct {
	Username string   `json:"username"`
	Password string   `json:"password"`
	Subject  string   `json:"sub"`
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Groups   []string `json:"groups"`
}

// OIDCProviderOptions configure the provider. Zero values take Defaults().
type OIDCProviderOptions struct {
	// Port to listen on. Defaults to a free loopback port.
	Port int
	// Issuer URL. Defaults to http://127.0.0.1:<Port>.
	Issuer string
	// ClientID and ClientSecret of the confidential client. Default to
	// "gatehouse-bff" and a random secret.
	ClientID     string
	ClientSecret string
	// RedirectURIs, PostLogoutRedirectURIs and BackchannelLogoutURI are the
	// client's registered URLs. RedirectURIs is required.
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	BackchannelLogoutURI   string
	// Users default to alice (groups staff) and bob (no groups), each with a
	// random password.
	Users []OIDCUser
	// AccessTokenTTL defaults to 5m; IDTokenTTL to 1h; RefreshTokenTTL to 24h.
	AccessTokenTTL  time.Duration
	IDTokenTTL      time.Duration
	RefreshTokenTTL time.Duration
	// APIAudience, when set, makes access tokens JWTs for that audience.
	// Defaults to opaque access tokens.
	APIAudience string
	// TestEndpoints exposes GET /__test/stats (grant counters). Defaults to off.
	TestEndpoints bool
	// ExtraCACertsFile is a PEM file the provider trusts in addition to the
	// system roots (for back-channel calls to a test server over TLS).
	ExtraCACertsFile string
}

// Defaults fills unset fields.
func (o *OIDCProviderOptions) Defaults() error {
	if o.Port == 0 {
		port, err := FreePort()
		if err != nil {
			return err
		}
		o.Port = port
	}
	if o.Issuer == "" {
		o.Issuer = "http://" + LoopbackAddr(o.Port)
	}
	if o.ClientID == "" {
		o.ClientID = "gatehouse-bff"
	}
	if o.ClientSecret == "" {
		o.ClientSecret = randomSecret()
	}
	if len(o.Users) == 0 {
		o.Users = []OIDCUser{
			{Username: "alice", Password: randomSecret(), Email: "alice@example.com", Name: "Alice Example", Groups: []string{"staff"}},
			{Username: "bob", Password: randomSecret(), Email: "bob@example.com", Name: "Bob Example", Groups: []string{}},
		}
	}
	for i := range o.Users {
		if o.Users[i].Subject == "" {
			o.Users[i].Subject = o.Users[i].Username
		}
		if o.Users[i].Groups == nil {
			o.Users[i].Groups = []string{}
		}
	}
	if o.AccessTokenTTL == 0 {
		o.AccessTokenTTL = 5 * time.Minute
	}
	if o.IDTokenTTL == 0 {
		o.IDTokenTTL = time.Hour
	}
	if o.RefreshTokenTTL == 0 {
		o.RefreshTokenTTL = 24 * time.Hour
	}
	return nil
}

// Validate reports every problem at once.
func (o *OIDCProviderOptions) Validate() error {
	var errs []error
	if len(o.RedirectURIs) == 0 {
		errs = append(errs, errors.New("RedirectURIs: set at least one, e.g. http://127.0.0.1:8080/auth/callback"))
	}
	if o.AccessTokenTTL < time.Second {
		errs = append(errs, errors.New("AccessTokenTTL: must be at least 1s"))
	}
	for _, u := range o.Users {
		if u.Username == "" || u.Password == "" {
			errs = append(errs, fmt.Errorf("Users: %q needs a username and a password", u.Username))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("devservers: oidc-provider options: %w", errors.Join(errs...))
	}
	return nil
}

// OIDCProvider is a running oidc-provider.
type OIDCProvider struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	Users        []OIDCUser
	Process      *Process
}

// OIDCStats are the provider's grant counters (TestEndpoints only).
type OIDCStats struct {
	AuthorizationCode  int `json:"authorizationCode"`
	Refresh            int `json:"refresh"`
	RefreshErrors      int `json:"refreshErrors"`
	BackchannelSuccess int `json:"backchannelSuccess"`
	BackchannelErrors  int `json:"backchannelErrors"`
	Revocations        int `json:"revocations"`
	EndSessions        int `json:"endSessions"`
}

type idpClient struct {
	ClientID               string   `json:"client_id"`
	ClientSecret           string   `json:"client_secret"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris"`
	BackchannelLogoutURI   string   `json:"backchannel_logout_uri,omitempty"`
}

type idpConfig struct {
	Issuer          string      `json:"issuer"`
	Port            int         `json:"port"`
	Clients         []idpClient `json:"clients"`
	Users           []OIDCUser  `json:"users"`
	AccessTokenTTL  int         `json:"accessTokenTTL"`
	IDTokenTTL      int         `json:"idTokenTTL"`
	RefreshTokenTTL int         `json:"refreshTokenTTL"`
	APIAudience     string      `json:"apiAudience,omitempty"`
	TestEndpoints   bool        `json:"testEndpoints"`
}

// StartOIDCProvider runs internal/devservers/node/idp.mjs and waits until its
// discovery document answers. Stop it with Stop.
func StartOIDCProvider(ctx context.Context, opts OIDCProviderOptions) (*OIDCProvider, error) {
	if err := opts.Defaults(); err != nil {
		return nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if _, err := nodeModule("oidc-provider", "oidc-provider/package.json"); err != nil {
		return nil, err
	}
	cfg := idpConfig{
		Issuer: opts.Issuer,
		Port:   opts.Port,
		Clients: []idpClient{{
			ClientID: opts.ClientID, ClientSecret: opts.ClientSecret,
			RedirectURIs: opts.RedirectURIs, PostLogoutRedirectURIs: nonNil(opts.PostLogoutRedirectURIs),
			BackchannelLogoutURI: opts.BackchannelLogoutURI,
		}},
		Users:           opts.Users,
		AccessTokenTTL:  int(opts.AccessTokenTTL / time.Second),
		IDTokenTTL:      int(opts.IDTokenTTL / time.Second),
		RefreshTokenTTL: int(opts.RefreshTokenTTL / time.Second),
		APIAudience:     opts.APIAudience,
		TestEndpoints:   opts.TestEndpoints,
	}
	dir, err := os.MkdirTemp("", "gatehouse-idp-")
	if err != nil {
		return nil, fmt.Errorf("devservers: oidc-provider: %w", err)
	}
	cfgPath := filepath.Join(dir, "idp.json")
	raw, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgPath, raw, 0o600); err != nil {
		return nil, fmt.Errorf("devservers: oidc-provider: %w", err)
	}
	var env []string
	if opts.ExtraCACertsFile != "" {
		env = append(env, "NODE_EXTRA_CA_CERTS="+opts.ExtraCACertsFile)
	}
	discovery := strings.TrimSuffix(opts.Issuer, "/") + "/.well-known/openid-configuration"
	proc, err := Start(ctx, Spec{
		Name:  "oidc-provider",
		Path:  "node",
		Args:  []string{filepath.Join(NodeDir(), "idp.mjs"), cfgPath},
		Dir:   NodeDir(),
		Env:   env,
		Ready: HTTPReady(discovery),
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// The config file holds the client secret and passwords; node has read it.
	os.RemoveAll(dir)
	return &OIDCProvider{Issuer: opts.Issuer, ClientID: opts.ClientID, ClientSecret: opts.ClientSecret, Users: opts.Users, Process: proc}, nil
}

// OIDCProviderT starts a provider for a test and stops it in t.Cleanup; a
// provider that cannot start fails the test.
func OIDCProviderT(t testing.TB, opts OIDCProviderOptions) *OIDCProvider {
	t.Helper()
	p, err := StartOIDCProvider(context.Background(), opts)
	if err != nil {
		t.Fatalf("start oidc-provider: %v", err)
	}
	t.Cleanup(p.Stop)
	return p
}

// User returns the demo account with the given username.
func (p *OIDCProvider) User(username string) (OIDCUser, bool) {
	for _, u := range p.Users {
		if u.Username == username {
			return u, true
		}
	}
	return OIDCUser{}, false
}

// Stats reads the grant counters (TestEndpoints must be on).
func (p *OIDCProvider) Stats(ctx context.Context) (OIDCStats, error) {
	var s OIDCStats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(p.Issuer, "/")+"/__test/stats", nil)
	if err != nil {
		return s, fmt.Errorf("devservers: oidc stats: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return s, fmt.Errorf("devservers: oidc stats: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("devservers: oidc stats: status %d (is TestEndpoints on?)", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return s, fmt.Errorf("devservers: oidc stats: %w", err)
	}
	return s, nil
}

// TamperNextIDToken makes the next token response carry an ID token with
// claims overridden, signed with the provider's key, or unsigned when alg is
// "none" (TestEndpoints only). It exercises a relying party's checks.
func (p *OIDCProvider) TamperNextIDToken(ctx context.Context, claims map[string]any, alg string) error {
	_, err := p.testPost(ctx, "/__test/tamper", map[string]any{"claims": claims, "alg": alg})
	return err
}

// SignJWT returns a JWT over claims signed with the provider's key
// (TestEndpoints only), e.g. a crafted logout token.
func (p *OIDCProvider) SignJWT(ctx context.Context, header, claims map[string]any) (string, error) {
	body, err := p.testPost(ctx, "/__test/sign", map[string]any{"header": header, "claims": claims})
	if err != nil {
		return "", err
	}
	var out struct {
		JWT string `json:"jwt"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return "", fmt.Errorf("devservers: oidc sign: %w", err)
	}
	return out.JWT, nil
}

func (p *OIDCProvider) testPost(ctx context.Context, path string, v any) ([]byte, error) {
	raw, _ := json.Marshal(v)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(p.Issuer, "/")+path, bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("devservers: oidc %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("devservers: oidc %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("devservers: oidc %s: status %d (is TestEndpoints on?)", path, resp.StatusCode)
	}
	return body, nil
}

// Stop ends the provider.
func (p *OIDCProvider) Stop() { p.Process.Stop() }

func randomSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
