package middleware

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/pkitest"
)

// The fixtures are fixed so that seeds made in one fuzzing process verify
// in another: a root and one PIV-style leaf it signed (UPN, urn:uuid and
// email SANs), valid 2020-2050. Only certificates are kept, no keys.
const fuzzCAPEM = `-----BEGIN CERTIFICATE-----
MIIBqTCCAU+gAwIBAgIBATAKBggqhkjOPQQDAjA7MRgwFgYDVQQKEw9VLlMuIEdv
dmVybm1lbnQxHzAdBgNVBAMTFkdhdGVob3VzZSBGdXp6IFJvb3QgQ0EwIBcNMjAw
MTAxMDAwMDAwWhgPMjA1MDAxMDEwMDAwMDBaMDsxGDAWBgNVBAoTD1UuUy4gR292
ZXJubWVudDEfMB0GA1UEAxMWR2F0ZWhvdXNlIEZ1enogUm9vdCBDQTBZMBMGByqG
SM49AgEGCCqGSM49AwEHA0IABK/Ewi86nafAsbBktYulWutHM0YxBBZfKqYLtkoP
tYWLSRg8+YPZWOecbZBwzivkCIV0w5FMRVaLgOAQLUDbw7ujQjBAMA4GA1UdDwEB
/wQEAwICBDAPBgNVHRMBAf8EBTADAQH/MB0GA1UdDgQWBBQszrENVCjzB1bJqEt+
cK6TNs2dcDAKBggqhkjOPQQDAgNIADBFAiEA0XfwdPwISePzABth+VfLEFSE6eAI
rag+WJMtFcJq7pMCIBKu+4tvHC/ugVH6V1LzKHiqZEy6hfB2eP/aVbIoFK3Z
-----END CERTIFICATE-----
`

const fuzzLeafPEM = `-----BEGIN CERTIFICATE-----
MIICBTCCAaugAwIBAgICEJIwCgYIKoZIzj0EAwIwOzEYMBYGA1UEChMPVS5TLiBH
b3Zlcm5tZW50MR8wHQYDVQQDExZHYXRlaG91c2UgRnV6eiBSb290IENBMCAXDTIw
MDEwMTAwMDAwMFoYDzIwNTAwMTAxMDAwMDAwWjAeMRwwGgYDVQQDExNET0UuSkFO
RS4xMjM0NTY3ODkwMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEep4df5I17zg9
XLpPxXDdgoaFdg0TBQhPYS9I8btqVRwNnFvPEVPGRHZtxZkL2e1eTyvbOcTElUxB
MMUSX8mrKKOBuTCBtjAOBgNVHQ8BAf8EBAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUH
AwIwHwYDVR0jBBgwFoAULM6xDVQo8wdWyahLfnCukzbNnXAwbgYDVR0RBGcwZaAe
BgorBgEEAYI3FAIDoBAMDjEyMzQ1Njc4OTBAbWlsgRRqYW5lLmRvZUBleGFtcGxl
LmdvdoYtdXJuOnV1aWQ6M2YyNTA0ZTAtNGY4OS0xMWQzLTlhMGMtMDMwNWU4MmMz
MzAxMAoGCCqGSM49BAMCA0gAMEUCIQDxFmc+cXxlmU46ueklaDYi4/PXyTcKe31w
PJQUmf6XNwIgebbSiwy9XhzuYNksasP6/Fy20bc3U41pYLJ/edUrNgI=
-----END CERTIFICATE-----
`

// FuzzClientCertHeaders sends arbitrary ALB client-certificate headers
// through ClientCertificate in each mode. No header ever reaches the next
// handler, and an identity is accepted only for a certificate that chains to
// the trusted root (passthrough: the fixture leaf or the root itself) or a well-formed leaf (verify, where the
// ALB has already checked the chain).
func FuzzClientCertHeaders(f *testing.F) {
	leaf := pkitest.ALBEncode(fuzzLeafPEM)
	chain := pkitest.ALBEncode(fuzzLeafPEM + fuzzCAPEM)
	for _, seed := range [][2]string{
		{leaf, chain}, {leaf, ""}, {"", chain}, {"", ""}, {strings.ReplaceAll(leaf, "%0A", "\n"), fuzzLeafPEM},
		{leaf[:len(leaf)/2], chain[:len(chain)/3]}, {"%ZZ", "%"}, {pkitest.ALBEncode(fuzzCAPEM), pkitest.ALBEncode(fuzzCAPEM)},
		{pkitest.ALBEncode("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), pkitest.ALBEncode("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + fuzzLeafPEM)},
	} {
		f.Add(seed[0], seed[1])
	}
	// The root verifies as its own chain; presenting it still needs its key in
	// the TLS handshake the ALB ran, so it counts as trusted here.
	trusted := map[string]bool{}
	for _, p := range []string{fuzzLeafPEM, fuzzCAPEM} {
		block, _ := pem.Decode([]byte(p))
		sum := sha256.Sum256(block.Bytes)
		trusted[hex.EncodeToString(sum[:])] = true
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(fuzzCAPEM)) {
		f.Fatal("fixture root does not parse")
	}
	now := func() time.Time { return time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC) }
	modes := []ClientCertOptions{
		{Mode: ClientCertOff, Now: now},
		{Mode: ClientCertVerify, Now: now},
		{Mode: ClientCertPassthrough, Roots: roots, Now: now},
	}
	f.Fuzz(func(t *testing.T, leafHeader, chainHeader string) {
		for _, opts := range modes {
			var got *ClientCert
			reached := false
			h := ClientCertificate(opts, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached = true
				for k := range r.Header {
					if strings.HasPrefix(k, albMTLSHeaderPrefix) {
						t.Fatalf("%s: header %s reached the handler", opts.Mode, k)
					}
				}
				got, _ = ClientCertFrom(r.Context())
			}))
			req := httptest.NewRequest(http.MethodGet, "/auth/user", nil)
			req.Header.Set(HeaderClientCertLeaf, leafHeader)
			req.Header.Set(HeaderClientCertChain, chainHeader)
			req.Header.Set(albMTLSHeaderPrefix+"Clientcert-Subject", "CN=forged")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			switch opts.Mode {
			case ClientCertOff:
				if !reached || got != nil {
					t.Fatalf("off: reached=%v identity=%v", reached, got)
				}
			case ClientCertPassthrough:
				if reached && (got == nil || !trusted[got.Thumbprint]) {
					t.Fatalf("passthrough accepted a certificate the root did not sign: %+v", got)
				}
			case ClientCertVerify:
				if reached && (got == nil || len(got.Thumbprint) != 64) {
					t.Fatalf("verify: reached without a parsed identity: %+v", got)
				}
			}
			if !reached && w.Code != http.StatusForbidden {
				t.Fatalf("%s: refused with %d, want 403", opts.Mode, w.Code)
			}
		}
	})
}
