package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func env(overrides map[string]string) func(string) string {
	base := map[string]string{
		"GATEHOUSE_PUBLIC_URL":          "https://app.example.gov",
		"GATEHOUSE_OIDC_ISSUER":         "https://idp.example.gov",
		"GATEHOUSE_OIDC_CLIENT_ID":      "client",
		"GATEHOUSE_OIDC_CLIENT_SECRET":  "s3cr3t-value",
		"GATEHOUSE_SESSION_TABLE":       "sessions",
		"GATEHOUSE_DATA_KEY_CIPHERTEXT": "AQIDBA==",
	}
	for k, v := range overrides {
		base[k] = v
	}
	return func(k string) string { return base[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"mode", c.Mode, ModeRegional},
		{"listen", c.ListenAddr, ":8080"},
		{"store", c.SessionStore, "dynamodb"},
		{"cookie", c.CookieName, "__Host-gh_session"},
		{"idle", c.IdleTimeout, 15 * time.Minute},
		{"absolute", c.AbsoluteTimeout, 12 * time.Hour},
		{"scopes", strings.Join(c.OIDC.Scopes, " "), "openid email profile"},
		{"post logout", c.PostLogoutURL, "https://app.example.gov/"},
		{"redirect", c.RedirectURL(), "https://app.example.gov/auth/callback"},
		{"origin", c.Origin(), "https://app.example.gov"},
		{"origin header", c.OriginVerifyHeader, "X-Origin-Verify"},
		{"mtls", c.MTLS, MTLSOff},
		{"rate ip", c.RateLimitPerIP, 20.0},
		{"rate session", c.RateLimitPerSession, 10.0},
		{"routes", len(c.Routes), 0},
	}
	for _, tc := range checks {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestLoadProblems(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want []string // substrings, each expected in the error
	}{
		{"everything missing", map[string]string{"GATEHOUSE_PUBLIC_URL": "", "GATEHOUSE_OIDC_ISSUER": "", "GATEHOUSE_OIDC_CLIENT_ID": "", "GATEHOUSE_OIDC_CLIENT_SECRET": "", "GATEHOUSE_SESSION_TABLE": "", "GATEHOUSE_DATA_KEY_CIPHERTEXT": ""},
			[]string{"GATEHOUSE_PUBLIC_URL is required", "GATEHOUSE_OIDC_ISSUER is required", "GATEHOUSE_OIDC_CLIENT_ID is required", "GATEHOUSE_OIDC_CLIENT_SECRET or", "GATEHOUSE_SESSION_TABLE is required", "GATEHOUSE_DATA_KEY_CIPHERTEXT or"}},
		{"bad mode", map[string]string{"GATEHOUSE_MODE": "cloud"}, []string{"GATEHOUSE_MODE=\"cloud\""}},
		{"public url with path", map[string]string{"GATEHOUSE_PUBLIC_URL": "https://app.example.gov/x"}, []string{"origin only"}},
		{"http public url", map[string]string{"GATEHOUSE_PUBLIC_URL": "http://app.example.gov"}, []string{"not https"}},
		{"insecure cookies outside local", map[string]string{"GATEHOUSE_INSECURE_COOKIES": "true"}, []string{"refused in regional mode"}},
		{"memory store outside local", map[string]string{"GATEHOUSE_SESSION_STORE": "memory"}, []string{"local only"}},
		{"redis without url", map[string]string{"GATEHOUSE_SESSION_STORE": "redis"}, []string{"GATEHOUSE_REDIS_URL is required"}},
		{"plain redis outside local", map[string]string{"GATEHOUSE_SESSION_STORE": "redis", "GATEHOUSE_REDIS_URL": "redis://h:6379"}, []string{"use rediss://"}},
		{"both secrets", map[string]string{"GATEHOUSE_OIDC_CLIENT_SECRET_ARN": "arn:aws-us-gov:secretsmanager:us-gov-west-1:1:secret:x"}, []string{"both set"}},
		{"bad arn", map[string]string{"GATEHOUSE_OIDC_CLIENT_SECRET": "", "GATEHOUSE_OIDC_CLIENT_SECRET_ARN": "nope"}, []string{"not a secretsmanager ARN"}},
		{"no openid scope", map[string]string{"GATEHOUSE_OIDC_SCOPES": "email"}, []string{"must include openid"}},
		{"plain-http jwks url without cognito", map[string]string{"GATEHOUSE_OIDC_JWKS_URL": "http://keys.example.gov/jwks.json"},
			[]string{"GATEHOUSE_OIDC_JWKS_URL=\"http://keys.example.gov/jwks.json\" must use https", "GATEHOUSE_OIDC_JWKS_URL is for Cognito"}},
		{"idle over absolute", map[string]string{"GATEHOUSE_SESSION_IDLE_TIMEOUT": "2h", "GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT": "1h"}, []string{"exceeds"}},
		{"bad duration", map[string]string{"GATEHOUSE_SESSION_IDLE_TIMEOUT": "soon"}, []string{"not a positive Go duration"}},
		{"data key file outside local", map[string]string{"GATEHOUSE_DATA_KEY_CIPHERTEXT": "", "GATEHOUSE_DATA_KEY_FILE": "/k"}, []string{"local mode only"}},
		{"bad base64", map[string]string{"GATEHOUSE_DATA_KEY_CIPHERTEXT": "!!"}, []string{"not valid base64"}},
		{"routes not json", map[string]string{"GATEHOUSE_ROUTES": "todos"}, []string{"not a JSON array"}},
		{"route problems", map[string]string{"GATEHOUSE_ROUTES": `[{"name":"Bad Name","upstream":"ftp://x"},{"name":"a","upstream":"https://a","timeout":"x","maxBodyBytes":-1},{"name":"a","upstream":"https://a"}]`},
			[]string{"[0].name", "[0].upstream", "[1].timeout", "[1].maxBodyBytes", "[2].name=\"a\" is listed twice"}},
		{"route header problems", map[string]string{"GATEHOUSE_ROUTES": `[{"name":"a","upstream":"https://a","forwardHeaders":["X-Api-Version","X_Api_Key","X-Forwarded-User","cookie","bad header"]}]`},
			[]string{"[0].forwardHeaders: \"X_Api_Key\" holds '_'", "X-Forwarded-User cannot be forwarded", "Cookie cannot be forwarded", "\"bad header\" is not a header name"}},
		{"edge route forwarding the origin secret", map[string]string{"GATEHOUSE_MODE": "edge", "GATEHOUSE_ORIGIN_VERIFY_SECRET": "origin-verify-secret-0123456789",
			"GATEHOUSE_ROUTES": `[{"name":"a","upstream":"https://a","forwardHeaders":["x-origin-verify"]}]`}, []string{"[0].forwardHeaders: x-origin-verify carries CloudFront's origin-verify secret"}},
		{"websocket route in edge mode", map[string]string{"GATEHOUSE_MODE": "edge", "GATEHOUSE_ORIGIN_VERIFY_SECRET": "origin-verify-secret-0123456789",
			"GATEHOUSE_ROUTES": `[{"name":"live","upstream":"https://a","websocket":true}]`}, []string{"[0].websocket=true in edge mode"}},
		{"edge without origin secret", map[string]string{"GATEHOUSE_MODE": "edge"}, []string{"required in edge mode"}},
		{"edge short secret and spa", map[string]string{"GATEHOUSE_MODE": "edge", "GATEHOUSE_ORIGIN_VERIFY_SECRET": "short", "GATEHOUSE_SPA_DIR": "/spa"}, []string{"shorter than 16", "GATEHOUSE_SPA_DIR is set in edge mode"}},
		{"mtls outside regional", map[string]string{"GATEHOUSE_MODE": "local", "GATEHOUSE_MTLS": "verify", "GATEHOUSE_DATA_KEY_CIPHERTEXT": ""}, []string{"needs GATEHOUSE_MODE=regional"}},
		{"passthrough without bundle", map[string]string{"GATEHOUSE_MTLS": "passthrough"}, []string{"GATEHOUSE_MTLS_TRUST_BUNDLE is required"}},
		{"bad mtls", map[string]string{"GATEHOUSE_MTLS": "maybe"}, []string{"use off, verify or passthrough"}},
		{"bad rate", map[string]string{"GATEHOUSE_RATE_LIMIT_PER_IP": "-1"}, []string{"GATEHOUSE_RATE_LIMIT_PER_IP"}},
		{"bad log level", map[string]string{"GATEHOUSE_LOG_LEVEL": "loud"}, []string{"GATEHOUSE_LOG_LEVEL"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(env(tc.env))
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("err = %v, want *Error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t-value") {
				t.Error("error leaks the client secret")
			}
		})
	}
}

// URLs in configuration errors never show their credentials, whether they
// parse or not.
func TestLoadRedactsUserinfo(t *testing.T) {
	_, err := Load(env(map[string]string{
		"GATEHOUSE_ROUTES": `[{"name":"a","upstream":"https://svc:hunter2-pass@todo.internal/v1"},` +
			`{"name":"b","upstream":"ftp://ghp_token0123456789@files.internal"},{"name":"c","upstream":"https://x:p%zz@h"}]`,
		"GATEHOUSE_OIDC_ISSUER":    "https://admin:issuer-pass@idp.example.gov%zz",
		"GATEHOUSE_PUBLIC_URL":     "https://me:public-pass@app.example.gov",
		"GATEHOUSE_COGNITO_DOMAIN": "http://me:cognito-pass@auth.example.gov",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, secret := range []string{"hunter2-pass", "ghp_token0123456789", "p%zz", "issuer-pass", "public-pass", "cognito-pass", "svc", "admin"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows %q:\n%v", secret, err)
		}
	}
	for _, want := range []string{`"https://redacted@todo.internal/v1"`, `"ftp://redacted@files.internal"`, `"https://redacted@app.example.gov"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %s:\n%v", want, err)
		}
	}
}

func TestLoadLocalAndRoutes(t *testing.T) {
	c, err := Load(env(map[string]string{
		"GATEHOUSE_MODE": "local", "GATEHOUSE_PUBLIC_URL": "http://localhost:8080", "GATEHOUSE_INSECURE_COOKIES": "true",
		"GATEHOUSE_SESSION_STORE": "memory", "GATEHOUSE_DATA_KEY_CIPHERTEXT": "", "GATEHOUSE_DATA_KEY_FILE": "/tmp/key",
		"GATEHOUSE_ROUTES": `[{"name":"todos","upstream":"http://127.0.0.1:9001/v1","groups":["staff"],"timeout":"3s","maxBodyBytes":0,"forwardHeaders":["X-Api-Version"],"websocket":true}]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.CookieName != "gh_session" {
		t.Errorf("cookie name = %q, want the prefix dropped for insecure cookies", c.CookieName)
	}
	r := c.Routes[0]
	if r.Name != "todos" || r.Upstream.String() != "http://127.0.0.1:9001/v1" || r.Timeout != 3*time.Second || r.MaxBodyBytes != 0 || r.Groups[0] != "staff" ||
		len(r.ForwardHeaders) != 1 || r.ForwardHeaders[0] != "X-Api-Version" || !r.WebSocket {
		t.Errorf("route = %+v", r)
	}
	if c.OIDC.ClientSecret.String() != "[redacted]" {
		t.Error("secret prints its value")
	}
}

// TestLoadCognitoJWKSURL: GovCloud's Cognito answers on its FIPS host only,
// while tokens name the standard host as issuer; the keys' URL is separate.
func TestLoadCognitoJWKSURL(t *testing.T) {
	const jwks = "https://cognito-idp-fips.us-gov-west-1.amazonaws.com/us-gov-west-1_ABC/.well-known/jwks.json"
	c, err := Load(env(map[string]string{
		"GATEHOUSE_OIDC_ISSUER":    "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_ABC",
		"GATEHOUSE_COGNITO_DOMAIN": "https://app.auth-fips.us-gov-west-1.amazoncognito.com",
		"GATEHOUSE_OIDC_JWKS_URL":  jwks,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.OIDC.JWKSURL != jwks || c.OIDC.Issuer != "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_ABC" {
		t.Errorf("issuer %q, keys %q", c.OIDC.Issuer, c.OIDC.JWKSURL)
	}
}
