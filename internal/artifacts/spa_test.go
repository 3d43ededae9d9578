package artifacts

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// copyFixtureSPA copies testdata/spa to a temporary directory so builds
// never write into the source tree.
func copyFixtureSPA(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.WalkDir("testdata/spa", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/spa", p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func requireNode(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"node", "npm"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is required for the SPA build tests: install Node.js 20 or newer: %v", bin, err)
		}
	}
}

// setModTime moves a file's time explicitly: file systems with coarse
// timestamps would otherwise make "edited after the build" invisible.
func setModTime(t *testing.T, path string, mod time.Time) {
	t.Helper()
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatal(err)
	}
}

func TestEnsureSPABuildsOnlyWhenStale(t *testing.T) {
	requireNode(t)
	dir := copyFixtureSPA(t)
	ctx := context.Background()
	build := SPABuild{Dir: dir}
	clock := time.Now()
	later := func() time.Time { clock = clock.Add(time.Hour); return clock }

	steps := []struct {
		name        string
		before      func()
		wantRebuild bool
	}{
		{"first build of a clean checkout", func() {}, true},
		{"nothing changed", func() {}, false},
		{"a source file changed", func() {
			src := filepath.Join(dir, "src", "main.js")
			if err := os.WriteFile(src, []byte(`console.log("v2");`+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			setModTime(t, src, later())
		}, true},
		{"built after the change", func() {}, false},
	}
	var lastIndex time.Time
	for _, step := range steps {
		step.before()
		dist, err := EnsureSPA(ctx, build)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		info, err := os.Stat(filepath.Join(dist, "index.html"))
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if rebuilt := !info.ModTime().Equal(lastIndex); rebuilt != step.wantRebuild {
			t.Fatalf("%s: rebuilt = %v, want %v", step.name, rebuilt, step.wantRebuild)
		}
		if step.wantRebuild {
			// Date the output after every input so the next step sees it fresh.
			setModTime(t, filepath.Join(dist, "index.html"), later())
			info, _ = os.Stat(filepath.Join(dist, "index.html"))
		}
		lastIndex = info.ModTime()
	}

	assets, err := Manifest(filepath.Join(dir, "dist"))
	if err != nil {
		t.Fatal(err)
	}
	var hashed int
	for _, a := range assets {
		if a.CacheControl == CacheImmutable {
			hashed++
		}
	}
	if hashed == 0 {
		t.Fatalf("no immutable asset in %+v", assets)
	}
}

func TestEnsureSPABuildsOnceWhenCalledConcurrently(t *testing.T) {
	requireNode(t)
	dir := copyFixtureSPA(t)
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			_, err := EnsureSPA(context.Background(), SPABuild{Dir: dir})
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	log, err := os.ReadFile(filepath.Join(dir, "builds.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(log), "built"); n != 1 {
		t.Fatalf("the SPA was built %d times, want once", n)
	}
}

func TestEnsureSPAErrors(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(t *testing.T) SPABuild
		wantErr string
	}{
		{"node missing", func(t *testing.T) SPABuild {
			t.Setenv("PATH", t.TempDir())
			return SPABuild{Dir: copyFixtureSPA(t)}
		}, "install Node.js 20 or newer"},
		{"not a frontend project", func(t *testing.T) SPABuild {
			return SPABuild{Dir: t.TempDir()}
		}, "has no package.json"},
		{"no directory", func(t *testing.T) SPABuild {
			return SPABuild{}
		}, "frontend directory is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := EnsureSPA(context.Background(), c.setup(t))
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, c.wantErr)
			}
		})
	}
}
