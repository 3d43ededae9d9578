// Package sessiontest is the conformance suite every session.Store must pass.
// Each backend's tests call Run with a constructor that returns a fresh,
// isolated store backed by the real service (or its local stand-in).
package sessiontest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
)

// Run exercises newStore's stores against the session.Store contract.
func Run(t *testing.T, newStore func(t *testing.T) session.Store) {
	t.Helper()
	tests := []conformanceTest{
		{"RoundTripFidelity", testRoundTrip},
		{"CreateConflictsOnDuplicate", testCreateDuplicate},
		{"UpdateVersions", testUpdateVersions},
		{"UpdateMissing", testUpdateMissing},
		{"UpdateAfterDeleteDoesNotResurrect", testUpdateAfterDelete},
		{"DeleteIdempotent", testDeleteIdempotent},
		{"ExpiredNotReturned", testExpired},
		{"ExpiresByTTL", testExpiresByTTL},
		{"DeleteBySubject", testDeleteBySubject},
		{"DeleteByIdPSession", testDeleteByIdPSession},
		{"ConcurrentUpdatesOneWinner", testConcurrentUpdates},
		{"ReturnedRecordIsACopy", testReturnedCopy},
		{"Ping", testPing},
	}
	tests = append(tests, leaseTests()...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

type conformanceTest struct {
	name string
	fn   func(t *testing.T, s session.Store)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// newRecord returns a live record with every field set, expiring in an hour.
func newRecord(t *testing.T, subject, sid string) *session.Record {
	t.Helper()
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	return &session.Record{
		Key:               hex.EncodeToString(raw),
		Subject:           subject,
		IdPSessionID:      sid,
		Claims:            map[string]string{"email": "ada@example.gov", "name": "Ada Lovelace", "unicode": "Zoë ✓"},
		Groups:            []string{"staff", "admins"},
		SealedTokens:      append([]byte{0x01, 0x00, 0xff}, raw...),
		AccessTokenExpiry: now.Add(5 * time.Minute),
		CreatedAt:         now.Add(-time.Minute),
		LastSeenAt:        now,
		IdleExpiresAt:     now.Add(time.Hour),
		AbsoluteExpiresAt: now.Add(12 * time.Hour),
		CertThumbprint:    "ab12",
	}
}

func mustCreate(t *testing.T, s session.Store, r *session.Record) {
	t.Helper()
	if err := s.Create(ctx(t), r); err != nil {
		t.Fatalf("Create: %v", err)
	}
}

func mustGet(t *testing.T, s session.Store, key string) *session.Record {
	t.Helper()
	r, err := s.Get(ctx(t), key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return r
}

func wantNotFound(t *testing.T, s session.Store, key, why string) {
	t.Helper()
	if r, err := s.Get(ctx(t), key); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Get %s: got (%v, %v), want ErrNotFound", why, r != nil, err)
	}
}

// sameRecord compares every field, times with Equal.
func sameRecord(t *testing.T, got, want *session.Record) {
	t.Helper()
	times := []struct {
		name      string
		got, want time.Time
	}{
		{"AccessTokenExpiry", got.AccessTokenExpiry, want.AccessTokenExpiry},
		{"CreatedAt", got.CreatedAt, want.CreatedAt},
		{"LastSeenAt", got.LastSeenAt, want.LastSeenAt},
		{"IdleExpiresAt", got.IdleExpiresAt, want.IdleExpiresAt},
		{"AbsoluteExpiresAt", got.AbsoluteExpiresAt, want.AbsoluteExpiresAt},
	}
	for _, tt := range times {
		if !tt.got.Equal(tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	g, w := *got, *want
	g.AccessTokenExpiry, g.CreatedAt, g.LastSeenAt, g.IdleExpiresAt, g.AbsoluteExpiresAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	w.AccessTokenExpiry, w.CreatedAt, w.LastSeenAt, w.IdleExpiresAt, w.AbsoluteExpiresAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("record differs:\n got  %#v\n want %#v", g, w)
	}
}

func testRoundTrip(t *testing.T, s session.Store) {
	full := newRecord(t, "sub-full", "sid-full")
	emptyCollections := newRecord(t, "sub-empty", "")
	emptyCollections.Claims = map[string]string{}
	emptyCollections.Groups = []string{}
	emptyCollections.CertThumbprint = ""
	nilCollections := newRecord(t, "sub-nil", "")
	nilCollections.Claims = nil
	nilCollections.Groups = nil
	nilCollections.AccessTokenExpiry = time.Time{}
	cases := []struct {
		name string
		rec  *session.Record
	}{
		{"all fields", full},
		{"empty map and slice stay empty", emptyCollections},
		{"nil map and slice stay nil, zero time stays zero", nilCollections},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.rec.Clone()
			mustCreate(t, s, tc.rec)
			if tc.rec.Version != 1 {
				t.Errorf("Create set Version %d, want 1", tc.rec.Version)
			}
			want.Version = 1
			sameRecord(t, mustGet(t, s, tc.rec.Key), want)
		})
	}
}

func testCreateDuplicate(t *testing.T, s session.Store) {
	r := newRecord(t, "sub", "sid")
	mustCreate(t, s, r)
	dup := newRecord(t, "other", "other")
	dup.Key = r.Key
	if err := s.Create(ctx(t), dup); !errors.Is(err, session.ErrConflict) {
		t.Fatalf("duplicate Create: %v, want ErrConflict", err)
	}
	if got := mustGet(t, s, r.Key); got.Subject != "sub" {
		t.Errorf("duplicate Create overwrote the record: subject %q", got.Subject)
	}
}

func testUpdateVersions(t *testing.T, s session.Store) {
	r := newRecord(t, "sub", "sid")
	mustCreate(t, s, r)
	stale := r.Clone()

	r.LastSeenAt = r.LastSeenAt.Add(time.Minute)
	r.Claims["email"] = "new@example.gov"
	r.SealedTokens = []byte("resealed")
	if err := s.Update(ctx(t), r); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if r.Version != 2 {
		t.Fatalf("Update set Version %d, want 2", r.Version)
	}
	sameRecord(t, mustGet(t, s, r.Key), r)

	stale.SealedTokens = []byte("stale write")
	if err := s.Update(ctx(t), stale); !errors.Is(err, session.ErrConflict) {
		t.Fatalf("stale Update: %v, want ErrConflict", err)
	}
	if stale.Version != 1 {
		t.Errorf("failed Update changed Version to %d", stale.Version)
	}
	sameRecord(t, mustGet(t, s, r.Key), r)

	if err := s.Update(ctx(t), r); err != nil || r.Version != 3 {
		t.Fatalf("second Update: %v, version %d, want nil and 3", err, r.Version)
	}
}

func testUpdateMissing(t *testing.T, s session.Store) {
	r := newRecord(t, "sub", "sid")
	r.Version = 1
	if err := s.Update(ctx(t), r); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Update of a missing record: %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, r.Key, "after Update of a missing record")
}

// testUpdateAfterDelete is logout racing a touch or a refresh: the write
// that lost must not bring the session back.
func testUpdateAfterDelete(t *testing.T, s session.Store) {
	r := newRecord(t, "sub", "sid")
	mustCreate(t, s, r)
	if err := s.Delete(ctx(t), r.Key); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx(t), r); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Update after Delete: %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, r.Key, "after a late Update")
	if n, err := s.DeleteBySubject(ctx(t), "sub"); err != nil || n != 0 {
		t.Errorf("DeleteBySubject after Delete = (%d, %v), want (0, nil)", n, err)
	}
}

