package middleware

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ALB mTLS headers: verify mode sends the leaf, passthrough sends the chain.
const (
	HeaderClientCertLeaf  = "X-Amzn-Mtls-Clientcert-Leaf"
	HeaderClientCertChain = "X-Amzn-Mtls-Clientcert"
	albMTLSHeaderPrefix   = "X-Amzn-Mtls-"
)

// ClientCert is the identity taken from the client certificate.
type ClientCert struct {
	// Thumbprint is the hex SHA-256 of the leaf's DER; sessions bind to it.
	Thumbprint string
	Subject    string
	Issuer     string
	Serial     string
	// UPN is the Microsoft UPN otherName SAN (the EDIPI on a CAC, e.g. 1234567890@mil).
	UPN string
	// UUID is the urn:uuid URI SAN (the card UUID on a PIV).
	UUID     string
	Emails   []string
	NotAfter time.Time
}

// ClientCertFrom returns the certificate stored by ClientCertificate.
func ClientCertFrom(ctx context.Context) (*ClientCert, bool) {
	c, ok := ctx.Value(clientCertKey).(*ClientCert)
	return c, ok
}

// ClientCertMode mirrors the configuration's GATEHOUSE_MTLS.
type ClientCertMode string

const (
	ClientCertOff         ClientCertMode = "off"
	ClientCertVerify      ClientCertMode = "verify"
	ClientCertPassthrough ClientCertMode = "passthrough"
)

// ClientCertOptions configure ClientCertificate.
type ClientCertOptions struct {
	Mode ClientCertMode
	// Roots verify the chain in passthrough mode.
	Roots *x509.CertPool
	// Exempt requests need no certificate: "/path" for any method
	// (target-group health checks) or "METHOD /path" for one (the IdP's
	// back-channel logout, which carries its own signed token). The
	// ALB's certificate headers are still stripped from them.
	Exempt []string
	// Now defaults to time.Now.
	Now func() time.Time
}

// ClientCertificate parses the ALB's client-certificate headers. With mTLS
// off the headers are dropped, so nobody can inject an identity. The headers
// never reach an upstream.
func ClientCertificate(opts ClientCertOptions, next http.Handler) http.Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaf, chain := r.Header.Get(HeaderClientCertLeaf), r.Header.Get(HeaderClientCertChain)
		for k := range r.Header {
			if strings.HasPrefix(k, albMTLSHeaderPrefix) {
				r.Header.Del(k)
			}
		}
		if opts.Mode == ClientCertOff || opts.Mode == "" || exempt(opts.Exempt, r) {
			next.ServeHTTP(w, r)
			return
		}
		raw := leaf
		if opts.Mode == ClientCertPassthrough {
			raw = chain
		}
		if raw == "" {
			WriteError(w, http.StatusForbidden, CodeCertificateRequired, "a client certificate is required")
			return
		}
		cert, err := parseClientCert(raw, opts)
		if err != nil {
			WriteError(w, http.StatusForbidden, CodeCertificateInvalid, "the client certificate was not accepted")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientCertKey, cert)))
	})
}

func parseClientCert(raw string, opts ClientCertOptions) (*ClientCert, error) {
	decoded, err := url.PathUnescape(raw)
	if err != nil {
		return nil, fmt.Errorf("middleware: client cert: url decoding: %w", err)
	}
	certs, err := parsePEMChain([]byte(decoded))
	if err != nil {
		return nil, err
	}
	leaf := certs[0]
	now := opts.Now()
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return nil, errors.New("middleware: client cert: outside its validity period")
	}
	if opts.Mode == ClientCertPassthrough {
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: opts.Roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			return nil, fmt.Errorf("middleware: client cert: %w", err)
		}
	}
	sum := sha256.Sum256(leaf.Raw)
	cc := &ClientCert{
		Thumbprint: hex.EncodeToString(sum[:]),
		Subject:    leaf.Subject.String(),
		Issuer:     leaf.Issuer.String(),
		Serial:     leaf.SerialNumber.Text(16),
		Emails:     leaf.EmailAddresses,
		NotAfter:   leaf.NotAfter,
	}
	for _, u := range leaf.URIs {
		if strings.EqualFold(u.Scheme, "urn") && strings.HasPrefix(strings.ToLower(u.Opaque), "uuid:") {
			cc.UUID = u.Opaque[len("uuid:"):]
		}
	}
	cc.UPN = upnFrom(leaf)
	return cc, nil
}

func parsePEMChain(b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("middleware: client cert: %w", err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("middleware: client cert: no PEM certificate")
	}
	return certs, nil
}

var (
	oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidUPN            = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 20, 2, 3}
)

// upnFrom reads the UPN otherName, which crypto/x509 does not expose.
func upnFrom(c *x509.Certificate) string {
	for _, ext := range c.Extensions {
		if !ext.Id.Equal(oidSubjectAltName) {
			continue
		}
		var names []asn1.RawValue
		if _, err := asn1.Unmarshal(ext.Value, &names); err != nil {
			return ""
		}
		for _, n := range names {
			if n.Class != asn1.ClassContextSpecific || n.Tag != 0 {
				continue
			}
			var other struct {
				TypeID asn1.ObjectIdentifier
				Value  asn1.RawValue // [0] EXPLICIT, unwrapped below
			}
			if _, err := asn1.UnmarshalWithParams(n.FullBytes, &other, "tag:0"); err != nil || !other.TypeID.Equal(oidUPN) {
				continue
			}
			var inner asn1.RawValue
			if _, err := asn1.Unmarshal(other.Value.Bytes, &inner); err == nil && inner.Class == asn1.ClassUniversal && inner.Tag == asn1.TagUTF8String {
				return string(inner.Bytes)
			}
		}
	}
	return ""
}

// exempt reports whether r matches one of the "/path" or "METHOD /path"
// patterns.
func exempt(patterns []string, r *http.Request) bool {
	for _, p := range patterns {
		method, path, found := strings.Cut(p, " ")
		if !found {
			method, path = "", p
		}
		if path == r.URL.Path && (method == "" || method == r.Method) {
			return true
		}
	}
	return false
}
