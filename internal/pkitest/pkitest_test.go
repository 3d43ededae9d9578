package pkitest

import (
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestIssuedCardsVerifyAgainstTheirCAOnly(t *testing.T) {
	ca, other := NewCA(t, "Root"), NewCA(t, "Other")
	cert, text := ca.Issue(t, Card{CommonName: "DOE.JANE.1234567890", UPN: "1234567890@mil", UUID: "a1b2c3d4-0000-4000-8000-000000000001", Email: "jane@example.gov"})
	if block, _ := pem.Decode([]byte(text)); block == nil || block.Type != "CERTIFICATE" {
		t.Fatal("Issue did not return a PEM certificate")
	}
	for _, tc := range []struct {
		name string
		root *CA
		ok   bool
	}{{"own CA", ca, true}, {"other CA", other, false}} {
		roots := x509.NewCertPool()
		roots.AddCert(tc.root.Cert)
		_, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		if (err == nil) != tc.ok {
			t.Errorf("%s: verify error %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
	if len(cert.EmailAddresses) != 1 || len(cert.URIs) != 1 || cert.URIs[0].String() != "urn:uuid:a1b2c3d4-0000-4000-8000-000000000001" {
		t.Errorf("SAN lost its names: %v %v", cert.EmailAddresses, cert.URIs)
	}
	expired, _ := ca.Issue(t, Card{CommonName: "old", NotAfter: time.Now().Add(-time.Minute)})
	if expired.NotAfter.After(time.Now()) {
		t.Error("NotAfter ignored")
	}
}

func TestALBEncodeRoundTrips(t *testing.T) {
	text := NewCA(t, "Root").PEM()
	encoded := ALBEncode(text)
	decoded, err := url.PathUnescape(encoded)
	if err != nil || decoded != text {
		t.Fatalf("ALB encoding does not round-trip: %v", err)
	}
	for _, c := range "\n :" {
		if strings.ContainsRune(encoded, c) {
			t.Errorf("%q left unescaped", c)
		}
	}
}