func testDeleteIdempotent(t *testing.T, s session.Store) {
	r := newRecord(t, "sub", "sid")
	mustCreate(t, s, r)
	for i := range 2 {
		if err := s.Delete(ctx(t), r.Key); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
		wantNotFound(t, s, r.Key, "after Delete")
	}
	if err := s.Delete(ctx(t), newRecord(t, "x", "y").Key); err != nil {
		t.Fatalf("Delete of a never-created key: %v", err)
	}
}

func testExpired(t *testing.T, s session.Store) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	idle := newRecord(t, "sub", "sid")
	idle.IdleExpiresAt = now.Add(-time.Second)
	absolute := newRecord(t, "sub", "sid")
	absolute.AbsoluteExpiresAt = now.Add(-time.Second)
	cases := []struct {
		name string
		rec  *session.Record
	}{
		{"past idle deadline", idle},
		{"past absolute deadline", absolute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mustCreate(t, s, tc.rec)
			wantNotFound(t, s, tc.rec.Key, "of an expired record")
			if err := s.Update(ctx(t), tc.rec); !errors.Is(err, session.ErrNotFound) {
				t.Errorf("Update of an expired record: %v, want ErrNotFound", err)
			}
			// An expired key is free again; ids are never reused, but a store must not wedge on it.
			fresh := newRecord(t, "sub2", "sid2")
			fresh.Key = tc.rec.Key
			if err := s.Create(ctx(t), fresh); err != nil {
				t.Errorf("Create over an expired record: %v", err)
			}
		})
	}
}

