package integration

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
	"github.com/gatehouse/gatehouse/internal/pkitest"
)

// TestBackchannelLogoutUnderMTLS: the IdP presents no client certificate,
// yet its back-channel logout reaches the BFF in both mTLS modes and ends
// the session; the exemption covers that POST only, and every other call
// still needs a certificate.
func TestBackchannelLogoutUnderMTLS(t *testing.T) {
	ca := pkitest.NewCA(t, "Test PIV Root")
	bundle := filepath.Join(t.TempDir(), "trust.pem")
	if err := os.WriteFile(bundle, []byte(ca.PEM()), 0o600); err != nil {
		t.Fatal(err)
	}
	_, janePEM := ca.Issue(t, pkitest.Card{CommonName: "DOE.JANE.1234567890", UPN: "1234567890@mil"})
	for _, m := range []struct {
		mode, header, cert string
		env                map[string]string
	}{
		{"verify", "X-Amzn-Mtls-Clientcert-Leaf", pkitest.ALBEncode(janePEM), map[string]string{"GATEHOUSE_MTLS": "verify"}},
		{"passthrough", "X-Amzn-Mtls-Clientcert", pkitest.ALBEncode(janePEM + ca.PEM()),
			map[string]string{"GATEHOUSE_MTLS": "passthrough", "GATEHOUSE_MTLS_TRUST_BUNDLE": bundle}},
	} {
		t.Run(m.mode, func(t *testing.T) {
			s := bfftest.Start(t, bfftest.Options{Store: "dynamodb", Audit: audit, Env: cloudEnv("regional", m.env)})
			b := s.Browser()
			b.Headers = map[string]string{m.header: m.cert}
			b.MustLogin(t, "alice", "/")
			before := mustStats(t, s)
			if err := b.IdPLogout(); err != nil {
				t.Fatal(err)
			}
			after := mustStats(t, s)
			if after.BackchannelSuccess != before.BackchannelSuccess+1 || after.BackchannelErrors != before.BackchannelErrors {
				t.Fatalf("the IdP's back-channel delivery: %+v → %+v", before, after)
			}
			if res := api(t, b, s, http.MethodGet, "/auth/user", "", nil); res.Status != http.StatusUnauthorized {
				t.Fatalf("after back-channel logout /auth/user = %d %s", res.Status, res.Body)
			}
			noCert := s.Browser()
			for _, tc := range []struct{ method, path string }{
				{http.MethodGet, "/auth/backchannel-logout"},
				{http.MethodPost, "/auth/logout"},
				{http.MethodGet, "/auth/user"},
			} {
				if res := api(t, noCert, s, tc.method, tc.path, "", nil); res.Status != http.StatusForbidden || res.ErrorCode() != "certificate_required" {
					t.Fatalf("%s %s without a certificate: %d %s", tc.method, tc.path, res.Status, res.Body)
				}
			}
		})
	}
}
