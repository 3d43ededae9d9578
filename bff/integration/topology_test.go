package integration

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
	"github.com/gatehouse/gatehouse/internal/pkitest"
)

// cloudEnv runs a non-local mode in tests: the dummy KMS ciphertext is never
// decrypted because the stack supplies its own sealer (no KMS exists here).
func cloudEnv(mode string, extra map[string]string) map[string]string {
	env := map[string]string{"GATEHOUSE_MODE": mode, "GATEHOUSE_DATA_KEY_FILE": "", "GATEHOUSE_DATA_KEY_CIPHERTEXT": "AQIDBA=="}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// TestEdgeOriginVerify: in edge mode, anything without CloudFront's secret
// header is refused before any other work; with it, the whole flow works and
// the secret never reaches an upstream.
func TestEdgeOriginVerify(t *testing.T) {
	const secret = "origin-verify-secret-value-0123456789"
	s := bfftest.Start(t, bfftest.Options{Store: "dynamodb", Audit: audit, Env: cloudEnv("edge", map[string]string{"GATEHOUSE_ORIGIN_VERIFY_SECRET": secret})})
	s.Audit.Secret("origin verify secret", secret)
	for _, tc := range []struct {
		name, path, header string
	}{
		{"no header, health", "/healthz", ""},
		{"no header, login", "/auth/login", ""},
		{"no header, api", "/api/todos/items", ""},
		{"wrong header", "/auth/user", "origin-verify-secret-value-0123456788"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := s.Browser()
			if tc.header != "" {
				b.Headers = map[string]string{"X-Origin-Verify": tc.header}
			}
			res := api(t, b, s, "GET", tc.path, "", nil)
			if res.Status != http.StatusForbidden || res.ErrorCode() != "origin_verify_failed" {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
	}
	t.Run("through CloudFront", func(t *testing.T) {
		b := s.Browser()
		b.Headers = map[string]string{"X-Origin-Verify": secret}
		b.MustLogin(t, "alice", "/")
		seen := callAPI(t, b, s, "/api/todos/items")
		if seen.Header.Get("X-Origin-Verify") != "" {
			t.Fatal("the origin-verify secret reached the upstream")
		}
	})
}

// TestRegionalMTLS: behind the ALB (verify mode: the ALB checked the card;
// passthrough: the BFF checks the chain against its trust bundle) the session
// is bound to the client certificate at login; another card ends the session.
func TestRegionalMTLS(t *testing.T) {
	ca := pkitest.NewCA(t, "Test PIV Root")
	stranger := pkitest.NewCA(t, "Unknown Root")
	bundle := filepath.Join(t.TempDir(), "trust.pem")
	if err := os.WriteFile(bundle, []byte(ca.PEM()), 0o600); err != nil {
		t.Fatal(err)
	}
	_, janePEM := ca.Issue(t, pkitest.Card{CommonName: "DOE.JANE.1234567890", UPN: "1234567890@mil"})
	_, otherPEM := ca.Issue(t, pkitest.Card{CommonName: "ROE.RICHARD.2345678901", UPN: "2345678901@mil"})
	_, malloryPEM := stranger.Issue(t, pkitest.Card{CommonName: "MALLORY", UPN: "999@mil"})
	modes := []struct {
		mode, header string
		env          map[string]string
		encode       func(leaf string) string
	}{
		{"verify", "X-Amzn-Mtls-Clientcert-Leaf", map[string]string{"GATEHOUSE_MTLS": "verify"},
			func(leaf string) string { return pkitest.ALBEncode(leaf) }},
		{"passthrough", "X-Amzn-Mtls-Clientcert", map[string]string{"GATEHOUSE_MTLS": "passthrough", "GATEHOUSE_MTLS_TRUST_BUNDLE": bundle},
			func(leaf string) string { return pkitest.ALBEncode(leaf + ca.PEM()) }},
	}
	for _, m := range modes {
		t.Run(m.mode, func(t *testing.T) {
			s := bfftest.Start(t, bfftest.Options{Store: "dynamodb", Audit: audit, Env: cloudEnv("regional", m.env)})
			jane, other := m.encode(janePEM), m.encode(otherPEM)
			b := s.Browser()
			b.Headers = map[string]string{m.header: jane}
			b.MustLogin(t, "alice", "/")
			user := api(t, b, s, "GET", "/auth/user", "", nil)
			if user.Status != http.StatusOK || !strings.Contains(string(user.Body), `"upn":"1234567890@mil"`) || !strings.Contains(string(user.Body), "DOE.JANE") {
				t.Fatalf("/auth/user = %d %s", user.Status, user.Body)
			}
			seen := callAPI(t, b, s, "/api/todos/items")
			for k := range seen.Header {
				if strings.HasPrefix(k, "X-Amzn-Mtls") {
					t.Fatalf("%s reached the upstream", k)
				}
			}
			steps := []struct {
				name   string
				cert   string
				path   string
				status int
				code   string
			}{
				{"no certificate", "", "/auth/user", 403, "certificate_required"},
				{"garbage certificate", "-----BEGIN%20CERTIFICATE-----%0Anope", "/auth/user", 403, "certificate_invalid"},
				{"health needs none", "", "/healthz", 200, ""},
				{"another card", other, "/auth/user", 403, "certificate_mismatch"},
				{"own card again: the session was ended", jane, "/auth/user", 401, "unauthenticated"},
			}
			if m.mode == "passthrough" {
				steps = append([]struct {
					name   string
					cert   string
					path   string
					status int
					code   string
				}{{"card from an untrusted CA", pkitest.ALBEncode(malloryPEM), "/auth/user", 403, "certificate_invalid"}}, steps...)
			}
			for _, st := range steps {
				b.Headers = map[string]string{}
				if st.cert != "" {
					b.Headers[m.header] = st.cert
				}
				res := api(t, b, s, "GET", st.path, "", nil)
				if res.Status != st.status || res.ErrorCode() != st.code {
					t.Fatalf("%s: %d %s, want %d %s", st.name, res.Status, res.Body, st.status, st.code)
				}
			}
		})
	}
}

// TestRateLimits: per-session and per-IP buckets answer 429 with Retry-After.
func TestRateLimits(t *testing.T) {
	cases := []struct {
		name   string
		env    map[string]string
		login  bool
		path   string
		status int // status of the first, allowed call
	}{
		{"per session", map[string]string{"GATEHOUSE_RATE_LIMIT_PER_SESSION": "0.001"}, true, "/api/todos/items", 200},
		{"per IP", map[string]string{"GATEHOUSE_RATE_LIMIT_PER_IP": "0.001"}, false, "/auth/user", 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, Env: tc.env})
			b := s.Browser()
			if tc.login {
				b.MustLogin(t, "alice", "/")
			}
			if res := api(t, b, s, "GET", tc.path, "", nil); res.Status != tc.status {
				t.Fatalf("first call: %d %s", res.Status, res.Body)
			}
			res := api(t, b, s, "GET", tc.path, "", nil)
			if res.Status != http.StatusTooManyRequests || res.ErrorCode() != "rate_limited" {
				t.Fatalf("second call: %d %s", res.Status, res.Body)
			}
			if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra < 1 {
				t.Fatalf("Retry-After = %q", res.Header.Get("Retry-After"))
			}
			if res := api(t, b, s, "GET", "/healthz", "", nil); res.Status != http.StatusOK {
				t.Fatalf("health probe limited: %d", res.Status)
			}
		})
	}
}

