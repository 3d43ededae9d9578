package todo

import (
	"context"
	"errors"
	"testing"
	"time"
)

// testStore is the one suite every Store passes.
func testStore(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()
	base := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	newItem := func(t *testing.T, title string, at time.Time) Item {
		t.Helper()
		id, err := NewID(at)
		if err != nil {
			t.Fatal(err)
		}
		return Item{ID: id, Title: title, CreatedAt: at, UpdatedAt: at}
	}
	ptr := func(s string) *string { return &s }
	yes := true

	t.Run("create, get and list in creation order", func(t *testing.T) {
		s := newStore(t)
		var want []Item
		for i, title := range []string{"first", "second", "third"} {
			item := newItem(t, title, base.Add(time.Duration(i)*time.Millisecond))
			if err := s.Create(ctx, "alice", item); err != nil {
				t.Fatal(err)
			}
			want = append(want, item)
		}
		got, err := s.List(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("List = %d items, want %d", len(got), len(want))
		}
		for i := range want {
			if !sameItem(got[i], want[i]) {
				t.Errorf("List[%d] = %+v, want %+v", i, got[i], want[i])
			}
		}
		one, err := s.Get(ctx, "alice", want[1].ID)
		if err != nil || !sameItem(one, want[1]) {
			t.Fatalf("Get = %+v, %v; want %+v", one, err, want[1])
		}
	})

	t.Run("an empty list is empty, not an error", func(t *testing.T) {
		got, err := newStore(t).List(ctx, "nobody")
		if err != nil || len(got) != 0 {
			t.Fatalf("List = %v, %v; want empty", got, err)
		}
	})

	t.Run("owners are isolated", func(t *testing.T) {
		s := newStore(t)
		item := newItem(t, "alice's", base)
		if err := s.Create(ctx, "alice", item); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			err  error
		}{
			{"get", func() error { _, err := s.Get(ctx, "bob", item.ID); return err }()},
			{"update", func() error { _, err := s.Update(ctx, "bob", item.ID, Patch{Completed: &yes}, base); return err }()},
			{"delete", s.Delete(ctx, "bob", item.ID)},
		} {
			if !errors.Is(tc.err, ErrNotFound) {
				t.Errorf("bob's %s of alice's item = %v, want ErrNotFound", tc.name, tc.err)
			}
		}
		if got, _ := s.List(ctx, "bob"); len(got) != 0 {
			t.Errorf("bob lists %v", got)
		}
		if got, err := s.Get(ctx, "alice", item.ID); err != nil || !sameItem(got, item) {
			t.Errorf("alice's item changed: %+v, %v", got, err)
		}
	})

	t.Run("update applies only the given fields", func(t *testing.T) {
		s := newStore(t)
		item := newItem(t, "before", base)
		if err := s.Create(ctx, "alice", item); err != nil {
			t.Fatal(err)
		}
		later := base.Add(time.Minute)
		for _, tc := range []struct {
			name  string
			patch Patch
			want  Item
		}{
			{"complete", Patch{Completed: &yes}, Item{ID: item.ID, Title: "before", Completed: true, CreatedAt: base, UpdatedAt: later}},
			{"rename", Patch{Title: ptr("after")}, Item{ID: item.ID, Title: "after", Completed: true, CreatedAt: base, UpdatedAt: later}},
		} {
			got, err := s.Update(ctx, "alice", item.ID, tc.patch, later)
			if err != nil || !sameItem(got, tc.want) {
				t.Errorf("%s: Update = %+v, %v; want %+v", tc.name, got, err, tc.want)
			}
			stored, _ := s.Get(ctx, "alice", item.ID)
			if !sameItem(stored, tc.want) {
				t.Errorf("%s: stored %+v, want %+v", tc.name, stored, tc.want)
			}
		}
	})

	t.Run("missing items", func(t *testing.T) {
		s := newStore(t)
		id := newItem(t, "x", base).ID
		if _, err := s.Get(ctx, "alice", id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get = %v", err)
		}
		if _, err := s.Update(ctx, "alice", id, Patch{Completed: &yes}, base); !errors.Is(err, ErrNotFound) {
			t.Errorf("Update = %v", err)
		}
		if err := s.Delete(ctx, "alice", id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Delete = %v", err)
		}
	})

	t.Run("create twice and delete", func(t *testing.T) {
		s := newStore(t)
		item := newItem(t, "once", base)
		if err := s.Create(ctx, "alice", item); err != nil {
			t.Fatal(err)
		}
		if err := s.Create(ctx, "alice", item); !errors.Is(err, ErrExists) {
			t.Fatalf("second Create = %v, want ErrExists", err)
		}
		if err := s.Delete(ctx, "alice", item.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "alice", item.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second Delete = %v, want ErrNotFound", err)
		}
		if got, _ := s.List(ctx, "alice"); len(got) != 0 {
			t.Fatalf("List after delete = %v", got)
		}
	})
}

func sameItem(a, b Item) bool {
	return a.ID == b.ID && a.Title == b.Title && a.Completed == b.Completed &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func TestMemoryStore(t *testing.T) {
	testStore(t, func(*testing.T) Store { return NewMemoryStore() })
}