// testExpiresByTTL lets a record lapse in real time, as backends with
// server-side TTL (redis, DynamoDB) must honour it with their own clocks.
func testExpiresByTTL(t *testing.T, s session.Store) {
	r := newRecord(t, "sub", "sid")
	r.IdleExpiresAt = time.Now().UTC().Add(1500 * time.Millisecond)
	mustCreate(t, s, r)
	mustGet(t, s, r.Key)
	for {
		_, err := s.Get(ctx(t), r.Key)
		if errors.Is(err, session.ErrNotFound) {
			return
		}
		if err != nil {
			t.Fatalf("Get while waiting for expiry: %v", err)
		}
		if time.Now().After(r.IdleExpiresAt.Add(10 * time.Second)) {
			t.Fatal("record still returned long after its deadline")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func testDeleteBySubject(t *testing.T, s session.Store) {
	testDeleteBy(t, s, func(r *session.Record) string { return r.Subject }, s.DeleteBySubject)
}

func testDeleteByIdPSession(t *testing.T, s session.Store) {
	testDeleteBy(t, s, func(r *session.Record) string { return r.IdPSessionID }, s.DeleteByIdPSession)
}

func testDeleteBy(t *testing.T, s session.Store, attr func(*session.Record) string, deleteBy func(context.Context, string) (int, error)) {
	t.Helper()
	a1 := newRecord(t, "alice", "sid-a1")
	a2 := newRecord(t, "alice", "sid-a2")
	a3 := newRecord(t, "alice", "sid-a1")
	b := newRecord(t, "bob", "sid-b")
	noSID := newRecord(t, "carol", "")
	all := []*session.Record{a1, a2, a3, b, noSID}
	for _, r := range all {
		mustCreate(t, s, r)
	}
	target := attr(a1)
	want := 0
	for _, r := range all {
		if attr(r) == target {
			want++
		}
	}
	cases := []struct {
		name  string
		value string
		want  int
	}{
		{"empty value matches nothing", "", 0},
		{"unknown value", "nobody", 0},
		{"target", target, want},
		{"again", target, 0},
	}
	for _, tc := range cases {
		n, err := deleteBy(ctx(t), tc.value)
		if err != nil || n != tc.want {
			t.Fatalf("%s: deleted (%d, %v), want (%d, nil)", tc.name, n, err, tc.want)
		}
	}
	for _, r := range all {
		_, err := s.Get(ctx(t), r.Key)
		gone := errors.Is(err, session.ErrNotFound)
		if err != nil && !gone {
			t.Fatalf("Get: %v", err)
		}
		if gone != (attr(r) == target) {
			t.Errorf("record sub=%q sid=%q: gone=%v, want %v", r.Subject, r.IdPSessionID, gone, !gone)
		}
	}
}

func testConcurrentUpdates(t *testing.T, s session.Store) {
	const writers = 16
	r := newRecord(t, "sub", "sid")
	mustCreate(t, s, r)
	var (
		wg        sync.WaitGroup
		start     = make(chan struct{})
		errs      = make([]error, writers)
		c         = ctx(t)
		conflicts int
		winners   []int
	)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := r.Clone()
			mine.SealedTokens = []byte{byte(i)}
			<-start
			errs[i] = s.Update(c, mine)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		switch {
		case err == nil:
			winners = append(winners, i)
		case errors.Is(err, session.ErrConflict):
			conflicts++
		default:
			t.Errorf("writer %d: %v", i, err)
		}
	}
	if len(winners) != 1 || conflicts != writers-1 {
		t.Fatalf("%d winners and %d conflicts, want 1 and %d", len(winners), conflicts, writers-1)
	}
	got := mustGet(t, s, r.Key)
	if got.Version != 2 || len(got.SealedTokens) != 1 || int(got.SealedTokens[0]) != winners[0] {
		t.Errorf("stored version %d tokens %v, want version 2 with writer %d's write", got.Version, got.SealedTokens, winners[0])
	}
}

// testReturnedCopy: a store shares no mutable memory with its callers.
// SealedTokens may be shared, since it is immutable (see session.Record), so
// for it only replacement, the one change callers make, is checked.
func testReturnedCopy(t *testing.T, s session.Store) {
	r := newRecord(t, "sub", "sid")
	sealed := bytes.Clone(r.SealedTokens)
	mustCreate(t, s, r)
	r.Claims["email"] = "mutated-after-create"
	r.SealedTokens = []byte("replaced-after-create")
	got := mustGet(t, s, r.Key)
	got.Claims["email"] = "mutated-after-get"
	got.Groups[0] = "mutated"
	got.SealedTokens = []byte("replaced-after-get")
	again := mustGet(t, s, r.Key)
	if again.Claims["email"] != "ada@example.gov" || again.Groups[0] != "staff" {
		t.Errorf("store shares memory with callers: %v %v", again.Claims, again.Groups)
	}
	if !bytes.Equal(again.SealedTokens, sealed) {
		t.Errorf("sealed tokens changed by a caller's replacement: %q", again.SealedTokens)
	}
}

func testPing(t *testing.T, s session.Store) {
	if err := s.Ping(ctx(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}
