package integration

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
	"github.com/gatehouse/gatehouse/bff/session"
)

// Sealed layout: format(1) | key id(4) | nonce(12) | ciphertext | tag(16).
const sealHeader = 1 + 4 + 12

// keyID is how a sealed blob names its AES key.
func keyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("gatehouse session key id\x00"), key...))
	return string(sum[:4])
}

func gcmOf(t *testing.T, key []byte) cipher.AEAD {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return aead
}

// loginCookie starts a sign-in and returns the sealed login-state cookie.
func loginCookie(t *testing.T, s *bfftest.Stack) []byte {
	t.Helper()
	res, err := s.Browser().Do(http.MethodGet, s.URL+"/auth/login?returnTo=/", nil, nil)
	if err != nil || res.Status != http.StatusFound {
		t.Fatalf("/auth/login: %d %v", res.Status, err)
	}
	for _, line := range res.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && strings.HasSuffix(c.Name, "gh_login") {
			raw, err := base64.RawURLEncoding.DecodeString(c.Value)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}
	}
	t.Fatal("no login cookie")
	return nil
}

// TestSealingKeysPerPurpose: anyone can make the BFF seal a login cookie
// (GET /auth/login), so that must not spend the AES-GCM nonce budget of the
// key that seals every session's tokens. Each purpose has its own key,
// HKDF-SHA256 of the data key with the purpose as info, and nothing is
// sealed under the data key itself. Sessions sealed before key derivation
// (under the data key) still open, and are re-sealed at their next refresh,
// so the upgrade signs no one out.
func TestSealingKeysPerPurpose(t *testing.T) {
	for _, store := range bfftest.Stores {
		t.Run(store, func(t *testing.T) {
			s := bfftest.Start(t, bfftest.Options{Store: store, Audit: audit})
			ctx := context.Background()
			dataKey, err := os.ReadFile(s.Config.DataKeyFile)
			if err != nil {
				t.Fatal(err)
			}
			derive := func(purpose string) []byte {
				k, err := hkdf.Key(sha256.New, dataKey, nil, "gatehouse/v1/"+purpose, 32)
				if err != nil {
					t.Fatal(err)
				}
				return k
			}
			tokensKey, loginKey := derive("session tokens"), derive("login state")

			login := loginCookie(t, s)
			b := loggedIn(t, s, "alice")
			key := session.Key(b.SessionCookie())
			rec, err := s.Store.Get(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			sealed := rec.SealedTokens
			if got := string(login[1:5]); got == string(sealed[1:5]) || got == keyID(dataKey) {
				t.Fatal("the login cookie is sealed under the key of the session tokens or under the data key itself")
			}
			if string(login[1:5]) != keyID(loginKey) || string(sealed[1:5]) != keyID(tokensKey) {
				t.Fatal("the login cookie and the session tokens are not sealed under their HKDF-derived keys")
			}
			plain, err := gcmOf(t, tokensKey).Open(nil, sealed[5:sealHeader], sealed[sealHeader:], []byte(key))
			if err != nil {
				t.Fatalf("session tokens do not open under HKDF(data key, \"gatehouse/v1/session tokens\"): %v", err)
			}

			// A session as the release before key derivation sealed it: under the data key, format 1.
			nonce := make([]byte, 12)
			_, _ = rand.Read(nonce)
			legacy := append(append(append([]byte{0x01}, keyID(dataKey)...), nonce...), gcmOf(t, dataKey).Seal(nil, nonce, plain, []byte(key))...)
			rec.SealedTokens = legacy
			if err := s.Store.Update(ctx, rec); err != nil {
				t.Fatal(err)
			}
			if res := api(t, b, s, http.MethodGet, "/api/todos/items", "", nil); res.Status != http.StatusOK {
				t.Fatalf("a session sealed before key derivation: %d %s", res.Status, res.Body)
			}
			s.Clock.Advance(4*time.Minute + 30*time.Second)
			if res := api(t, b, s, http.MethodGet, "/api/todos/items", "", nil); res.Status != http.StatusOK {
				t.Fatalf("its refresh: %d %s", res.Status, res.Body)
			}
			if rec, err = s.Store.Get(ctx, key); err != nil || rec.SealedTokens[0] != 0x02 || string(rec.SealedTokens[1:5]) != keyID(tokensKey) {
				t.Fatalf("after its refresh the session is not sealed under the derived key (%v)", err)
			}
			registerTokens(t, s, b)
		})
	}
}
