package integration

import (
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// TestPathParametersAndControlBytes: a segment that some server behind a
// route reads as ".." (Tomcat, Jetty and Spring cut "..;" at the ';', IIS
// trims "..." and ".. ", C code stops at NUL, some frameworks decode twice
// or fold Unicode look-alikes) is refused before any upstream sees it, in
// every spelling. Plain segments, also with a literal '%', still pass.
func TestPathParametersAndControlBytes(t *testing.T) {
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit})
	b := loggedIn(t, s, "alice")
	refused := []string{
		"/api/todos/..;/admin", "/api/todos/..%3B/admin", "/api/todos/..%3b/admin", "/api/todos/..;jsessionid=0/admin",
		"/api/todos/items;v=1", "/api/todos/%3B", "/api/todos/..%253B/admin", "/api/todos/..%00/admin", "/api/todos/%00",
		"/api/todos/..%01/admin", "/api/todos/..%09/admin", "/api/todos/..%0D%0A/admin", "/api/todos/..%7F/admin",
		"/api/todos/..%20/admin", "/api/todos/.../admin", "/api/todos/%2e%2e%20/admin", "/api/todos/%252e%252e/admin",
		"/api/todos/%25252e%25252e/admin", "/api/todos/%c0%ae%c0%ae/admin", "/api/todos/%e2%80%a5/admin",
		"/api/todos/%ef%bc%8e%ef%bc%8e/admin", "/api/todos/a%ef%bc%8fb",
	}
	for _, path := range refused {
		t.Run(path, func(t *testing.T) {
			before := len(s.Upstream.All())
			res := api(t, b, s, http.MethodGet, path, "", nil)
			if res.Status != http.StatusBadRequest || res.ErrorCode() != "invalid_request" {
				t.Fatalf("%d %s, want 400 invalid_request", res.Status, res.Body)
			}
			if hits := s.Upstream.All()[before:]; len(hits) > 0 {
				t.Fatalf("reached the upstream as %q", hits[0].Path)
			}
		})
	}
	for path, want := range map[string]string{
		"/api/todos/items":           "/todos/items",
		"/api/todos/100%25%20done":   "/todos/100% done",
		"/api/todos/v1.2/file.tar":   "/todos/v1.2/file.tar",
		"/api/todos/caf%C3%A9/notes": "/todos/café/notes",
	} {
		t.Run("plain "+path, func(t *testing.T) {
			res := api(t, b, s, http.MethodGet, path, "", nil)
			if res.Status != http.StatusOK {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			if last, _ := s.Upstream.Last(); last.Path != want {
				t.Fatalf("upstream saw %q, want %q", last.Path, want)
			}
		})
	}
}
