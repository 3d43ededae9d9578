package middleware

import (
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/pkitest"
)

func TestClientCertificate(t *testing.T) {
	ca := pkitest.NewCA(t, "Test Root CA")
	other := pkitest.NewCA(t, "Other CA")
	card := func(cn string, notAfter time.Time) pkitest.Card {
		return pkitest.Card{CommonName: cn, UPN: "1234567890@mil", UUID: "a1b2c3d4-0000-4000-8000-000000000001", Email: cn + "@example.gov", NotAfter: notAfter}
	}
	_, goodPEM := ca.Issue(t, card("jane.doe", time.Now().Add(12*time.Hour)))
	_, expiredPEM := ca.Issue(t, card("old.card", time.Now().Add(-time.Minute)))
	_, foreignPEM := other.Issue(t, card("mallory", time.Now().Add(12*time.Hour)))
	caPEM := ca.PEM()
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)

	var got *ClientCert
	var forwarded http.Header
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = ClientCertFrom(r.Context())
		forwarded = r.Header.Clone()
	})
	cases := []struct {
		name     string
		mode     ClientCertMode
		header   string
		value    string
		path     string
		want     int
		wantCode string
	}{
		{"verify leaf", ClientCertVerify, HeaderClientCertLeaf, pkitest.ALBEncode(goodPEM), "/api/x", 200, ""},
		{"verify missing", ClientCertVerify, "", "", "/api/x", 403, CodeCertificateRequired},
		{"verify health exempt", ClientCertVerify, "", "", "/healthz", 200, ""},
		{"verify garbage", ClientCertVerify, HeaderClientCertLeaf, "not-a-pem", "/api/x", 403, CodeCertificateInvalid},
		{"verify expired", ClientCertVerify, HeaderClientCertLeaf, pkitest.ALBEncode(expiredPEM), "/api/x", 403, CodeCertificateInvalid},
		{"passthrough chain", ClientCertPassthrough, HeaderClientCertChain, pkitest.ALBEncode(goodPEM + caPEM), "/api/x", 200, ""},
		{"passthrough untrusted", ClientCertPassthrough, HeaderClientCertChain, pkitest.ALBEncode(foreignPEM), "/api/x", 403, CodeCertificateInvalid},
		{"passthrough ignores leaf header", ClientCertPassthrough, HeaderClientCertLeaf, pkitest.ALBEncode(goodPEM), "/api/x", 403, CodeCertificateRequired},
		{"off drops injected headers", ClientCertOff, HeaderClientCertLeaf, pkitest.ALBEncode(goodPEM), "/api/x", 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, forwarded = nil, nil
			h := ClientCertificate(ClientCertOptions{Mode: tc.mode, Roots: roots, Exempt: []string{"/healthz"}}, next)
			req := httptest.NewRequest("GET", tc.path, nil)
			if tc.header != "" {
				req.Header.Set(tc.header, tc.value)
				req.Header.Set("X-Amzn-Mtls-Clientcert-Subject", "CN=forged")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tc.want, rec.Body)
			}
			if tc.wantCode != "" && decodeError(t, rec).Error != tc.wantCode {
				t.Fatalf("error = %s, want %s", rec.Body, tc.wantCode)
			}
			for k := range forwarded {
				if strings.HasPrefix(k, "X-Amzn-Mtls") {
					t.Fatalf("header %s passed on", k)
				}
			}
			if tc.mode == ClientCertOff && got != nil {
				t.Fatal("identity accepted with mTLS off")
			}
			if tc.want == 200 && tc.mode != ClientCertOff && tc.path != "/healthz" {
				if got == nil || got.UPN != "1234567890@mil" || got.UUID != "a1b2c3d4-0000-4000-8000-000000000001" || len(got.Thumbprint) != 64 || !strings.Contains(got.Subject, "jane.doe") {
					t.Fatalf("identity = %+v", got)
				}
			}
		})
	}
}

// "METHOD /path" exempts one method of a path; "/path" every method. An
// exempt request still loses the ALB's certificate headers.
func TestClientCertificateExemptions(t *testing.T) {
	var forwarded http.Header
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { forwarded = r.Header.Clone() })
	for _, mode := range []ClientCertMode{ClientCertVerify, ClientCertPassthrough} {
		h := ClientCertificate(ClientCertOptions{Mode: mode, Exempt: []string{"/healthz", "POST /auth/backchannel-logout"}}, next)
		for _, tc := range []struct {
			method, path string
			want         int
		}{
			{"POST", "/auth/backchannel-logout", 200},
			{"GET", "/auth/backchannel-logout", 403},
			{"POST", "/auth/backchannel-logout/x", 403},
			{"POST", "/auth/logout", 403},
			{"HEAD", "/healthz", 200},
		} {
			forwarded = nil
			req := httptest.NewRequest(tc.method, tc.path, nil)
			req.Header.Set(HeaderClientCertLeaf, "forged")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("%s: %s %s = %d, want %d", mode, tc.method, tc.path, rec.Code, tc.want)
			}
			if forwarded.Get(HeaderClientCertLeaf) != "" {
				t.Fatalf("%s: %s %s: the certificate header passed on", mode, tc.method, tc.path)
			}
		}
	}
}
