package session_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/bff/session"
)

func TestSealerRoundTripAndBinding(t *testing.T) {
	oldKey, newKey, otherKey := testKey(1), testKey(2), testKey(3)
	old, _ := session.NewSealer(oldKey)
	rotated, _ := session.NewSealer(newKey, oldKey)
	other, _ := session.NewSealer(otherKey)
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
	s, _ := session.NewSealer(testKey(1))
	lazy := session.NewLazySealer(staticSource(testKey(1)))
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
	s, _ := session.NewSealer(testKey(1))
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
			if _, err := session.NewSealer(tc.current, tc.previous...); err == nil {
				t.Fatal("NewSealer accepted a key that is not 32 bytes")
			}
		})
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
