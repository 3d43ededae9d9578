// Package config reads the BFF's configuration from environment variables and
// validates it all at once, so an operator sees every problem in one run.
package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Mode is the deployment topology.
type Mode string

const (
	// ModeEdge is Lambda behind API Gateway and CloudFront.
	ModeEdge Mode = "edge"
	// ModeRegional is a container behind an ALB.
	ModeRegional Mode = "regional"
	// ModeLocal is a developer machine.
	ModeLocal Mode = "local"
)

// MTLSMode says where the client certificate comes from.
type MTLSMode string

const (
	MTLSOff         MTLSMode = "off"
	MTLSVerify      MTLSMode = "verify"
	MTLSPassthrough MTLSMode = "passthrough"
)

// Config is the validated configuration.
type Config struct {
	Mode       Mode
	PublicURL  *url.URL
	ListenAddr string

	OIDC OIDC

	PostLogoutURL string

	SessionStore    string
	SessionTable    string
	RedisURL        string
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	CookieName      string
	InsecureCookies bool

	DataKeyCiphertext []byte
	DataKeyFile       string

	Routes []Route

	OriginVerifyHeader    string
	OriginVerifySecret    Secret
	OriginVerifySecretARN string

	MTLS            MTLSMode
	MTLSTrustBundle string

	SPADir string

	RateLimitPerIP      float64
	RateLimitPerSession float64

	LogLevel slog.Level
}

// OIDC holds the identity provider settings.
type OIDC struct {
	Issuer          string
	ClientID        string
	ClientSecret    Secret
	ClientSecretARN string
	Scopes          []string
	// CognitoDomain, when set, selects Cognito's fixed endpoints instead of discovery.
	CognitoDomain string
	// JWKSURL, when set, is where Cognito's signing keys are fetched instead
	// of the issuer's /.well-known/jwks.json. Tokens name the standard
	// cognito-idp host as issuer, but in GovCloud only the FIPS host
	// (cognito-idp-fips) answers.
	JWKSURL string
}

// RedirectURL is where the IdP returns the browser after login.
func (c *Config) RedirectURL() string { return c.PublicURL.JoinPath("/auth/callback").String() }

// Origin is the scheme://host[:port] of the public URL, for Origin checks.
func (c *Config) Origin() string { return c.PublicURL.Scheme + "://" + c.PublicURL.Host }

// Secret is a string that never prints its value.
type Secret string

func (Secret) String() string       { return "[redacted]" }
func (s Secret) GoString() string   { return s.String() }
func (Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Reveal returns the value, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }

// Error lists every configuration problem.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	return "config: " + fmt.Sprint(len(e.Problems)) + " problem(s):\n  - " + strings.Join(e.Problems, "\n  - ")
}

// Load reads and validates the configuration. On failure it returns *Error
// listing every problem with how to fix it.
func Load(getenv func(string) string) (*Config, error) {
	r := &reader{getenv: getenv}
	c := &Config{}
	c.Mode = Mode(r.str("GATEHOUSE_MODE", string(ModeRegional)))
	switch c.Mode {
	case ModeEdge, ModeRegional, ModeLocal:
	default:
		r.fail("GATEHOUSE_MODE=%q: use edge, regional or local", c.Mode)
	}
	c.PublicURL = r.publicURL("GATEHOUSE_PUBLIC_URL")
	c.ListenAddr = r.str("GATEHOUSE_LISTEN_ADDR", ":8080")
	c.OIDC = r.oidc()
	c.PostLogoutURL = r.str("GATEHOUSE_POST_LOGOUT_URL", "")
	if c.PostLogoutURL == "" && c.PublicURL != nil {
		c.PostLogoutURL = c.PublicURL.JoinPath("/").String()
	} else if c.PostLogoutURL != "" {
		r.absURL("GATEHOUSE_POST_LOGOUT_URL", c.PostLogoutURL)
	}
	r.sessions(c)
	c.Routes = r.routes("GATEHOUSE_ROUTES", c.Mode)
	c.SPADir = r.str("GATEHOUSE_SPA_DIR", "")
	r.edge(c)
	r.mtls(c)
	c.RateLimitPerIP = r.positiveFloat("GATEHOUSE_RATE_LIMIT_PER_IP", 20)
	c.RateLimitPerSession = r.positiveFloat("GATEHOUSE_RATE_LIMIT_PER_SESSION", 10)
	c.LogLevel = r.logLevel("GATEHOUSE_LOG_LEVEL")
	if len(r.problems) > 0 {
		return nil, &Error{Problems: r.problems}
	}
	return c, nil
}

