package session_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/bff/session/memory"
)

// FuzzCookieHeader feeds whole Cookie headers to Manager.Load. One session
// exists; a header either names exactly its id and loads it, or is refused
// as "no session", never as a store failure or a panic.
func FuzzCookieHeader(f *testing.F) {
	const name = "__Host-gh_session"
	validID, _ := session.NewID()
	f.Add(name + "=" + validID)
	f.Add(name + "=" + strings.Repeat("A", 43))
	f.Add(name + "=" + strings.Repeat("A", 42) + "B") // non-canonical padding bits
	f.Add("a=1; " + name + "=" + validID + "; b=2")
	f.Add(name + "=\"" + validID + "\"")
	f.Add(name + "=" + validID + "%00")
	f.Add(strings.Repeat("x=1; ", 300))
	f.Add(name + "=; " + name + "=" + validID)

	store, err := memory.New(memory.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = store.Close() })
	key := bytes.Repeat([]byte{9}, session.KeySize)
	sealer, err := session.NewSealer(session.PurposeSessionTokens, key)
	if err != nil {
		f.Fatal(err)
	}
	m, err := session.NewManager(store, sealer, session.Options{CookieName: name})
	if err != nil {
		f.Fatal(err)
	}
	rec := httptest.NewRecorder()
	created, err := m.Create(context.Background(), rec, session.NewSession{Subject: "alice", Tokens: session.Tokens{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}})
	if err != nil {
		f.Fatal(err)
	}
	var liveID string
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			liveID = c.Value
		}
	}
	if liveID == "" {
		f.Fatal("Create set no session cookie")
	}
	f.Add(name + "=" + liveID)
	f.Add("other=1; " + name + "=" + liveID)

	f.Fuzz(func(t *testing.T, header string) {
		req := &http.Request{Header: http.Header{"Cookie": {header}}}
		s, err := m.Load(context.Background(), req)
		c, cerr := req.Cookie(name)
		switch {
		case err == nil:
			if cerr != nil || c.Value != liveID || s.Key() != created.Key() {
				t.Fatalf("header %q loaded a session without naming its id", header)
			}
		case errors.Is(err, session.ErrNoSession):
			if cerr == nil && c.Value == liveID {
				t.Fatalf("header %q names the live session but was refused: %v", header, err)
			}
		default:
			t.Fatalf("header %q: unexpected error class: %v", header, err)
		}
	})
}

// FuzzValidID checks that every accepted cookie id is the canonical
// encoding of 256 bits, so two spellings never name one session.
func FuzzValidID(f *testing.F) {
	id, _ := session.NewID()
	for _, s := range []string{id, "", strings.Repeat("A", 43), strings.Repeat("_", 43), strings.Repeat("A", 42) + "B", id + "=", strings.Repeat("é", 22)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !session.ValidID(s) {
			return
		}
		raw, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(raw) != 32 || base64.RawURLEncoding.EncodeToString(raw) != s {
			t.Fatalf("ValidID accepted %q, which is not a canonical 32-byte id", s)
		}
		if k := session.Key(s); len(k) != 64 || strings.Contains(k, s) {
			t.Fatalf("Key(%q) = %q", s, k)
		}
	})
}

// FuzzUnmarshalTokens: whatever decodes re-encodes to the same token set,
// and AccessTokenFrom accepts exactly what UnmarshalTokens accepts.
func FuzzUnmarshalTokens(f *testing.F) {
	f.Add(session.MarshalTokens(session.Tokens{AccessToken: "at", RefreshToken: "rt", IDToken: "it", Expiry: time.Unix(1900000000, 5)}))
	f.Add(session.MarshalTokens(session.Tokens{}))
	f.Add([]byte{0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		toks, err := session.UnmarshalTokens(data)
		at, aerr := session.AccessTokenFrom(data)
		if (err == nil) != (aerr == nil) || at != toks.AccessToken {
			t.Fatalf("AccessTokenFrom = %q, %v; UnmarshalTokens err %v", at, aerr, err)
		}
		if err != nil {
			return
		}
		again, err := session.UnmarshalTokens(session.MarshalTokens(toks))
		if err != nil || !reflect.DeepEqual(again, toks) {
			t.Fatalf("re-encoding a decoded token set changed it: %v", err)
		}
	})
}

// FuzzSealer: a sealed blob opens only with its own associated data and
// unaltered; arbitrary bytes never open; Open appends to what dst holds.
func FuzzSealer(f *testing.F) {
	s, err := session.NewSealer(session.PurposeSessionTokens, bytes.Repeat([]byte{3}, session.KeySize), bytes.Repeat([]byte{4}, session.KeySize))
	if err != nil {
		f.Fatal(err)
	}
	sealed, _ := s.Seal([]byte("tokens"), []byte("key-a"))
	f.Add([]byte("tokens"), []byte("key-a"), sealed, uint(7))
	f.Add([]byte{}, []byte{}, []byte{0x01, 0, 0, 0, 0}, uint(0))
	f.Add([]byte{}, []byte{}, []byte{0x02, 0, 0, 0, 0}, uint(0))
	f.Fuzz(func(t *testing.T, plaintext, aad, arbitrary []byte, flip uint) {
		// The only blob sealed outside this function is the seed (in whichever
		// process made it): "tokens" under "key-a".
		if pt, err := s.Open(nil, arbitrary, aad); err == nil && (string(pt) != "tokens" || string(aad) != "key-a") {
			t.Fatalf("arbitrary bytes opened to %q", pt)
		}
		blob, err := s.Seal(plaintext, aad)
		if err != nil {
			t.Fatal(err)
		}
		pt, err := s.Open(nil, blob, aad)
		if err != nil || !bytes.Equal(pt, plaintext) {
			t.Fatalf("round trip failed: %v", err)
		}
		// Into a buffer that already holds aad and has room to spare, as a
		// pooled buffer would.
		dst := append(make([]byte, 0, len(aad)+len(plaintext)+8), aad...)
		if pt, err := s.Open(dst, blob, aad); err != nil || !bytes.Equal(pt[:len(aad)], aad) || !bytes.Equal(pt[len(aad):], plaintext) {
			t.Fatalf("open into a non-empty dst: %q, %v", pt, err)
		}
		if _, err := s.Open(nil, blob, append(append([]byte{}, aad...), 'x')); err == nil {
			t.Fatal("opened with other associated data")
		}
		damaged := append([]byte{}, blob...)
		damaged[flip%uint(len(damaged))] ^= 0x80
		if pt, err := s.Open(dst, damaged, aad); err == nil || pt != nil {
			t.Fatalf("opened after flipping byte %d", flip%uint(len(damaged)))
		}
	})
}
