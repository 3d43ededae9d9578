package bfftest

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const slogDebug = slog.LevelDebug

// Seen is one request as the upstream received it.
type Seen struct {
	Method        string
	Path          string
	Authorization string
	Cookie        string
	Forwarded     string
	CSRF          string
	Header        http.Header
}

// Upstream is a downstream API that records what reaches it.
type Upstream struct {
	URL  string
	mu   sync.Mutex
	seen []Seen
}

// StartUpstream serves /todos/*, /staff/* and /slow/* (which never answers
// before the caller gives up).
func StartUpstream(t testing.TB) *Upstream {
	u := &Upstream{}
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		u.mu.Lock()
		u.seen = append(u.seen, Seen{Method: r.Method, Path: r.URL.Path, Authorization: r.Header.Get("Authorization"),
			Cookie: r.Header.Get("Cookie"), Forwarded: r.Header.Get("X-Forwarded-For"), CSRF: r.Header.Get("X-Csrf"), Header: r.Header.Clone()})
		u.mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/slow") {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"path": r.URL.Path, "content": "Hello"})
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	u.URL = srv.URL
	return u
}

// Last returns the most recent request, or false.
func (u *Upstream) Last() (Seen, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.seen) == 0 {
		return Seen{}, false
	}
	return u.seen[len(u.seen)-1], true
}

// All returns every request so far.
func (u *Upstream) All() []Seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]Seen(nil), u.seen...)
}
