// Package pkitest issues real X.509 certificates for tests: a CA and client
// certificates shaped like PIV/CAC cards, and the URL encoding the ALB uses
// to pass them to targets. It depends on nothing in Gatehouse, so any
// package's tests can use it.
package pkitest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// CA is a self-signed root that issues client certificates.
type CA struct {
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var serial atomic.Int64

// NewCA makes a root named name, valid from an hour ago for two days.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		Subject:      pkix.Name{CommonName: name, Organization: []string{"U.S. Government"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{Cert: cert, key: key}
}

// PEM is the CA certificate in PEM.
func (ca *CA) PEM() string { return encode(ca.Cert.Raw) }

// Card describes a client certificate. Empty fields are left out of the SAN.
type Card struct {
	CommonName string
	// UPN is the Microsoft UPN otherName: the EDIPI on a CAC (1234567890@mil).
	UPN string
	// UUID is the FASC-N-free card UUID, carried as a urn:uuid: URI (PIV).
	UUID  string
	Email string
	// NotAfter defaults to a day from now.
	NotAfter time.Time
}

var (
	oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidUPN            = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 20, 2, 3}
)

// Issue signs a client-authentication certificate for card and returns it
// parsed and in PEM.
func (ca *CA) Issue(t testing.TB, card Card) (*x509.Certificate, string) {
	t.Helper()
	if card.NotAfter.IsZero() {
		card.NotAfter = time.Now().Add(24 * time.Hour)
	}
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)), Subject: pkix.Name{CommonName: card.CommonName},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: card.NotAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if san := subjectAltName(t, card); san != nil {
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidSubjectAltName, Value: san}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, encode(der)
}

// SelfSigned returns a lone self-signed certificate in PEM; isCA marks it a CA.
func SelfSigned(t testing.TB, cn string, isCA bool) string {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: isCA, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return encode(der)
}

// ALBEncode URL-encodes PEM as the ALB does in the X-Amzn-Mtls-Clientcert
// headers: everything but alphanumerics and "-_.~+=/" is percent-encoded.
func ALBEncode(pemText string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for _, c := range []byte(pemText) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~+=/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func subjectAltName(t testing.TB, card Card) []byte {
	var names []asn1.RawValue
	if card.UPN != "" {
		value, err := asn1.MarshalWithParams(card.UPN, "utf8")
		if err != nil {
			t.Fatal(err)
		}
		other, err := asn1.MarshalWithParams(struct {
			TypeID asn1.ObjectIdentifier
			Value  asn1.RawValue
		}{oidUPN, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: value}}, "tag:0")
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, asn1.RawValue{FullBytes: other})
	}
	if card.Email != "" {
		names = append(names, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, Bytes: []byte(card.Email)})
	}
	if card.UUID != "" {
		names = append(names, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 6, Bytes: []byte("urn:uuid:" + card.UUID)})
	}
	if len(names) == 0 {
		return nil
	}
	b, err := asn1.Marshal(names)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func encode(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
