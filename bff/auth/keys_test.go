package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// jwksServer publishes the public halves of its keys and counts fetches.
type jwksServer struct {
	mu      sync.Mutex
	keys    []jose.JSONWebKey
	status  int
	fetches atomic.Int32
	url     string
}

func newJWKSServer(t *testing.T) *jwksServer {
	j := &jwksServer{status: http.StatusOK}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		j.fetches.Add(1)
		j.mu.Lock()
		defer j.mu.Unlock()
		if j.status != http.StatusOK {
			w.WriteHeader(j.status)
			return
		}
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: j.keys})
	}))
	t.Cleanup(srv.Close)
	j.url = srv.URL
	return j
}

// signer is one IdP signing key.
type signer struct {
	kid string
	key *ecdsa.PrivateKey
}

func newSigner(t *testing.T, kid string) signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signer{kid: kid, key: k}
}

func (s signer) publish(j *jwksServer) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.keys = append(j.keys, jose.JSONWebKey{Key: &s.key.PublicKey, KeyID: s.kid, Algorithm: string(jose.ES256), Use: "sig"})
}

func (s signer) sign(t *testing.T, claims string) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithHeader(jose.HeaderKey("kid"), s.kid)
	sg, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: s.key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := sg.Sign([]byte(claims))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestKeySetPacesFetchesForTokensFromAnyone(t *testing.T) {
	j := newJWKSServer(t)
	current := newSigner(t, "k1")
	current.publish(j)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ks := newKeySet(j.url, http.DefaultClient, func() time.Time { return now }, time.Minute)
	ctx := context.Background()

	if err := ks.resolve(ctx, "k1", fromAnyone); err != nil {
		t.Fatalf("first use: %v", err)
	}
	for i := range 100 {
		if err := ks.resolve(ctx, "forged-"+string(rune('a'+i%26)), fromAnyone); !errors.Is(err, errUnknownKey) {
			t.Fatalf("forged key id: %v, want errUnknownKey", err)
		}
	}
	if n := j.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches after 100 forged key ids within a minute, want 1 (the first use)", n)
	}
	now = now.Add(time.Minute)
	_ = ks.resolve(ctx, "forged-again", fromAnyone)
	_ = ks.resolve(ctx, "forged-once-more", fromAnyone)
	if n := j.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches a minute later, want 2", n)
	}
	for _, bad := range []string{string(make([]byte, maxKeyIDLen+1)), "kid\nwith a newline", "k\x00"} {
		if err := ks.resolve(ctx, bad, fromAnyone); !errors.Is(err, errBadKeyID) {
			t.Fatalf("key id %q: %v, want errBadKeyID", bad, err)
		}
	}
	if n := j.fetches.Load(); n != 2 {
		t.Fatalf("malformed key ids fetched keys: %d fetches", n)
	}
}

func TestKeySetFollowsTheIdPsKeyRotation(t *testing.T) {
	j := newJWKSServer(t)
	old := newSigner(t, "old")
	old.publish(j)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ks := newKeySet(j.url, http.DefaultClient, func() time.Time { return now }, time.Minute)
	ctx := context.Background()
	if err := ks.resolve(ctx, "old", fromAnyone); err != nil {
		t.Fatal(err)
	}
	// A forged token spends the paced fetch just before the IdP rotates.
	_ = ks.resolve(ctx, "forged", fromAnyone)
	rotated := newSigner(t, "new")
	rotated.publish(j)
	if err := ks.resolve(ctx, "new", fromAnyone); !errors.Is(err, errUnknownKey) {
		t.Fatalf("a logout token with the new key within the minute: %v, want errUnknownKey", err)
	}
	// An ID token from the token endpoint is the IdP's own word: it may fetch at once.
	if err := ks.resolve(ctx, "new", fromTokenEndpoint); err != nil {
		t.Fatalf("ID token with the rotated key: %v", err)
	}
	payload, err := ks.VerifySignature(ctx, rotated.sign(t, `{"sub":"alice"}`))
	if err != nil || string(payload) != `{"sub":"alice"}` {
		t.Fatalf("VerifySignature = (%s, %v)", payload, err)
	}
	if _, err := ks.VerifySignature(ctx, newSigner(t, "new").sign(t, `{"sub":"mallory"}`)); err == nil {
		t.Fatal("a token signed by another key under a published key id verified")
	}
}

func TestKeySetFetchFailures(t *testing.T) {
	j := newJWKSServer(t)
	s := newSigner(t, "k1")
	s.publish(j)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ks := newKeySet(j.url, http.DefaultClient, func() time.Time { return now }, time.Minute)
	ctx := context.Background()
	j.status = http.StatusServiceUnavailable
	if err := ks.resolve(ctx, "k1", fromTokenEndpoint); !errors.Is(err, ErrIdPUnavailable) {
		t.Fatalf("JWKS down at first use: %v, want ErrIdPUnavailable", err)
	}
	if err := ks.resolve(ctx, "k1", fromAnyone); !errors.Is(err, ErrIdPUnavailable) || j.fetches.Load() != 1 {
		t.Fatalf("a logout token right after the failure: %v after %d fetches, want ErrIdPUnavailable and no new fetch", err, j.fetches.Load())
	}
	j.status = http.StatusOK
	if err := ks.resolve(ctx, "k1", fromTokenEndpoint); err != nil {
		t.Fatalf("JWKS back: %v", err)
	}
	j.status = http.StatusInternalServerError
	now = now.Add(time.Minute)
	if err := ks.resolve(ctx, "k2", fromAnyone); !errors.Is(err, ErrIdPUnavailable) {
		t.Fatalf("refetch failing: %v", err)
	}
	if err := ks.resolve(ctx, "k1", fromAnyone); err != nil {
		t.Fatalf("the keys loaded before a failed refetch: %v", err)
	}
}

func TestParseJWKS(t *testing.T) {
	s := newSigner(t, "k1")
	pub, _ := json.Marshal(jose.JSONWebKey{Key: &s.key.PublicKey, KeyID: "k1", Use: "sig"})
	noKid, _ := json.Marshal(jose.JSONWebKey{Key: &s.key.PublicKey})
	private, _ := json.Marshal(jose.JSONWebKey{Key: s.key, KeyID: "priv"})
	enc, _ := json.Marshal(jose.JSONWebKey{Key: &s.key.PublicKey, KeyID: "enc", Use: "enc"})
	cases := []struct {
		name    string
		body    string
		want    []string
		wantErr bool
	}{
		{"one key", `{"keys":[` + string(pub) + `]}`, []string{"k1"}, false},
		{"odd keys are skipped", `{"keys":[{"kty":"OKP?"},` + string(enc) + `,` + string(pub) + `]}`, []string{"k1"}, false},
		{"a published private key is used by its public half", `{"keys":[` + string(private) + `]}`, []string{"priv"}, false},
		{"a lone key without an id", `{"keys":[` + string(noKid) + `]}`, []string{""}, false},
		{"no usable key", `{"keys":[` + string(enc) + `]}`, nil, true},
		{"not a key set", `<html>`, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := parseJWKS([]byte(tc.body))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if len(keys) != len(tc.want) {
				t.Fatalf("keys = %v, want %v", keys, tc.want)
			}
			for _, kid := range tc.want {
				k, ok := keys[kid]
				if !ok || !k.IsPublic() {
					t.Fatalf("key %q: present %v, public %v", kid, ok, k.IsPublic())
				}
			}
		})
	}
}
