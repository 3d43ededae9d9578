package session_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
)

// Sizes close to Cognito's: access ~1 KB, ID ~1.3 KB, refresh ~1.8 KB.
var benchTokens = session.Tokens{
	AccessToken:  strings.Repeat("a", 1100),
	IDToken:      strings.Repeat("i", 1300),
	RefreshToken: strings.Repeat("r", 1800),
	Expiry:       time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
}

func benchSealed(b *testing.B) (session.Sealer, []byte, []byte) {
	s, err := session.NewSealer(session.PurposeSessionTokens, testKey(1), testKey(2))
	if err != nil {
		b.Fatal(err)
	}
	aad := []byte(session.Key("id"))
	sealed, err := s.Seal(session.MarshalTokens(benchTokens), aad)
	if err != nil {
		b.Fatal(err)
	}
	return s, sealed, aad
}

// BenchmarkSeal and BenchmarkOpen include the token encoding, as the Manager does.
func BenchmarkSeal(b *testing.B) {
	s, _, aad := benchSealed(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Seal(session.MarshalTokens(benchTokens), aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	s, sealed, aad := benchSealed(b)
	b.ReportAllocs()
	for b.Loop() {
		pt, err := s.Open(nil, sealed, aad)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := session.UnmarshalTokens(pt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewSealer is the once-per-process cost of deriving a purpose's
// keys (HKDF-SHA256 and an AES-GCM key schedule per data key); LazySealer
// pays it at the first request, not per seal.
func BenchmarkNewSealer(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := session.NewSealer(session.PurposeSessionTokens, testKey(1), testKey(2)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKey(b *testing.B) {
	id, _ := session.NewID()
	b.ReportAllocs()
	for b.Loop() {
		_ = session.Key(id)
	}
}

func BenchmarkNewID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := session.NewID(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchRecord() *session.Record {
	r := fullRecord()
	r.SealedTokens = make([]byte, 4300)
	return r
}

func BenchmarkRecordEncode(b *testing.B) {
	r := benchRecord()
	b.ReportAllocs()
	for b.Loop() {
		_ = session.MarshalRecord(r)
	}
}

func BenchmarkRecordDecode(b *testing.B) {
	data := session.MarshalRecord(benchRecord())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := session.UnmarshalRecord(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordJSON is the baseline the binary encoding was chosen against.
func BenchmarkRecordJSON(b *testing.B) {
	r := benchRecord()
	b.ReportAllocs()
	for b.Loop() {
		data, err := json.Marshal(r)
		if err != nil {
			b.Fatal(err)
		}
		var back session.Record
		if err := json.Unmarshal(data, &back); err != nil {
			b.Fatal(err)
		}
	}
}

// benchManager returns a Manager over the memory store and a request
// carrying the cookie of a session holding benchTokens.
func benchManager(b *testing.B) (*session.Manager, *http.Request) {
	store, _ := newBenchStore(b)
	sealer, _ := session.NewSealer(session.PurposeSessionTokens, testKey(1))
	mgr, err := session.NewManager(store, sealer, session.Options{})
	if err != nil {
		b.Fatal(err)
	}
	w := &cookieJar{}
	if _, err := mgr.Create(context.Background(), w, session.NewSession{Subject: "u", Tokens: benchTokens}); err != nil {
		b.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodGet, "/api/x", nil)
	r.Header.Set("Cookie", w.h.Get("Set-Cookie"))
	return mgr, r
}

// BenchmarkManagerLoadAndTokens is the per-request session cost when the
// whole token set is needed (refresh): cookie check, store read (memory),
// deadline check, unseal, decode.
func BenchmarkManagerLoadAndTokens(b *testing.B) {
	benchLoadThen(b, func(ctx context.Context, mgr *session.Manager, s *session.Session) error {
		_, err := mgr.Tokens(ctx, s)
		return err
	})
}

// BenchmarkManagerAccessToken is the per-request session cost on the proxy
// path: as BenchmarkManagerLoadAndTokens, but only the access token leaves
// the unsealed set.
func BenchmarkManagerAccessToken(b *testing.B) {
	benchLoadThen(b, func(ctx context.Context, mgr *session.Manager, s *session.Session) error {
		_, err := mgr.AccessToken(ctx, s)
		return err
	})
}

func benchLoadThen(b *testing.B, use func(context.Context, *session.Manager, *session.Session) error) {
	mgr, r := benchManager(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		s, err := mgr.Load(ctx, r)
		if err != nil {
			b.Fatal(err)
		}
		if err := use(ctx, mgr, s); err != nil {
			b.Fatal(err)
		}
	}
}

type cookieJar struct{ h http.Header }

func (c *cookieJar) Header() http.Header {
	if c.h == nil {
		c.h = http.Header{}
	}
	return c.h
}
func (c *cookieJar) Write(b []byte) (int, error) { return len(b), nil }
func (c *cookieJar) WriteHeader(int)             {}
