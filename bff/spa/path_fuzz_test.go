package spa

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var staticSeeds = []string{
	"/", "/index.html", "/assets/app-3f9a1c2b.js", "/../outside/secret.txt", "/..%2foutside/secret.txt",
	"/%2e%2e/outside/secret.txt", "/assets/../../outside/secret.txt", "/..\\outside\\secret.txt", "/.env",
	"/assets/.env", "/link.txt", "/\u2024\u2024/outside/secret.txt", "/\uff0e\uff0e/outside/secret.txt",
	"/%c0%ae%c0%ae/outside/secret.txt", "//outside/secret.txt", "/assets/app-3f9a1c2b.js\x00.html", "/todos/42",
}

// FuzzCleanName: an accepted name is a valid path inside the root with no
// dot file or dot segment anywhere.
func FuzzCleanName(f *testing.F) {
	for _, s := range staticSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		name, ok := cleanName(p)
		if !ok {
			return
		}
		if name != "" && !fs.ValidPath(name) {
			t.Fatalf("cleanName(%q) = %q, not a valid path", p, name)
		}
		if strings.ContainsAny(name, "\\\x00") || strings.HasPrefix(name, "/") {
			t.Fatalf("cleanName(%q) = %q", p, name)
		}
		for _, seg := range strings.Split(name, "/") {
			if strings.HasPrefix(seg, ".") {
				t.Fatalf("cleanName(%q) = %q: dot segment or dot file", p, name)
			}
		}
	})
}

// FuzzServeStatic requests arbitrary paths (raw and decoded once, as the
// server does) from a directory that sits beside a secret and holds a dot
// file and a symlink out: neither secret ever comes back.
func FuzzServeStatic(f *testing.F) {
	for _, s := range staticSeeds {
		f.Add(s, "text/html")
	}
	parent := f.TempDir()
	dir := filepath.Join(parent, "dist")
	files := map[string]string{
		"dist/index.html":             "<html>index</html>",
		"dist/assets/app-3f9a1c2b.js": "console.log(1)",
		"dist/.env":                   "DOTFILE-SECRET",
		"outside/secret.txt":          "OUTSIDE-SECRET",
	}
	for name, body := range files {
		p := filepath.Join(parent, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(parent, "outside", "secret.txt"), filepath.Join(dir, "link.txt")); err != nil {
		f.Fatal(err)
	}
	h, err := New(dir)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = h.Close() })
	f.Fuzz(func(t *testing.T, rawPath, accept string) {
		paths := []string{rawPath}
		if dec, err := url.PathUnescape(rawPath); err == nil {
			paths = append(paths, dec)
		}
		for _, p := range paths {
			req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: p}, Header: http.Header{"Accept": {accept}}}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			body := w.Body.String()
			if strings.Contains(body, "SECRET") {
				t.Fatalf("path %q served %q", p, body)
			}
		}
	})
}
