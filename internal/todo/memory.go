package todo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemoryStore keeps items in process memory, for the local stack and tests.
type MemoryStore struct {
	mu    sync.RWMutex
	items map[string]map[string]Item // owner → id → item
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{items: map[string]map[string]Item{}}
}

func (s *MemoryStore) List(_ context.Context, owner string) ([]Item, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	items := make([]Item, 0, len(s.items[owner]))
	for _, item := range s.items[owner] {
		items = append(items, item)
	}
	slices.SortFunc(items, func(a, b Item) int { return strings.Compare(a.ID, b.ID) })
	return items, nil
}

func (s *MemoryStore) Get(_ context.Context, owner, id string) (Item, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	item, ok := s.items[owner][id]
	if !ok {
		return Item{}, ErrNotFound
	}
	return item, nil
}

func (s *MemoryStore) Create(_ context.Context, owner string, item Item) error {
	if owner == "" || item.ID == "" {
		return fmt.Errorf("%w: owner and id are required", ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.items[owner][item.ID]; ok {
		return ErrExists
	}
	if s.items[owner] == nil {
		s.items[owner] = map[string]Item{}
	}
	s.items[owner][item.ID] = item
	return nil
}

func (s *MemoryStore) Update(_ context.Context, owner, id string, patch Patch, now time.Time) (Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	item, ok := s.items[owner][id]
	if !ok {
		return Item{}, ErrNotFound
	}
	item = patch.Apply(item, now)
	s.items[owner][id] = item
	return item, nil
}

func (s *MemoryStore) Delete(_ context.Context, owner, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.items[owner][id]; !ok {
		return ErrNotFound
	}
	delete(s.items[owner], id)
	if len(s.items[owner]) == 0 {
		delete(s.items, owner)
	}
	return nil
}
