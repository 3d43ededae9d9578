package sessiontest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
)

// leaseTests are the Lease half of the contract. Leases expire in real
// time, since Redis expires them with its own clock.
func leaseTests() []conformanceTest {
	return []conformanceTest{
		{"LeaseIsExclusive", testLeaseExclusive},
		{"LeaseRelease", testLeaseRelease},
		{"LeaseConcurrentTakersOneWinner", testLeaseConcurrentTakers},
		{"LeaseExpiredTakenOverByExactlyOne", testLeaseExpiredTakeover},
		{"LeaseStaleReleaseKeepsSuccessor", testLeaseStaleRelease},
		{"LeaseKeysApartFromRecords", testLeaseNamespace},
		{"LeaseRefusesBadArguments", testLeaseArguments},
	}
}

const (
	shortLease = 300 * time.Millisecond
	longLease  = time.Minute
)

func leaseKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "refresh:" + hex.EncodeToString(b)
}

func mustLease(t *testing.T, s session.Store, key string, ttl time.Duration) func() {
	t.Helper()
	release, err := s.Lease(ctx(t), key, ttl)
	if err != nil {
		t.Fatalf("Lease %s: %v", key, err)
	}
	return func() {
		t.Helper()
		if err := release(ctx(t)); err != nil {
			t.Fatalf("release %s: %v", key, err)
		}
	}
}

func wantHeld(t *testing.T, s session.Store, key, why string) {
	t.Helper()
	if release, err := s.Lease(ctx(t), key, longLease); !errors.Is(err, session.ErrLeaseHeld) {
		if release != nil {
			_ = release(ctx(t))
		}
		t.Fatalf("Lease %s: %v, want ErrLeaseHeld", why, err)
	}
}

// waitPast sleeps until d has passed since taken, plus a margin for the
// backend's clock. taken is read after Lease returned, so the backend set
// the lease before it, however slow the call was.
func waitPast(taken time.Time, d time.Duration) {
	time.Sleep(time.Until(taken.Add(d + 100*time.Millisecond)))
}

func testLeaseExclusive(t *testing.T, s session.Store) {
	key, other := leaseKey(t), leaseKey(t)
	mustLease(t, s, key, longLease)
	wantHeld(t, s, key, "of a held key")
	wantHeld(t, s, key, "of a held key, again")
	mustLease(t, s, other, longLease)
}

func testLeaseRelease(t *testing.T, s session.Store) {
	key := leaseKey(t)
	release := mustLease(t, s, key, longLease)
	release()
	again := mustLease(t, s, key, longLease)
	// The first holder releasing again must not end the second's lease.
	release()
	wantHeld(t, s, key, "after the previous holder released twice")
	again()
	mustLease(t, s, key, longLease)
}

// takeAll races n callers for key and returns how many won and how many
// found the lease held; anything else fails the test.
func takeAll(t *testing.T, s session.Store, key string, n int) (won, held int) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, n)
		c     = ctx(t)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = s.Lease(c, key, longLease)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, session.ErrLeaseHeld):
			held++
		default:
			t.Errorf("taker %d: %v", i, err)
		}
	}
	return won, held
}

func testLeaseConcurrentTakers(t *testing.T, s session.Store) {
	const takers = 16
	if won, held := takeAll(t, s, leaseKey(t), takers); won != 1 || held != takers-1 {
		t.Fatalf("%d won and %d found it held, want 1 and %d", won, held, takers-1)
	}
}

// testLeaseExpiredTakeover is a crashed holder: its lease lapses, and of the
// instances that then race for it exactly one may refresh.
func testLeaseExpiredTakeover(t *testing.T, s session.Store) {
	const takers = 16
	key := leaseKey(t)
	mustLease(t, s, key, shortLease)
	waitPast(time.Now(), shortLease)
	if won, held := takeAll(t, s, key, takers); won != 1 || held != takers-1 {
		t.Fatalf("expired lease: %d won and %d found it held, want 1 and %d", won, held, takers-1)
	}
}

// testLeaseStaleReleaseKeepsSuccessor is a holder that outlived its lease:
// its late release must not free the lease its successor now holds.
func testLeaseStaleRelease(t *testing.T, s session.Store) {
	key := leaseKey(t)
	stale := mustLease(t, s, key, shortLease)
	waitPast(time.Now(), shortLease)
	successor := mustLease(t, s, key, longLease)
	stale()
	wantHeld(t, s, key, "after the stale holder's release")
	successor()
	mustLease(t, s, key, longLease)
}

func testLeaseNamespace(t *testing.T, s session.Store) {
	r := newRecord(t, "sub", "sid")
	mustCreate(t, s, r)
	release := mustLease(t, s, r.Key, longLease)
	sameRecord(t, mustGet(t, s, r.Key), r)
	if err := s.Delete(ctx(t), r.Key); err != nil {
		t.Fatal(err)
	}
	wantHeld(t, s, r.Key, "after deleting the record of the same key")
	if n, err := s.DeleteBySubject(ctx(t), "sub"); err != nil || n != 0 {
		t.Fatalf("DeleteBySubject = (%d, %v), want (0, nil): a lease is no session", n, err)
	}
	release()
	wantNotFound(t, s, r.Key, "after releasing a lease of the same key")
}

func testLeaseArguments(t *testing.T, s session.Store) {
	cases := []struct {
		name string
		key  string
		ttl  time.Duration
	}{
		{"empty key", "", longLease},
		{"zero ttl", leaseKey(t), 0},
		{"negative ttl", leaseKey(t), -time.Second},
		{"ttl under a millisecond", leaseKey(t), time.Microsecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			release, err := s.Lease(ctx(t), tc.key, tc.ttl)
			if err == nil || errors.Is(err, session.ErrLeaseHeld) || release != nil {
				t.Fatalf("Lease: (%v, %v), want an argument error", release != nil, err)
			}
		})
	}
}