func (r *reader) oidc() OIDC {
	o := OIDC{
		Issuer:          r.str("GATEHOUSE_OIDC_ISSUER", ""),
		ClientID:        r.str("GATEHOUSE_OIDC_CLIENT_ID", ""),
		ClientSecret:    Secret(r.str("GATEHOUSE_OIDC_CLIENT_SECRET", "")),
		ClientSecretARN: r.str("GATEHOUSE_OIDC_CLIENT_SECRET_ARN", ""),
		Scopes:          strings.Fields(r.str("GATEHOUSE_OIDC_SCOPES", "openid email profile")),
		CognitoDomain:   strings.TrimSuffix(r.str("GATEHOUSE_COGNITO_DOMAIN", ""), "/"),
		JWKSURL:         r.str("GATEHOUSE_OIDC_JWKS_URL", ""),
	}
	if o.Issuer == "" {
		r.fail("GATEHOUSE_OIDC_ISSUER is required: set the IdP issuer URL, e.g. https://cognito-idp.<region>.amazonaws.com/<poolId>")
	} else {
		r.absURL("GATEHOUSE_OIDC_ISSUER", o.Issuer)
	}
	if o.ClientID == "" {
		r.fail("GATEHOUSE_OIDC_CLIENT_ID is required: set the confidential client's id")
	}
	switch {
	case o.ClientSecret == "" && o.ClientSecretARN == "":
		r.fail("GATEHOUSE_OIDC_CLIENT_SECRET or GATEHOUSE_OIDC_CLIENT_SECRET_ARN is required: set one")
	case o.ClientSecret != "" && o.ClientSecretARN != "":
		r.fail("GATEHOUSE_OIDC_CLIENT_SECRET and GATEHOUSE_OIDC_CLIENT_SECRET_ARN are both set: keep one")
	case o.ClientSecretARN != "":
		r.arn("GATEHOUSE_OIDC_CLIENT_SECRET_ARN", o.ClientSecretARN, "secretsmanager")
	}
	if len(o.Scopes) == 0 || !contains(o.Scopes, "openid") {
		r.fail("GATEHOUSE_OIDC_SCOPES=%q must include openid", strings.Join(o.Scopes, " "))
	}
	if o.CognitoDomain != "" {
		if u := r.absURL("GATEHOUSE_COGNITO_DOMAIN", o.CognitoDomain); u != nil && u.Scheme != "https" {
			r.fail("GATEHOUSE_COGNITO_DOMAIN=%q must use https", redactUserinfo(o.CognitoDomain))
		}
	}
	if o.JWKSURL != "" {
		if u := r.absURL("GATEHOUSE_OIDC_JWKS_URL", o.JWKSURL); u != nil && u.Scheme != "https" {
			r.fail("GATEHOUSE_OIDC_JWKS_URL=%q must use https: the signing keys decide which tokens are trusted", o.JWKSURL)
		}
		if o.CognitoDomain == "" {
			r.fail("GATEHOUSE_OIDC_JWKS_URL is for Cognito (with GATEHOUSE_COGNITO_DOMAIN); other IdPs publish jwks_uri in their discovery document")
		}
	}
	return o
}

func (r *reader) sessions(c *Config) {
	c.SessionStore = r.str("GATEHOUSE_SESSION_STORE", "dynamodb")
	switch c.SessionStore {
	case "memory":
		if c.Mode != ModeLocal {
			r.fail("GATEHOUSE_SESSION_STORE=memory is for GATEHOUSE_MODE=local only: sessions would not survive a restart or be shared; use dynamodb or redis")
		}
	case "dynamodb":
		c.SessionTable = r.str("GATEHOUSE_SESSION_TABLE", "")
		if c.SessionTable == "" {
			r.fail("GATEHOUSE_SESSION_TABLE is required with GATEHOUSE_SESSION_STORE=dynamodb: set the table name")
		}
	case "redis":
		c.RedisURL = r.str("GATEHOUSE_REDIS_URL", "")
		if c.RedisURL == "" {
			r.fail("GATEHOUSE_REDIS_URL is required with GATEHOUSE_SESSION_STORE=redis: set redis:// or rediss://host:port")
		} else if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			r.fail("GATEHOUSE_REDIS_URL must be a redis:// or rediss:// URL")
		} else if u.Scheme == "redis" && c.Mode != ModeLocal {
			r.fail("GATEHOUSE_REDIS_URL uses redis:// (no TLS): use rediss:// outside local mode")
		}
	default:
		r.fail("GATEHOUSE_SESSION_STORE=%q: use memory, dynamodb or redis", c.SessionStore)
	}
	c.IdleTimeout = r.duration("GATEHOUSE_SESSION_IDLE_TIMEOUT", 15*time.Minute)
	c.AbsoluteTimeout = r.duration("GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT", 12*time.Hour)
	if c.IdleTimeout > 0 && c.AbsoluteTimeout > 0 && c.IdleTimeout > c.AbsoluteTimeout {
		r.fail("GATEHOUSE_SESSION_IDLE_TIMEOUT (%s) exceeds GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT (%s): lower the idle timeout", c.IdleTimeout, c.AbsoluteTimeout)
	}
	c.InsecureCookies = r.boolean("GATEHOUSE_INSECURE_COOKIES")
	if c.InsecureCookies && c.Mode != ModeLocal {
		r.fail("GATEHOUSE_INSECURE_COOKIES=true is refused in %s mode: it is for http://localhost in local mode only", c.Mode)
	}
	c.CookieName = r.str("GATEHOUSE_COOKIE_NAME", "__Host-gh_session")
	if !c.InsecureCookies && !strings.HasPrefix(c.CookieName, "__Host-") {
		c.CookieName = "__Host-" + c.CookieName
	}
	if c.InsecureCookies {
		c.CookieName = strings.TrimPrefix(strings.TrimPrefix(c.CookieName, "__Host-"), "__Secure-")
	}
	if c.PublicURL != nil && c.PublicURL.Scheme != "https" && !c.InsecureCookies {
		r.fail("GATEHOUSE_PUBLIC_URL=%q is not https but cookies are Secure: use https, or in local mode set GATEHOUSE_INSECURE_COOKIES=true", c.PublicURL)
	}

	cipher := r.str("GATEHOUSE_DATA_KEY_CIPHERTEXT", "")
	c.DataKeyFile = r.str("GATEHOUSE_DATA_KEY_FILE", "")
	switch {
	case cipher == "" && c.DataKeyFile == "":
		r.fail("GATEHOUSE_DATA_KEY_CIPHERTEXT or GATEHOUSE_DATA_KEY_FILE is required: set the KMS ciphertext of the session data key, or a local key file in local mode")
	case cipher != "" && c.DataKeyFile != "":
		r.fail("GATEHOUSE_DATA_KEY_CIPHERTEXT and GATEHOUSE_DATA_KEY_FILE are both set: keep one")
	case cipher != "":
		c.DataKeyCiphertext = r.base64("GATEHOUSE_DATA_KEY_CIPHERTEXT", cipher)
	case c.Mode != ModeLocal:
		r.fail("GATEHOUSE_DATA_KEY_FILE is for local mode only: use GATEHOUSE_DATA_KEY_CIPHERTEXT (KMS) in %s mode", c.Mode)
	}
}

