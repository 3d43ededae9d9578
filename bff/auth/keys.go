package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// signingAlgs are the JWS algorithms the BFF accepts from its IdP.
var signingAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.PS256}

// Limits on what the IdP's JWKS endpoint may hand back.
const (
	maxJWKSBytes = 256 << 10
	maxKeyIDLen  = 128
)

// keyOrigin says where a token came from, which decides whether an unknown
// key id may make the BFF fetch the IdP's keys again.
type keyOrigin int

const (
	// fromTokenEndpoint: the BFF fetched the token itself, over TLS, with
	// its client credentials (ID tokens at login and refresh). Only the IdP
	// can pick its key id, so an unknown one means the IdP rotated keys.
	fromTokenEndpoint keyOrigin = iota
	// fromAnyone: the token arrived in a request anyone can send
	// (back-channel logout). Its key id is the sender's choice, so fetches
	// it causes are paced.
	fromAnyone
)

var (
	errUnknownKey = errors.New("auth: token signed with a key the IdP does not publish")
	errBadKeyID   = errors.New("auth: token key id missing or malformed")
)

// keySet holds the IdP's signing keys from its JWKS. It fetches them on
// first use and again for a token whose key id it does not know: for a
// token from the token endpoint whenever no fetch has answered since that
// token arrived, and for a token from anyone at most once per refetch
// interval, so a flood of forged logout tokens costs the IdP one request a
// minute. It implements oidc.KeySet without any fetch of its own, so
// go-oidc's checks run on keys resolve has already loaded.
type keySet struct {
	url     string
	client  *http.Client
	now     func() time.Time
	refetch time.Duration

	fetchMu sync.Mutex // one fetch at a time; waiters reuse its answer
	loaded  atomic.Pointer[keySnapshot]
}

// keySnapshot is one fetch's outcome, replaced whole: a new pointer means
// a fetch ran.
type keySnapshot struct {
	keys      map[string]jose.JSONWebKey // by key id; "" holds a lone key without one
	fetched   time.Time                  // when keys were fetched
	attempted time.Time                  // when the last fetch ran, answered or not
}

func newKeySet(url string, client *http.Client, now func() time.Time, refetch time.Duration) *keySet {
	return &keySet{url: url, client: client, now: now, refetch: refetch}
}

// resolve makes sure the key of a token is loaded, fetching the set again
// when the origin allows. Errors: errBadKeyID and errUnknownKey for tokens
// no published key signed; ErrIdPUnavailable when the JWKS cannot be read.
func (k *keySet) resolve(ctx context.Context, kid string, origin keyOrigin) error {
	if len(kid) > maxKeyIDLen || !printable(kid) {
		return errBadKeyID
	}
	seen := k.loaded.Load()
	if seen != nil && seen.has(kid) {
		return nil
	}
	k.fetchMu.Lock()
	defer k.fetchMu.Unlock()
	snap := k.loaded.Load()
	if snap != nil && snap.has(kid) {
		return nil
	}
	if snap != nil {
		switch origin {
		case fromTokenEndpoint:
			// A fetch that ran while this caller waited has answered already.
			if snap != seen {
				return k.missing(snap)
			}
		case fromAnyone:
			if k.now().Sub(snap.attempted) < k.refetch {
				return k.missing(snap)
			}
		}
	}
	next, err := k.fetch(ctx)
	if err != nil {
		// Keep the keys there are; the failed attempt paces the next one too.
		kept := keySnapshot{attempted: k.now()}
		if snap != nil {
			kept.keys, kept.fetched = snap.keys, snap.fetched
		}
		k.loaded.Store(&kept)
		return fmt.Errorf("%w: signing keys: %w", ErrIdPUnavailable, err)
	}
	k.loaded.Store(next)
	if next.has(kid) {
		return nil
	}
	return k.missing(next)
}

// missing is resolve's answer once snap is all there is.
func (k *keySet) missing(snap *keySnapshot) error {
	if snap.keys == nil {
		return fmt.Errorf("%w: signing keys not loaded", ErrIdPUnavailable)
	}
	return errUnknownKey
}

func (s *keySnapshot) has(kid string) bool { _, ok := s.keys[kid]; return ok }

func (k *keySet) fetch(ctx context.Context) (*keySnapshot, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("JWKS answered status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("JWKS larger than %d bytes", maxJWKSBytes)
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, err
	}
	now := k.now()
	return &keySnapshot{keys: keys, fetched: now, attempted: now}, nil
}

// parseJWKS keeps the public signing keys and skips what it cannot use
// (encryption keys, unknown key types), as one odd key must not hide the rest.
func parseJWKS(body []byte) (map[string]jose.JSONWebKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("JWKS is not a key set: %w", err)
	}
	keys := map[string]jose.JSONWebKey{}
	var noID []jose.JSONWebKey
	for _, raw := range set.Keys {
		var key jose.JSONWebKey
		if json.Unmarshal(raw, &key) != nil || !key.Valid() || (key.Use != "" && key.Use != "sig") {
			continue
		}
		if !key.IsPublic() {
			// An IdP that publishes a private key has other problems; use only its public half.
			key = key.Public()
		}
		if key.KeyID == "" {
			noID = append(noID, key)
			continue
		}
		if len(key.KeyID) <= maxKeyIDLen && printable(key.KeyID) {
			keys[key.KeyID] = key
		}
	}
	// A token without a key id can only name a key when the set has one.
	if len(noID) == 1 && len(keys) == 0 {
		keys[""] = noID[0]
	}
	if len(keys) == 0 {
		return nil, errors.New("JWKS holds no usable signing key")
	}
	return keys, nil
}

// VerifySignature is oidc.KeySet over the loaded keys only: resolve has
// fetched what the token needs.
func (k *keySet) VerifySignature(_ context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(raw, signingAlgs)
	if err != nil {
		return nil, fmt.Errorf("auth: malformed token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("auth: token must carry one signature")
	}
	header := jws.Signatures[0].Header
	snap := k.loaded.Load()
	if snap == nil {
		return nil, errUnknownKey
	}
	key, ok := snap.keys[header.KeyID]
	if !ok {
		return nil, errUnknownKey
	}
	if key.Algorithm != "" && key.Algorithm != header.Algorithm {
		return nil, fmt.Errorf("auth: token alg %q does not match its key's %q", header.Algorithm, key.Algorithm)
	}
	return jws.Verify(key.Key)
}

// printable reports whether s is printable ASCII, as a key id must be for
// the BFF to look it up or log it.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
