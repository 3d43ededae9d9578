package gobuild

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// build builds the testdata command with go -x through a wrapper that keeps
// go's trace of the commands it ran, and returns what the binary prints and
// whether the build ran the linker.
func build(t *testing.T, out string, flags ...string) (printed string, linked bool) {
	t.Helper()
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace")
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	wrapper := filepath.Join(dir, "go")
	script := "#!/bin/sh\nexec " + goTool + " \"$@\" 2>" + trace + "\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	err = Binary(context.Background(), Options{Dir: "testdata/hello", Package: ".", Out: out, Flags: append([]string{"-x"}, flags...), Go: wrapper})
	if err != nil {
		t.Fatal(err)
	}
	got, err := exec.Command(out).Output()
	if err != nil {
		t.Fatalf("run %s: %v", out, err)
	}
	tr, _ := os.ReadFile(trace)
	return strings.TrimSpace(string(got)), strings.Contains(string(tr), "/link ")
}

func TestBinaryLinksOncePerSource(t *testing.T) {
	// A flag value no earlier run used, so the first build must link.
	stamp := "-ldflags=-X main.greeting=hello-" + rand.Text()
	first := filepath.Join(t.TempDir(), "a", "hello")
	printed, linked := build(t, first, stamp)
	if !linked || !strings.HasPrefix(printed, "hello-") {
		t.Fatalf("first build: printed %q, linked %v; want the stamped greeting from a fresh link", printed, linked)
	}
	second := filepath.Join(t.TempDir(), "hello")
	printed2, linked := build(t, second, stamp)
	if linked || printed2 != printed {
		t.Fatalf("second build: printed %q, linked %v; want %q from the cache, no link", printed2, linked, printed)
	}
	if _, linked := build(t, filepath.Join(t.TempDir(), "hello"), "-ldflags=-X main.greeting=other-"+rand.Text()); !linked {
		t.Fatal("other flags reused the cached binary")
	}
}

func TestBinaryNamesEveryProblem(t *testing.T) {
	err := Binary(context.Background(), Options{Flags: []string{"-o", "x"}})
	for _, want := range []string{"Dir is required", "Package is required", "Out is required", "flag -o"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestBinaryReportsABuildFailure(t *testing.T) {
	err := Binary(context.Background(), Options{Dir: "testdata/hello", Package: "./nope", Out: filepath.Join(t.TempDir(), "x")})
	if err == nil || !strings.Contains(err.Error(), "./nope") {
		t.Fatalf("want an error naming the package, got %v", err)
	}
}
