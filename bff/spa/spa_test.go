package spa

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSPA(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	files := map[string]string{
		"index.html":                "<html>index</html>",
		"assets/app-3f9a1c2b.js":    "console.log(1)",
		"assets/app-3f9a1c2b.js.br": "BR",
		"favicon.ico":               "ico",
		".env":                      "SECRET=1",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("outside"), 0o644)
	_ = os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "link.txt"))
	h, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	cases := []struct {
		name, method, path, accept, encoding string
		want                                 int
		body, cache, ctype, contentEncoding  string
	}{
		{name: "root", method: "GET", path: "/", accept: "text/html", want: 200, body: "index", cache: "no-cache", ctype: "text/html"},
		{name: "hashed asset", method: "GET", path: "/assets/app-3f9a1c2b.js", want: 200, body: "console", cache: "immutable", ctype: "javascript"},
		{name: "precompressed", method: "GET", path: "/assets/app-3f9a1c2b.js", encoding: "gzip, br", want: 200, body: "BR", contentEncoding: "br", ctype: "javascript"},
		{name: "plain file", method: "GET", path: "/favicon.ico", want: 200, cache: "no-cache"},
		{name: "client route navigation", method: "GET", path: "/todos/42", accept: "text/html,application/xhtml+xml", want: 200, body: "index", cache: "no-cache"},
		{name: "client route fetch", method: "GET", path: "/todos/42", accept: "application/json", want: 404},
		{name: "missing asset", method: "GET", path: "/assets/missing.js", accept: "text/html", want: 404},
		{name: "traversal", method: "GET", path: "/../../etc/passwd", accept: "text/html", want: 200, body: "index"},
		{name: "encoded traversal", method: "GET", path: "/assets/..%2f..%2fetc/passwd", want: 404},
		{name: "dot file", method: "GET", path: "/.env", want: 404},
		{name: "symlink out", method: "GET", path: "/link.txt", want: 404},
		{name: "backslash", method: "GET", path: "/assets\\app.js", want: 404},
		{name: "post", method: "POST", path: "/", want: 405},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "/", nil)
			req.URL.Path = tc.path
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			if tc.encoding != "" {
				req.Header.Set("Accept-Encoding", tc.encoding)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("status = %d, want %d", rec.Code, tc.want)
			}
			if strings.Contains(rec.Body.String(), "outside") || strings.Contains(rec.Body.String(), "SECRET") || strings.Contains(rec.Body.String(), "root:") {
				t.Fatal("served a file outside the SPA")
			}
			if tc.body != "" && !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("body = %q, want %q", rec.Body, tc.body)
			}
			if tc.cache != "" && !strings.Contains(rec.Header().Get("Cache-Control"), tc.cache) {
				t.Errorf("Cache-Control = %q, want %q", rec.Header().Get("Cache-Control"), tc.cache)
			}
			if tc.ctype != "" && !strings.Contains(rec.Header().Get("Content-Type"), tc.ctype) {
				t.Errorf("Content-Type = %q, want %q", rec.Header().Get("Content-Type"), tc.ctype)
			}
			if rec.Header().Get("Content-Encoding") != tc.contentEncoding {
				t.Errorf("Content-Encoding = %q, want %q", rec.Header().Get("Content-Encoding"), tc.contentEncoding)
			}
		})
	}
}
