package proxy

import (
	"net/http"
	"net/url"
	"testing"
)

func TestRouteLocation(t *testing.T) {
	up, _ := url.Parse("http://todo.internal:9000/v1")
	rt := Route{Name: "todos", Upstream: up}
	target, _ := url.Parse("http://todo.internal:9000/v1/items")
	for ref, want := range map[string]string{
		"/v1/items/7":       "/api/todos/items/7",
		"items/7?view=full": "/api/todos/items/7?view=full",
		"http://todo.internal:9000/v1/items/7#top": "/api/todos/items/7",
		"HTTP://TODO.INTERNAL:9000/v1":             "/api/todos",
		"/v1":                                      "/api/todos",
		"/v10/items":                               "",
		"/admin":                                   "",
		"../admin":                                 "",
		"/v1/..;/admin":                            "",
		"/v1/%2e%2e%3b/admin":                      "",
		"https://todo.internal:9000/v1/items":      "",
		"http://other.internal/v1/items":           "",
		"//evil.example/v1/items":                  "",
		"http://user:pw@todo.internal:9000/v1/x":   "",
		"javascript:alert(1)":                      "",
		"http://[::1":                              "",
	} {
		if got := routeLocation(ref, target, rt); got != want {
			t.Errorf("routeLocation(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestCheckResponse(t *testing.T) {
	up, _ := url.Parse("http://todo.internal/v1")
	rt := Route{Name: "todos", Upstream: up}
	target, _ := url.Parse("http://todo.internal/v1/items")
	for _, tc := range []struct {
		status    int
		location  string
		refused   bool
		wantLoc   string
		challenge bool
	}{
		{http.StatusFound, "/v1/elsewhere", true, "", false},
		{http.StatusSeeOther, "/v1/x", true, "", false},
		{http.StatusPermanentRedirect, "https://evil.example/", true, "", false},
		{http.StatusMovedPermanently, "", true, "", false},
		{http.StatusTemporaryRedirect, "/v1/x", true, "", false},
		{http.StatusNotModified, "", false, "", false},
		{http.StatusMultipleChoices, "https://evil.example/", false, "", false},
		{http.StatusCreated, "/v1/items/7", false, "/api/todos/items/7", false},
		{http.StatusCreated, "http://169.254.169.254/latest", false, "", false},
		{http.StatusUnauthorized, "", false, "", true},
	} {
		h := http.Header{}
		if tc.location != "" {
			h.Set("Location", tc.location)
		}
		if tc.challenge {
			h.Set("WWW-Authenticate", `Basic realm="corp"`)
			h.Set("Proxy-Authenticate", `Basic realm="proxy"`)
		}
		err := checkResponse(&http.Response{StatusCode: tc.status, Header: h}, rt, target)
		if (err != nil) != tc.refused {
			t.Errorf("%d: err = %v, want refused %v", tc.status, err, tc.refused)
		}
		if !tc.refused && h.Get("Location") != tc.wantLoc {
			t.Errorf("%d %q: Location = %q, want %q", tc.status, tc.location, h.Get("Location"), tc.wantLoc)
		}
		if h.Get("WWW-Authenticate") != "" || h.Get("Proxy-Authenticate") != "" {
			t.Errorf("%d: a challenge passed", tc.status)
		}
	}
}
