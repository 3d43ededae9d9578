// Package spa serves the single-page application's static files in the
// container and local modes: index fallback for HTML navigations only,
// immutable caching for hashed assets, precompressed variants, and no way
// out of the directory.
package spa

import (
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"regexp"
	"strings"
)

// Handler serves files under one directory.
type Handler struct {
	root *os.Root
}

// New opens dir; os.Root refuses any path (or symlink) that leaves it.
func New(dir string) (*Handler, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("spa: open %s: %w", dir, err)
	}
	if _, err := root.Stat("index.html"); err != nil {
		root.Close()
		return nil, fmt.Errorf("spa: %s has no index.html: %w", dir, err)
	}
	return &Handler{root: root}, nil
}

// Close releases the directory.
func (h *Handler) Close() error { return h.root.Close() }

// hashedAsset matches bundler output such as app-3f9a1c2b.js or index.B7x_9kQz.css.
var hashedAsset = regexp.MustCompile(`[.-][A-Za-z0-9_-]{8,}\.[a-z0-9]+$`)

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name, ok := cleanName(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if name == "" || name == "index.html" {
		h.serveIndex(w, r)
		return
	}
	if h.serveFile(w, r, name) {
		return
	}
	if isNavigation(r) && path.Ext(name) == "" {
		h.serveIndex(w, r)
		return
	}
	http.NotFound(w, r)
}

// cleanName maps a URL path to a name inside the root, refusing dot files
// and anything that would climb out.
func cleanName(p string) (string, bool) {
	if strings.ContainsAny(p, "\\\x00") {
		return "", false
	}
	clean := strings.TrimPrefix(path.Clean("/"+p), "/")
	for _, seg := range strings.Split(clean, "/") {
		if strings.HasPrefix(seg, ".") {
			return "", false
		}
	}
	return clean, fs.ValidPath(clean) || clean == ""
}

func isNavigation(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html")
}

func (h *Handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	if !h.serveFile(w, r, "index.html") {
		http.NotFound(w, r)
	}
}

// serveFile serves name (or a precompressed variant); false if it is not a regular file.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, name string) bool {
	info, err := h.root.Stat(name)
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	hdr := w.Header()
	hdr.Set("Content-Type", ctype)
	hdr.Add("Vary", "Accept-Encoding")
	if hdr.Get("Cache-Control") == "" {
		if hashedAsset.MatchString(name) {
			hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			hdr.Set("Cache-Control", "no-cache")
		}
	}
	served := name
	accept := r.Header.Get("Accept-Encoding")
	for _, enc := range []struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
		if !strings.Contains(accept, enc.token) {
			continue
		}
		if ci, err := h.root.Stat(name + enc.ext); err == nil && ci.Mode().IsRegular() {
			served, info = name+enc.ext, ci
			hdr.Set("Content-Encoding", enc.token)
			break
		}
	}
	f, err := h.root.Open(served)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false
		}
		http.Error(w, "unavailable", http.StatusInternalServerError)
		return true
	}
	defer f.Close()
	http.ServeContent(w, r, name, info.ModTime(), f)
	return true
}
