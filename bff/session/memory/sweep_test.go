package memory

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
)

func TestSweeperEvictsAndStops(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, err := New(Options{SweepInterval: 5 * time.Millisecond, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	rec := func(key string, life time.Duration) *session.Record {
		return &session.Record{Key: key, Subject: "u", IdleExpiresAt: now.Add(life), AbsoluteExpiresAt: now.Add(time.Hour)}
	}
	for _, r := range []*session.Record{rec("short", time.Minute), rec("long", 30*time.Minute)} {
		if err := s.Create(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	for giveUp := time.Now().Add(10 * time.Second); s.size() != 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(giveUp) {
			t.Fatal("sweeper never evicted the expired record")
		}
	}
	if _, err := s.Get(context.Background(), "long"); err != nil {
		t.Fatalf("live record swept: %v", err)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	// Close waited for the sweeper to return, so nothing evicts any more.
	if s.size() != 1 {
		t.Fatal("sweeper ran after Close")
	}
	if _, err := s.Get(context.Background(), "long"); err != session.ErrExpired {
		t.Fatalf("Get of an expired, unswept record: %v, want ErrExpired", err)
	}
}

func (s *Store) size() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.records)
}
