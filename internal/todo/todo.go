// Package todo is the sample downstream API behind the BFF: a per-user ToDo
// list. It trusts nothing from the BFF but the bearer token, which it verifies
// itself, and it keys every item by the token's subject so one user can never
// see or change another's items.
package todo

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxTitleLength is the longest title accepted, in characters.
const MaxTitleLength = 200

// MaxItemsPerOwner bounds how many items one user can keep.
const MaxItemsPerOwner = 500

var (
	// ErrNotFound means the owner has no item with that id. Another owner's
	// item is reported the same way, so ids reveal nothing across users.
	ErrNotFound = errors.New("todo: item not found")
	// ErrExists means an item with that id already exists for the owner.
	ErrExists = errors.New("todo: item already exists")
	// ErrInvalid wraps every validation failure of caller input.
	ErrInvalid = errors.New("todo: invalid input")
)

// Item is one ToDo entry.
type Item struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Completed bool      `json:"completed"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Patch changes some fields of an item; nil fields stay as they are.
type Patch struct {
	Title     *string `json:"title,omitempty"`
	Completed *bool   `json:"completed,omitempty"`
}

// Apply returns item with the patch applied at time now.
func (p Patch) Apply(item Item, now time.Time) Item {
	if p.Title != nil {
		item.Title = *p.Title
	}
	if p.Completed != nil {
		item.Completed = *p.Completed
	}
	item.UpdatedAt = now
	return item
}

// Validate checks and normalises the patch: titles are trimmed.
func (p *Patch) Validate() error {
	if p.Title == nil && p.Completed == nil {
		return fmt.Errorf("%w: give at least one of title or completed", ErrInvalid)
	}
	if p.Title != nil {
		title, err := NormalizeTitle(*p.Title)
		if err != nil {
			return err
		}
		p.Title = &title
	}
	return nil
}

// NormalizeTitle trims a title and rejects empty, overlong or control-character titles.
func NormalizeTitle(title string) (string, error) {
	title = strings.TrimSpace(title)
	switch {
	case title == "":
		return "", fmt.Errorf("%w: title must not be empty", ErrInvalid)
	case !utf8.ValidString(title):
		return "", fmt.Errorf("%w: title must be valid UTF-8", ErrInvalid)
	case utf8.RuneCountInString(title) > MaxTitleLength:
		return "", fmt.Errorf("%w: title must be at most %d characters", ErrInvalid, MaxTitleLength)
	case strings.IndexFunc(title, unicode.IsControl) >= 0:
		return "", fmt.Errorf("%w: title must not contain control characters", ErrInvalid)
	}
	return title, nil
}

// NewID returns a 32-hex-character id that sorts by creation time: 48 bits
// of Unix milliseconds, then 80 random bits. Sorting by id lists items in the
// order they were added, in memory and in DynamoDB (id is the sort key).
func NewID(now time.Time) (string, error) {
	var b [16]byte
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(b[:6], ms[2:])
	if _, err := rand.Read(b[6:]); err != nil {
		return "", fmt.Errorf("todo: new id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// ValidID reports whether id has the shape NewID produces; other ids cannot exist.
func ValidID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Store keeps items per owner (the token's `sub`). Implementations must be
// safe for concurrent use and pass the shared suite in store_test.go.
type Store interface {
	// List returns the owner's items ordered by id (creation order).
	List(ctx context.Context, owner string) ([]Item, error)
	// Get returns one of the owner's items or ErrNotFound.
	Get(ctx context.Context, owner, id string) (Item, error)
	// Create stores a new item; ErrExists if the owner already has that id.
	Create(ctx context.Context, owner string, item Item) error
	// Update applies patch to one of the owner's items and returns the
	// result, or ErrNotFound.
	Update(ctx context.Context, owner, id string, patch Patch, now time.Time) (Item, error)
	// Delete removes one of the owner's items, or returns ErrNotFound.
	Delete(ctx context.Context, owner, id string) error
}
