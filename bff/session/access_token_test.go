package session_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
)

// withSealed signs in a new session, replaces its token blob with
// sealed(its key), and returns it loaded again.
func (h *harness) withSealed(t *testing.T, sealed func(key string) []byte) *session.Session {
	t.Helper()
	s, _ := h.login(t)
	rec := s.Record()
	rec.SealedTokens = sealed(s.Key())
	if err := h.store.Update(context.Background(), &rec); err != nil {
		t.Fatal(err)
	}
	got, err := h.mgr.Reload(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func managerWith(t *testing.T, h *harness, sealer session.Sealer) *session.Manager {
	t.Helper()
	m, err := session.NewManager(h.store, sealer, session.Options{Clock: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestAccessToken checks AccessToken against Tokens: the same access token
// when the set opens, the same error classes when it does not.
func TestAccessToken(t *testing.T) {
	h := newHarness(t, session.Options{})
	good, _ := h.login(t)
	key1, _ := session.NewSealer(session.PurposeSessionTokens, testKey(1))
	rotated, _ := session.NewSealer(session.PurposeSessionTokens, testKey(9), testKey(1))
	retired, _ := session.NewSealer(session.PurposeSessionTokens, testKey(9))
	unrelated, _ := session.NewSealer(session.PurposeSessionTokens, testKey(7))
	sealWithKey1 := func(plaintext []byte) func(string) []byte {
		return func(key string) []byte {
			b, err := key1.Seal(plaintext, []byte(key))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}

	tampered := h.withSealed(t, func(key string) []byte {
		b := sealWithKey1(session.MarshalTokens(sampleTokens))(key)
		b[len(b)-1] ^= 1
		return b
	})
	moved := h.withSealed(t, func(string) []byte { return good.Record().SealedTokens })
	malformed := h.withSealed(t, sealWithKey1([]byte{0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}))
	truncated := h.withSealed(t, sealWithKey1(session.MarshalTokens(sampleTokens)[:20]))
	large := session.Tokens{AccessToken: strings.Repeat("a", 70000), RefreshToken: "rt"}
	oversized := h.withSealed(t, sealWithKey1(session.MarshalTokens(large)))

	cases := []struct {
		name    string
		mgr     *session.Manager
		s       *session.Session
		want    string
		wantErr []error // every one must match
		notErr  []error // none may match
	}{
		{"good", h.mgr, good, sampleTokens.AccessToken, nil, nil},
		{"rotated key, old one kept", managerWith(t, h, rotated), good, sampleTokens.AccessToken, nil, nil},
		{"token set larger than a pooled buffer", h.mgr, oversized, large.AccessToken, nil, nil},
		{"tampered blob", h.mgr, tampered, "", []error{session.ErrNoSession, session.ErrUnsealable}, nil},
		{"blob moved to another record (wrong aad)", h.mgr, moved, "", []error{session.ErrNoSession, session.ErrUnsealable}, nil},
		{"unrelated key", managerWith(t, h, unrelated), good, "", []error{session.ErrNoSession, session.ErrUnsealable}, nil},
		{"retired key", managerWith(t, h, retired), good, "", []error{session.ErrNoSession, session.ErrUnsealable}, nil},
		{"malformed encoding", h.mgr, malformed, "", nil, []error{session.ErrNoSession, session.ErrUnsealable, session.ErrUnavailable}},
		{"truncated encoding", h.mgr, truncated, "", nil, []error{session.ErrNoSession, session.ErrUnsealable, session.ErrUnavailable}},
		{"data key unavailable", managerWith(t, h, session.NewLazySealer(session.PurposeSessionTokens, failingSource{errors.New("kms: unreachable")})), good, "", []error{session.ErrUnavailable}, []error{session.ErrNoSession}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			got, err := tc.mgr.AccessToken(ctx, tc.s)
			toks, terr := tc.mgr.Tokens(ctx, tc.s)
			wantOK := tc.wantErr == nil && tc.notErr == nil
			if wantOK != (err == nil) || got != tc.want {
				t.Fatalf("AccessToken = %.20q, %v; want %.20q, ok %v", got, err, tc.want, wantOK)
			}
			if (err == nil) != (terr == nil) || got != toks.AccessToken {
				t.Fatalf("AccessToken err %v, Tokens err %v: they disagree", err, terr)
			}
			for _, target := range tc.wantErr {
				if !errors.Is(err, target) || !errors.Is(terr, target) {
					t.Errorf("AccessToken err %v, Tokens err %v: want both to match %v", err, terr, target)
				}
			}
			for _, target := range tc.notErr {
				if errors.Is(err, target) || errors.Is(terr, target) {
					t.Errorf("AccessToken err %v, Tokens err %v: want neither to match %v", err, terr, target)
				}
			}
		})
	}
}

func TestAccessTokenFrom(t *testing.T) {
	full := session.Tokens{AccessToken: "at", RefreshToken: "rt", IDToken: "it", Expiry: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	good := session.MarshalTokens(full)
	badFormat := bytes.Clone(good)
	badFormat[0] = 0x02
	cases := []struct {
		name    string
		in      []byte
		want    string
		wantErr bool
	}{
		{"full set", good, "at", false},
		{"empty set", session.MarshalTokens(session.Tokens{}), "", false},
		{"large access token", session.MarshalTokens(session.Tokens{AccessToken: strings.Repeat("x", 70000)}), strings.Repeat("x", 70000), false},
		{"empty input", nil, "", true},
		{"header only", good[:9], "", true},
		{"unknown format", badFormat, "", true},
		{"access token length past the end", append(bytes.Clone(good[:9]), 0x7f, 'a'), "", true},
		{"varint overflow", append(bytes.Clone(good[:9]), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), "", true},
		// Only the access token is copied out, but the whole set is validated.
		{"later token truncated", good[:len(good)-1], "", true},
		{"trailing bytes", append(bytes.Clone(good), 0), "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := session.AccessTokenFrom(tc.in)
			if tc.wantErr != (err != nil) || got != tc.want {
				t.Fatalf("AccessTokenFrom = %.20q, %v; want %.20q, error %v", got, err, tc.want, tc.wantErr)
			}
			toks, terr := session.UnmarshalTokens(tc.in)
			if (terr == nil) != (err == nil) || toks.AccessToken != got {
				t.Fatalf("UnmarshalTokens err %v disagrees with AccessTokenFrom err %v", terr, err)
			}
		})
	}
	for i := range len(good) {
		if _, err := session.AccessTokenFrom(good[:i]); err == nil {
			t.Fatalf("truncation to %d bytes decoded", i)
		}
	}
}

// TestAccessTokenDoesNotAliasPooledMemory: the returned token must survive
// the buffer it was decoded from being wiped and reused.
func TestAccessTokenDoesNotAliasPooledMemory(t *testing.T) {
	h := newHarness(t, session.Options{})
	s, _ := h.login(t)
	ctx := context.Background()
	first, err := h.mgr.AccessToken(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := h.mgr.Tokens(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if first != sampleTokens.AccessToken {
		t.Fatalf("access token changed after later opens: %q", first)
	}
}

// spySealer records the memory every Open wrote plaintext into; with
// failAfterWrite it writes into dst's spare capacity and then fails, as a
// failed AEAD open may.
type spySealer struct {
	session.Sealer
	failAfterWrite bool
	written        [][]byte
}

func (s *spySealer) Open(dst, sealed, aad []byte) ([]byte, error) {
	if s.failAfterWrite {
		spare := dst[len(dst):cap(dst)]
		copy(spare, "plaintext-left-behind")
		s.written = append(s.written, spare)
		return nil, session.ErrUnsealable
	}
	pt, err := s.Sealer.Open(dst, sealed, aad)
	s.written = append(s.written, pt)
	return pt, err
}

// TestUnsealedPlaintextIsWiped: once AccessToken or Tokens returns, no
// plaintext is left in the memory it was opened into, whatever the outcome.
func TestUnsealedPlaintextIsWiped(t *testing.T) {
	h := newHarness(t, session.Options{})
	key1, _ := session.NewSealer(session.PurposeSessionTokens, testKey(1))
	sealed := func(plaintext []byte) *session.Session {
		return h.withSealed(t, func(key string) []byte {
			b, err := key1.Seal(plaintext, []byte(key))
			if err != nil {
				t.Fatal(err)
			}
			return b
		})
	}
	normal := sealed(session.MarshalTokens(sampleTokens))
	large := sealed(session.MarshalTokens(session.Tokens{AccessToken: strings.Repeat("a", 20000), RefreshToken: strings.Repeat("r", 20000)}))
	huge := sealed(session.MarshalTokens(session.Tokens{AccessToken: strings.Repeat("a", 70000)}))
	malformed := sealed([]byte("\x01not a token set"))
	ops := []struct {
		name string
		call func(*session.Manager, *session.Session) error
	}{
		{"AccessToken", func(m *session.Manager, s *session.Session) error {
			_, err := m.AccessToken(context.Background(), s)
			return err
		}},
		{"Tokens", func(m *session.Manager, s *session.Session) error {
			_, err := m.Tokens(context.Background(), s)
			return err
		}},
	}
	cases := []struct {
		name           string
		s              *session.Session
		failAfterWrite bool
		wantErr        bool
	}{
		{"opened", normal, false, false},
		{"larger than a pooled buffer", large, false, false},
		{"larger than any pooled buffer", huge, false, false},
		{"not a token set", malformed, false, true},
		{"open fails after writing", normal, true, true},
	}
	for _, op := range ops {
		for _, tc := range cases {
			t.Run(op.name+"/"+tc.name, func(t *testing.T) {
				spy := &spySealer{Sealer: key1, failAfterWrite: tc.failAfterWrite}
				err := op.call(managerWith(t, h, spy), tc.s)
				if tc.wantErr != (err != nil) {
					t.Fatalf("err = %v, want error %v", err, tc.wantErr)
				}
				if len(spy.written) != 1 {
					t.Fatalf("Open called %d times, want 1", len(spy.written))
				}
				if b := spy.written[0][:cap(spy.written[0])]; bytes.Count(b, []byte{0}) != len(b) {
					t.Fatalf("%d bytes of plaintext left in memory after the call", len(b)-bytes.Count(b, []byte{0}))
				}
			})
		}
	}
}