func (r *reader) edge(c *Config) {
	c.OriginVerifyHeader = r.str("GATEHOUSE_ORIGIN_VERIFY_HEADER", "X-Origin-Verify")
	c.OriginVerifySecret = Secret(r.str("GATEHOUSE_ORIGIN_VERIFY_SECRET", ""))
	c.OriginVerifySecretARN = r.str("GATEHOUSE_ORIGIN_VERIFY_SECRET_ARN", "")
	if c.OriginVerifySecretARN != "" {
		r.arn("GATEHOUSE_ORIGIN_VERIFY_SECRET_ARN", c.OriginVerifySecretARN, "secretsmanager")
	}
	if c.Mode != ModeEdge {
		return
	}
	switch {
	case c.OriginVerifySecret == "" && c.OriginVerifySecretARN == "":
		r.fail("GATEHOUSE_ORIGIN_VERIFY_SECRET or GATEHOUSE_ORIGIN_VERIFY_SECRET_ARN is required in edge mode: set the value CloudFront sends in %s", c.OriginVerifyHeader)
	case c.OriginVerifySecret != "" && c.OriginVerifySecretARN != "":
		r.fail("GATEHOUSE_ORIGIN_VERIFY_SECRET and GATEHOUSE_ORIGIN_VERIFY_SECRET_ARN are both set: keep one")
	case c.OriginVerifySecret != "" && len(c.OriginVerifySecret) < 16:
		r.fail("GATEHOUSE_ORIGIN_VERIFY_SECRET is shorter than 16 characters: use a long random value")
	}
	if c.SPADir != "" {
		r.fail("GATEHOUSE_SPA_DIR is set in edge mode: CloudFront serves the SPA from S3; unset it")
	}
	for i, rt := range c.Routes {
		for _, h := range rt.ForwardHeaders {
			if strings.EqualFold(h, c.OriginVerifyHeader) {
				r.fail("GATEHOUSE_ROUTES[%d].forwardHeaders: %s carries CloudFront's origin-verify secret: remove it", i, h)
			}
		}
	}
}

func (r *reader) mtls(c *Config) {
	c.MTLS = MTLSMode(r.str("GATEHOUSE_MTLS", string(MTLSOff)))
	c.MTLSTrustBundle = r.str("GATEHOUSE_MTLS_TRUST_BUNDLE", "")
	switch c.MTLS {
	case MTLSOff:
	case MTLSVerify, MTLSPassthrough:
		if c.Mode != ModeRegional {
			r.fail("GATEHOUSE_MTLS=%s needs GATEHOUSE_MODE=regional: the ALB certificate headers are trusted only behind the ALB", c.MTLS)
		}
		if c.MTLS == MTLSPassthrough && c.MTLSTrustBundle == "" {
			r.fail("GATEHOUSE_MTLS_TRUST_BUNDLE is required with GATEHOUSE_MTLS=passthrough: set the PEM file of the trusted CAs")
		}
	default:
		r.fail("GATEHOUSE_MTLS=%q: use off, verify or passthrough", c.MTLS)
	}
}
