package artifacts

import (
	"testing"
)

func TestManifestOfFixtureDist(t *testing.T) {
	assets, err := Manifest("testdata/dist")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ key, contentType, cacheControl string }{
		{"assets/index-BdQq_4o_.js", "text/javascript; charset=utf-8", CacheImmutable},
		{"assets/index-Ck3x9aZ1.css", "text/css; charset=utf-8", CacheImmutable},
		{"favicon.svg", "image/svg+xml", CacheRevalidate},
		{"index.html", "text/html; charset=utf-8", CacheRevalidate},
		{"robots.txt", "text/plain; charset=utf-8", CacheRevalidate},
	}
	if len(assets) != len(want) {
		t.Fatalf("got %d assets, want %d: %+v", len(assets), len(want), assets)
	}
	for i, w := range want {
		a := assets[i]
		if a.Key != w.key || a.ContentType != w.contentType || a.CacheControl != w.cacheControl {
			t.Errorf("asset %d = {%q %q %q}, want {%q %q %q}", i, a.Key, a.ContentType, a.CacheControl, w.key, w.contentType, w.cacheControl)
		}
		if len(a.SHA256) != 64 || a.Size == 0 {
			t.Errorf("asset %q: sha256 %q, size %d", a.Key, a.SHA256, a.Size)
		}
	}
}

func TestCacheControl(t *testing.T) {
	cases := []struct {
		key  string
		want string
	}{
		{"index.html", CacheRevalidate},
		{"assets/index-BdQq_4o_.js", CacheImmutable},
		{"assets/logo.3f2a9c1d.svg", CacheImmutable},
		{"assets/vendor-a1b2c3d4e5.js.map", CacheImmutable},
		{"assets/logo.svg", CacheRevalidate},
		{"assets/my-app.js", CacheRevalidate},
		{"assets/my-component.js", CacheRevalidate},
		{"index-BdQq_4o_.js", CacheRevalidate},
		{"favicon.ico", CacheRevalidate},
	}
	for _, c := range cases {
		if got := CacheControl(c.key); got != c.want {
			t.Errorf("CacheControl(%q) = %q, want %q", c.key, got, c.want)
		}
	}
}

func TestContentType(t *testing.T) {
	cases := []struct{ name, want string }{
		{"index.html", "text/html; charset=utf-8"},
		{"a/B.JS", "text/javascript; charset=utf-8"},
		{"x.woff2", "font/woff2"},
		{"manifest.webmanifest", "application/manifest+json"},
		{"blob", "application/octet-stream"},
		{"data.bin", "application/octet-stream"},
	}
	for _, c := range cases {
		if got := ContentType(c.name); got != c.want {
			t.Errorf("ContentType(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestManifestRefusesUnbuiltDir(t *testing.T) {
	if _, err := Manifest(t.TempDir()); err == nil {
		t.Fatal("Manifest of a directory without index.html succeeded")
	}
}
