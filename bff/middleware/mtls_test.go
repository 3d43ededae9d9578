package middleware

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T, name string) testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name, Organization: []string{"U.S. Government"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return testCA{cert: cert, key: key}
}

// sanWithUPN builds a SAN extension holding a UPN otherName, a urn:uuid URI
// and an email, as PIV/CAC certificates do.
func sanWithUPN(t *testing.T, upn, uuid, email string) []byte {
	t.Helper()
	upnValue, _ := asn1.MarshalWithParams(upn, "utf8")
	other, err := asn1.MarshalWithParams(struct {
		TypeID asn1.ObjectIdentifier
		Value  asn1.RawValue
	}{oidUPN, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: upnValue}}, "tag:0")
	if err != nil {
		t.Fatal(err)
	}
	names := []asn1.RawValue{
		{FullBytes: other},
		{Class: asn1.ClassContextSpecific, Tag: 1, Bytes: []byte(email)},
		{Class: asn1.ClassContextSpecific, Tag: 6, Bytes: []byte("urn:uuid:" + uuid)},
	}
	b, err := asn1.Marshal(names)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (ca testCA) issue(t *testing.T, cn string, notAfter time.Time) (*x509.Certificate, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		ExtraExtensions: []pkix.Extension{{Id: oidSubjectAltName, Value: sanWithUPN(t, "1234567890@mil", "a1b2c3d4-0000-4000-8000-000000000001", cn+"@example.gov")}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// albEncode URL-encodes PEM the way the ALB does: everything but
// alphanumerics and "-_.~+=/" is percent-encoded.
func albEncode(pemText string) string {
	var b strings.Builder
	for _, c := range []byte(pemText) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~+=/", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		}
	}
	return b.String()
}

func TestClientCertificate(t *testing.T) {
	ca := newTestCA(t, "Test Root CA")
	other := newTestCA(t, "Other CA")
	_, goodPEM := ca.issue(t, "jane.doe", time.Now().Add(12*time.Hour))
	_, expiredPEM := ca.issue(t, "old.card", time.Now().Add(-time.Minute))
	_, foreignPEM := other.issue(t, "mallory", time.Now().Add(12*time.Hour))
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}))
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)

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
		{"verify leaf", ClientCertVerify, HeaderClientCertLeaf, albEncode(goodPEM), "/api/x", 200, ""},
		{"verify missing", ClientCertVerify, "", "", "/api/x", 403, CodeCertificateRequired},
		{"verify health exempt", ClientCertVerify, "", "", "/healthz", 200, ""},
		{"verify garbage", ClientCertVerify, HeaderClientCertLeaf, "not-a-pem", "/api/x", 403, CodeCertificateInvalid},
		{"verify expired", ClientCertVerify, HeaderClientCertLeaf, albEncode(expiredPEM), "/api/x", 403, CodeCertificateInvalid},
		{"passthrough chain", ClientCertPassthrough, HeaderClientCertChain, albEncode(goodPEM + caPEM), "/api/x", 200, ""},
		{"passthrough untrusted", ClientCertPassthrough, HeaderClientCertChain, albEncode(foreignPEM), "/api/x", 403, CodeCertificateInvalid},
		{"passthrough ignores leaf header", ClientCertPassthrough, HeaderClientCertLeaf, albEncode(goodPEM), "/api/x", 403, CodeCertificateRequired},
		{"off drops injected headers", ClientCertOff, HeaderClientCertLeaf, albEncode(goodPEM), "/api/x", 200, ""},
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
