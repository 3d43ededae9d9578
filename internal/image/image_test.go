package image

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// fixture writes a fake binary, a small SPA and a CA bundle; Build only copies
// them, so their content does not matter here.
func fixture(t *testing.T) Options {
	t.Helper()
	dir := t.TempDir()
	write := func(rel, content string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return Options{
		BinaryFile: write("bff", "\x7fELF fake"),
		SPADir:     filepath.Dir(write("spa/index.html", "<!doctype html><title>x</title>")),
		CARoots:    write("roots.pem", "-----BEGIN CERTIFICATE-----\n"),
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	base := fixture(t)
	if err := os.WriteFile(filepath.Join(base.SPADir, "assets-app.js"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	first, err := Build(base)
	if err != nil {
		t.Fatal(err)
	}
	// Touching files and changing their modes must not change the digest.
	past := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range []string{base.BinaryFile, filepath.Join(base.SPADir, "index.html")} {
		if err := os.Chtimes(p, past, past); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, 0o640); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name   string
		mutate func(*Options)
		same   bool
	}{
		{name: "same inputs", mutate: func(*Options) {}, same: true},
		{name: "other arch", mutate: func(o *Options) { o.Arch = "amd64" }, same: false},
		{name: "other timestamp", mutate: func(o *Options) { o.Created = past }, same: false},
		{name: "extra env", mutate: func(o *Options) { o.Env = map[string]string{"A": "b"} }, same: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := base
			tc.mutate(&opts)
			again, err := Build(opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := again.Digest == first.Digest; got != tc.same {
				t.Fatalf("digest equal = %v, want %v (%s vs %s)", got, tc.same, again.Digest, first.Digest)
			}
		})
	}
}

func TestSourceDateEpoch(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	img, err := Build(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.Image.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Unix(1700000000, 0).UTC(); !cfg.Created.Time.Equal(want) {
		t.Fatalf("created = %s, want %s", cfg.Created.Time, want)
	}
}

func TestConfigRunsAsNonRootOnArm64(t *testing.T) {
	img, err := Build(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.Image.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	env := strings.Join(cfg.Config.Env, "\n")
	checks := []struct {
		name string
		ok   bool
	}{
		{"user is 65532:65532", cfg.Config.User == "65532:65532"},
		{"entrypoint is /bff", len(cfg.Config.Entrypoint) == 1 && cfg.Config.Entrypoint[0] == "/bff"},
		{"platform linux/arm64", cfg.OS == "linux" && cfg.Architecture == "arm64"},
		{"regional mode", strings.Contains(env, "GATEHOUSE_MODE=regional")},
		{"spa dir", strings.Contains(env, "GATEHOUSE_SPA_DIR=/srv/spa")},
		{"created is epoch", cfg.Created.Time.Equal(time.Unix(0, 0))},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: config %+v", c.name, cfg.Config)
		}
	}
}

func TestLayersHaveFixedOwnersModesAndTimes(t *testing.T) {
	img, err := Build(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	headers := map[string]*tar.Header{}
	tr := tar.NewReader(mutate.Extract(img.Image))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		headers[strings.TrimSuffix(hdr.Name, "/")] = hdr
		if hdr.Uid != 0 || hdr.Gid != 0 || !hdr.ModTime.Equal(time.Unix(0, 0)) {
			t.Errorf("%s: uid=%d gid=%d mtime=%s, want root and epoch", hdr.Name, hdr.Uid, hdr.Gid, hdr.ModTime)
		}
	}
	tests := []struct {
		path string
		mode int64
	}{
		{"bff", 0o755},
		{"etc/passwd", 0o644},
		{"etc/group", 0o644},
		{"etc/ssl/certs/ca-certificates.crt", 0o644},
		{"srv/spa/index.html", 0o644},
		{"srv/spa", 0o755},
		{"tmp", 0o1777},
	}
	for _, tc := range tests {
		hdr, ok := headers[tc.path]
		if !ok {
			t.Errorf("%s missing from image", tc.path)
			continue
		}
		if hdr.Mode != tc.mode {
			t.Errorf("%s mode = %o, want %o", tc.path, hdr.Mode, tc.mode)
		}
	}
}

func TestPasswdHasNonRootUser(t *testing.T) {
	if !strings.Contains(string(passwdFile()), "nonroot:x:65532:65532:") {
		t.Fatalf("passwd: %s", passwdFile())
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	opts := Options{Arch: "s390x", CARoots: "/nonexistent", Env: map[string]string{"A=B": "c"}}
	_, err := Build(opts)
	if err == nil {
		t.Fatal("Build accepted empty options")
	}
	for _, want := range []string{"BinaryFile is required", "SPADir is required", "CARoots", `Arch "s390x"`, `Env key "A=B"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestTagAndPinnedRef(t *testing.T) {
	h := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}
	if got, want := Tag(h), "sha256-"+h.Hex; got != want {
		t.Errorf("Tag = %s, want %s", got, want)
	}
	if got, want := PinnedRef("r.example/x", h), "r.example/x@sha256:"+h.Hex; got != want {
		t.Errorf("PinnedRef = %s, want %s", got, want)
	}
}
