package session_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/bff/session"
)

func TestSealerRoundTripAndBinding(t *testing.T) {
	oldKey, newKey, otherKey := testKey(1), testKey(2), testKey(3)
	old, _ := session.NewSealer(session.PurposeSessionTokens, oldKey)
	rotated, _ := session.NewSealer(session.PurposeSessionTokens, newKey, oldKey)
	other, _ := session.NewSealer(session.PurposeSessionTokens, otherKey)
	plaintext := []byte("tokens")
	aad := []byte("record-key")

	sealedOld, err := old.Seal(plaintext, aad)
	if err != nil {
		t.Fatal(err)
	}
	sealedNew, err := rotated.Seal(plaintext, aad)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(sealedNew)
	tampered[len(tampered)-1] ^= 1
	cases := []struct {
		name    string
		sealer  session.Sealer
		sealed  []byte
		aad     []byte
		wantErr bool
	}{
		{"same key", old, sealedOld, aad, false},
		{"rotated sealer opens the previous key's blobs", rotated, sealedOld, aad, false},
		{"rotated sealer opens its own", rotated, sealedNew, aad, false},
		{"old sealer cannot open the new key's blobs", old, sealedNew, aad, true},
		{"unrelated key", other, sealedOld, aad, true},
		{"moved to another record", old, sealedOld, []byte("another-record"), true},
		{"tampered ciphertext", rotated, tampered, aad, true},
		{"truncated", old, sealedOld[:10], aad, true},
		{"empty", old, nil, aad, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sealer.Open(nil, tc.sealed, tc.aad)
			if tc.wantErr {
				if !errors.Is(err, session.ErrUnsealable) {
					t.Fatalf("Open err = %v, want ErrUnsealable", err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, plaintext) {
				t.Fatalf("Open = %q, %v", got, err)
			}
		})
	}
}

func TestOpenAppendsToDst(t *testing.T) {
	s, _ := session.NewSealer(session.PurposeSessionTokens, testKey(1))
	lazy := session.NewLazySealer(session.PurposeSessionTokens, staticSource(testKey(1)))
	plaintext := []byte("tokens")
	aad := []byte("record-key")
	sealed, err := s.Seal(plaintext, aad)
	if err != nil {
		t.Fatal(err)
	}
	prefix := []byte("kept:")
	cases := []struct {
		name      string
		sealer    session.Sealer
		dst       []byte
		aad       []byte
		want      []byte
		wantErr   bool
		sameArray bool
	}{
		{"nil dst", s, nil, aad, plaintext, false, false},
		{"prefix is kept", s, bytes.Clone(prefix), aad, append(bytes.Clone(prefix), plaintext...), false, false},
		{"spare capacity is used", s, append(make([]byte, 0, 64), prefix...), aad, append(bytes.Clone(prefix), plaintext...), false, true},
		{"lazy sealer appends too", lazy, append(make([]byte, 0, 64), prefix...), aad, append(bytes.Clone(prefix), plaintext...), false, true},
		{"failure returns nil", s, append(make([]byte, 0, 64), prefix...), []byte("other"), nil, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sealer.Open(tc.dst, sealed, tc.aad)
			if tc.wantErr != (err != nil) || !bytes.Equal(got, tc.want) {
				t.Fatalf("Open = %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
			if tc.wantErr && !errors.Is(err, session.ErrUnsealable) {
				t.Fatalf("Open err = %v, want ErrUnsealable", err)
			}
			if tc.dst != nil && !bytes.Equal(tc.dst, prefix) {
				t.Fatalf("Open changed dst[:len(dst)] to %q", tc.dst)
			}
			if shared := cap(got) > 0 && cap(tc.dst) > 0 && &got[:cap(got)][cap(got)-1] == &tc.dst[:cap(tc.dst)][cap(tc.dst)-1]; shared != tc.sameArray {
				t.Fatalf("result shares dst's array: %v, want %v", shared, tc.sameArray)
			}
		})
	}
}

func TestSealIsRandomized(t *testing.T) {
	s, _ := session.NewSealer(session.PurposeSessionTokens, testKey(1))
	a, _ := s.Seal([]byte("same"), []byte("aad"))
	b, _ := s.Seal([]byte("same"), []byte("aad"))
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are identical: nonce reuse")
	}
	if bytes.Contains(a, []byte("same")) {
		t.Fatal("sealed blob contains the plaintext")
	}
}

func TestNewSealerRejectsBadKeys(t *testing.T) {
	cases := []struct {
		name     string
		current  []byte
		previous [][]byte
	}{
		{"nil", nil, nil},
		{"16 bytes (AES-128)", make([]byte, 16), nil},
		{"33 bytes", make([]byte, 33), nil},
		{"bad previous", testKey(1), [][]byte{make([]byte, 31)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := session.NewSealer(session.PurposeSessionTokens, tc.current, tc.previous...); err == nil {
				t.Fatal("NewSealer accepted a key that is not 32 bytes")
			}
		})
	}
}

func TestNewSealerNeedsAPurpose(t *testing.T) {
	if _, err := session.NewSealer("", testKey(1)); err == nil {
		t.Fatal("NewSealer accepted an empty purpose")
	}
}

// underivedSeal seals as releases before key derivation did: format 1,
// under the data key itself.
func underivedSeal(t *testing.T, dataKey, plaintext, aad []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(dataKey)
	if err != nil {
		t.Fatal(err)
	}
	aead, _ := cipher.NewGCM(block)
	id := sha256.Sum256(append([]byte("gatehouse session key id\x00"), dataKey...))
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := append(append([]byte{0x01}, id[:4]...), nonce...)
	return aead.Seal(out, nonce, plaintext, aad)
}

// TestSealerPurposes: one data key, one key per purpose. A blob sealed for
// one purpose never opens as another's, even with the same associated
// data, and the key is HKDF-SHA256 of the data key, never the data key.
func TestSealerPurposes(t *testing.T) {
	dataKey, previous := testKey(1), testKey(8)
	tokens, _ := session.NewSealer(session.PurposeSessionTokens, dataKey, previous)
	login, _ := session.NewSealer(session.PurposeLoginState, dataKey, previous)
	aad := []byte("same associated data")
	forTokens, _ := tokens.Seal([]byte("tokens"), aad)
	forLogin, _ := login.Seal([]byte("login"), aad)
	derived, err := hkdf.Key(sha256.New, dataKey, nil, "gatehouse/v1/session tokens", session.KeySize)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(derived)
	aead, _ := cipher.NewGCM(block)
	cases := []struct {
		name   string
		sealer session.Sealer
		sealed []byte
		want   string // "" = refused
	}{
		{"tokens open as tokens", tokens, forTokens, "tokens"},
		{"login state opens as login state", login, forLogin, "login"},
		{"tokens do not open as login state", login, forTokens, ""},
		{"login state does not open as tokens", tokens, forLogin, ""},
		{"a pre-derivation session opens as tokens", tokens, underivedSeal(t, dataKey, []byte("old"), aad), "old"},
		{"a pre-derivation session under a previous key opens as tokens", tokens, underivedSeal(t, previous, []byte("older"), aad), "older"},
		{"a pre-derivation blob does not open as login state", login, underivedSeal(t, dataKey, []byte("old"), aad), ""},
		{"a pre-derivation blob under an unknown key", tokens, underivedSeal(t, testKey(9), []byte("x"), aad), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sealer.Open(nil, tc.sealed, aad)
			if tc.want == "" {
				if !errors.Is(err, session.ErrUnsealable) {
					t.Fatalf("Open = (%q, %v), want ErrUnsealable", got, err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("Open = (%q, %v), want %q", got, err, tc.want)
			}
		})
	}
	if forTokens[0] != 0x02 {
		t.Fatalf("seal format %#x, want 2", forTokens[0])
	}
	if pt, err := aead.Open(nil, forTokens[5:17], forTokens[17:], aad); err != nil || string(pt) != "tokens" {
		t.Fatalf("tokens do not open under HKDF-SHA256(data key, info \"gatehouse/v1/session tokens\"): %v", err)
	}
}

func TestIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id, err := session.NewID()
		if err != nil {
			t.Fatal(err)
		}
		if !session.ValidID(id) || seen[id] {
			t.Fatalf("NewID gave %q: valid=%v repeated=%v", id, session.ValidID(id), seen[id])
		}
		seen[id] = true
	}
	id, _ := session.NewID()
	cases := []struct {
		in   string
		want bool
	}{
		{id, true},
		{"", false},
		{id[:42], false},
		{id + "A", false},
		{id[:42] + "=", false},
		{id[:42] + "/", false},
		{id[:42] + "B", false}, // non-zero padding bits: not a canonical encoding
		{"...........................................", false},
	}
	for _, tc := range cases {
		if got := session.ValidID(tc.in); got != tc.want {
			t.Errorf("ValidID(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	other, _ := session.NewID()
	if k := session.Key(id); len(k) != 64 || k == session.Key(other) {
		t.Errorf("Key(%q) = %q, want 64 hex chars unique per id", id, k)
	}
}