// TestLocalSPAAndHeaders: local mode serves the SPA same-origin, and every
// answer carries the security headers; auth and API answers are never cached.
func TestLocalSPAAndHeaders(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html><title>Gatehouse</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, Env: map[string]string{"GATEHOUSE_SPA_DIR": dir}})
	b := s.Browser()
	cases := []struct {
		name, path, accept string
		status             int
		noStore            bool
	}{
		{"index", "/", "text/html", 200, false},
		{"client route", "/todos/7", "text/html", 200, false},
		{"missing asset", "/assets/nope.js", "*/*", 404, false},
		{"unknown auth endpoint", "/auth/nope", "application/json", 404, true},
		{"user without session", "/auth/user", "application/json", 401, true},
		{"health", "/healthz", "application/json", 200, true},
		{"ready", "/readyz", "application/json", 200, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := b.Do(http.MethodGet, s.URL+tc.path, nil, map[string]string{"Accept": tc.accept})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.status {
				t.Fatalf("status %d %s", res.Status, res.Body)
			}
			for _, h := range []string{"Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "X-Request-Id"} {
				if res.Header.Get(h) == "" {
					t.Errorf("missing %s", h)
				}
			}
			if got := res.Header.Get("Cache-Control") == "no-store"; got != tc.noStore {
				t.Errorf("Cache-Control = %q", res.Header.Get("Cache-Control"))
			}
		})
	}
	t.Run("wrong method", func(t *testing.T) {
		res := api(t, b, s, "GET", "/auth/logout", "", nil)
		if res.Status != http.StatusMethodNotAllowed || res.ErrorCode() != "method_not_allowed" {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	})
}
