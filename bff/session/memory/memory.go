// Package memory is an in-process session store for local development and
// tests. Sessions are lost on restart and not shared between instances.
package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
)

// Options configure a Store.
type Options struct {
	// SweepInterval is how often expired records are evicted. Defaults to 1m.
	SweepInterval time.Duration
	// Clock returns the current time. Defaults to time.Now.
	Clock func() time.Time
}

// Defaults fills every unset field with its default.
func (o *Options) Defaults() {
	if o.SweepInterval == 0 {
		o.SweepInterval = time.Minute
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
}

// Validate reports every problem at once.
func (o *Options) Validate() error {
	var problems []error
	if o.SweepInterval <= 0 {
		problems = append(problems, fmt.Errorf("sweep interval %s must be positive", o.SweepInterval))
	}
	if o.Clock == nil {
		problems = append(problems, errors.New("clock is nil: leave it unset for time.Now"))
	}
	if len(problems) > 0 {
		return fmt.Errorf("memory: invalid options: %w", errors.Join(problems...))
	}
	return nil
}

// Store keeps records in a map guarded by a mutex. Close stops its sweeper.
type Store struct {
	clock func() time.Time

	mu      sync.RWMutex
	records map[string]*session.Record
	leases  map[string]lease

	stop     chan struct{}
	stopOnce sync.Once
	swept    sync.WaitGroup
}

var _ session.Store = (*Store)(nil)

// lease is one holder's hold on a lease key.
type lease struct {
	token   string
	expires time.Time
}

// New returns a Store and starts its expiry sweeper.
func New(opts Options) (*Store, error) {
	opts.Defaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s := &Store{clock: opts.Clock, records: map[string]*session.Record{}, leases: map[string]lease{}, stop: make(chan struct{})}
	s.swept.Add(1)
	go s.sweep(opts.SweepInterval)
	return s, nil
}

// Close stops the sweeper. The store stays usable; expiry is then enforced on read only.
func (s *Store) Close() error {
	s.stopOnce.Do(func() { close(s.stop) })
	s.swept.Wait()
	return nil
}

func (s *Store) sweep(every time.Duration) {
	defer s.swept.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.evictExpired()
		}
	}
}

func (s *Store) evictExpired() {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, r := range s.records {
		if !now.Before(r.ExpiresAt()) {
			delete(s.records, k)
		}
	}
	for k, l := range s.leases {
		if !now.Before(l.expires) {
			delete(s.leases, k)
		}
	}
}

// live returns the record under key if it has not expired; callers hold mu.
func (s *Store) live(key string) (*session.Record, bool) {
	r, ok := s.records[key]
	if !ok || !s.clock().Before(r.ExpiresAt()) {
		return nil, false
	}
	return r, true
}

func (s *Store) Get(ctx context.Context, key string) (*session.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: get: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.live(key)
	if !ok {
		if _, held := s.records[key]; held {
			return nil, session.ErrExpired
		}
		return nil, session.ErrNotFound
	}
	return r.Clone(), nil
}

func (s *Store) Create(ctx context.Context, r *session.Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: create: %w", err)
	}
	if r.Key == "" {
		return errors.New("memory: create: record key is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.live(r.Key); ok {
		return fmt.Errorf("memory: create: %w", session.ErrConflict)
	}
	r.Version = 1
	s.records[r.Key] = r.Clone()
	return nil
}

func (s *Store) Update(ctx context.Context, r *session.Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: update: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.live(r.Key)
	if !ok {
		return fmt.Errorf("memory: update: %w", session.ErrNotFound)
	}
	if cur.Version != r.Version {
		return fmt.Errorf("memory: update: %w", session.ErrConflict)
	}
	next := r.Clone()
	next.Version = r.Version + 1
	s.records[r.Key] = next
	r.Version = next.Version
	return nil
}

func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: delete: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.records, key)
	return nil
}

func (s *Store) DeleteBySubject(ctx context.Context, subject string) (int, error) {
	if subject == "" {
		return 0, nil
	}
	return s.deleteWhere(ctx, func(r *session.Record) bool { return r.Subject == subject })
}

func (s *Store) DeleteByIdPSession(ctx context.Context, sid string) (int, error) {
	if sid == "" {
		return 0, nil
	}
	return s.deleteWhere(ctx, func(r *session.Record) bool { return r.IdPSessionID == sid })
}

func (s *Store) deleteWhere(ctx context.Context, match func(*session.Record) bool) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memory: delete: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, r := range s.records {
		if match(r) {
			if _, live := s.live(k); live {
				n++
			}
			delete(s.records, k)
		}
	}
	return n, nil
}

func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: ping: %w", err)
	}
	return nil
}

// Lease takes over an expired lease in the same critical section that
// finds it expired, so two callers can never both win it.
func (s *Store) Lease(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: lease: %w", err)
	}
	token, err := session.NewLeaseToken(key, ttl)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	if held, ok := s.leases[key]; ok && now.Before(held.expires) {
		return nil, fmt.Errorf("memory: lease: %w", session.ErrLeaseHeld)
	}
	s.leases[key] = lease{token: token, expires: now.Add(ttl)}
	return func(context.Context) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if held, ok := s.leases[key]; ok && held.token == token {
			delete(s.leases, key)
		}
		return nil
	}, nil
}
