package awsfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// KMS answers Decrypt with one plaintext, whatever the ciphertext, and
// counts the calls: enough to prove where a client's requests go.
type KMS struct {
	URL string

	mu       sync.Mutex
	decrypts int
}

// StartKMS serves plaintext until the test ends.
func StartKMS(t testing.TB, plaintext []byte) *KMS {
	t.Helper()
	k := &KMS{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") != "TrentService.Decrypt" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"ValidationException","message":"only Decrypt"}`))
			return
		}
		k.mu.Lock()
		k.decrypts++
		k.mu.Unlock()
		// []byte marshals as base64, as the KMS JSON protocol carries blobs.
		_ = json.NewEncoder(w).Encode(map[string]any{"KeyId": "arn:aws:kms:us-east-1:123456789012:key/example", "Plaintext": plaintext})
	}))
	t.Cleanup(srv.Close)
	k.URL = srv.URL
	return k
}

// Decrypts is how many Decrypt calls arrived.
func (k *KMS) Decrypts() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.decrypts
}
