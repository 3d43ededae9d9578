package artifacts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Cache-Control values for uploaded SPA files.
const (
	CacheImmutable = "public, max-age=31536000, immutable"
	// CacheRevalidate makes browsers and CloudFront revalidate every time, so
	// a deploy is visible at once while unchanged files still answer 304.
	CacheRevalidate = "no-cache"
)

// Asset is one file of the built SPA with the metadata it is served with.
type Asset struct {
	Key          string // object key, slash-separated, relative to the dist root
	Path         string // file on disk
	ContentType  string
	CacheControl string
	SHA256       string // hex digest of the contents
	Size         int64
}

// contentTypes is fixed here rather than read from mime.TypeByExtension,
// which consults the host's /etc/mime.types: two machines would upload the
// same file with different types and the stack would never converge.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".txt":         "text/plain; charset=utf-8",
	".xml":         "application/xml",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/x-icon",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".ttf":         "font/ttf",
	".otf":         "font/otf",
	".wasm":        "application/wasm",
	".pdf":         "application/pdf",
}

// ContentType returns the type a file is served with, by extension.
func ContentType(name string) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}

// hashSegment finds the content hash Vite puts in file names under assets/
// (index-BdQq_4o_.js, logo.3f2a9c1d.svg, vendor-a1b2c3d4.js.map).
var hashSegment = regexp.MustCompile(`[-.]([A-Za-z0-9_-]{8,})(\.[A-Za-z0-9]+)+$`)

// looksHashed refuses plain words such as "-component.js": a hash segment
// must hold a digit, a capital or an underscore. A real hash that happens to
// be all lower-case letters is then served revalidated, which is only slower.
func looksHashed(name string) bool {
	m := hashSegment.FindStringSubmatch(name)
	return m != nil && strings.ContainsAny(m[1], "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_")
}

// CacheControl returns the Cache-Control for a key: immutable only for
// content-hashed files under assets/, whose name changes with their bytes;
// everything else (index.html, favicon, robots.txt) is revalidated.
func CacheControl(key string) string {
	if strings.HasPrefix(key, "assets/") && looksHashed(path.Base(key)) {
		return CacheImmutable
	}
	return CacheRevalidate
}

// Manifest lists the files of a built SPA in key order. Precompressed
// siblings (.br, .gz) are left out: CloudFront compresses on its own and
// would serve them under the wrong type.
func Manifest(distDir string) ([]Asset, error) {
	if _, err := os.Stat(filepath.Join(distDir, "index.html")); err != nil {
		return nil, fmt.Errorf("artifacts: %s is not a built SPA (no index.html): %w", distDir, err)
	}
	var assets []Asset
	err := filepath.WalkDir(distDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(distDir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if ext := path.Ext(key); ext == ".br" || ext == ".gz" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		assets = append(assets, Asset{
			Key:          key,
			Path:         p,
			ContentType:  ContentType(key),
			CacheControl: CacheControl(key),
			SHA256:       hex.EncodeToString(sum[:]),
			Size:         int64(len(data)),
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("artifacts: listing %s: %w", distDir, err)
	}
	sort.Slice(assets, func(i, j int) bool { return assets[i].Key < assets[j].Key })
	return assets, nil
}
