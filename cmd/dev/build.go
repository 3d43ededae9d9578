package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gobuild"
)

// findRepoRoot walks up from dir to the directory holding this module's go.mod.
func findRepoRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		mod, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && bytes.Contains(mod, []byte("module github.com/gatehouse/gatehouse\n")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("dev: no gatehouse checkout above %s: run this from inside the repository", dir)
		}
	}
}

// runStep runs one build step, showing its output only when it fails.
func runStep(ctx context.Context, log io.Writer, dir, what, name string, args ...string) error {
	fmt.Fprintf(log, "dev: %s\n", what)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("dev: %s (%s %s in %s): %w\n%s", what, name, strings.Join(args, " "), dir, err, out.String())
	}
	return nil
}

// requireNodeModules checks that a package's npm dependencies are installed.
// Installing them is `make deps`'s job (.ci/deps), which `make dev` runs
// first; this says so to whoever runs the command directly.
func requireNodeModules(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err != nil {
		return fmt.Errorf("dev: the npm packages of %s are not installed: run `make dev`, which installs them first, or `make deps`", dir)
	}
	return nil
}

// buildSPA runs the frontend's production build (type check, then Vite)
// into dist.
func buildSPA(ctx context.Context, log io.Writer, root, dist string) (string, error) {
	dir := filepath.Join(root, "frontend")
	if err := requireNodeModules(dir); err != nil {
		return "", err
	}
	if err := runStep(ctx, log, dir, "building the SPA", "npm", "run", "--silent", "build", "--", "--outDir", dist, "--emptyOutDir"); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dist, "index.html")); err != nil {
		return "", fmt.Errorf("dev: the SPA build left no %s: %w", filepath.Join(dist, "index.html"), err)
	}
	return dist, nil
}

// buildBinary puts one of the module's commands into binDir, linking it only
// when its sources changed since the last start (Go's build cache keeps it).
func buildBinary(ctx context.Context, log io.Writer, root, binDir, pkg string) (string, error) {
	fmt.Fprintf(log, "dev: building %s\n", pkg)
	out := filepath.Join(binDir, filepath.Base(pkg))
	// A running stack may still hold the previous binary open; replace it, never overwrite it.
	if err := os.Remove(out); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("dev: %w", err)
	}
	if err := gobuild.Binary(ctx, gobuild.Options{Dir: root, Package: pkg, Out: out}); err != nil {
		return "", fmt.Errorf("dev: building %s: %w", pkg, err)
	}
	return out, nil
}

// ensureDataKey creates the local session data key (32 random bytes, owner
// read/write only) once, and keeps it across runs so that a restart of the
// stack does not need a fresh key. Its directory is gitignored.
func ensureDataKey(path string) error {
	info, err := os.Stat(path)
	switch {
	case err == nil:
		if info.Mode().Perm()&0o077 != 0 {
			return fmt.Errorf("dev: %s is readable beyond its owner: run `chmod 600 %s` or delete it to get a new one", path, path)
		}
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("dev: data key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("dev: data key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("dev: data key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("dev: data key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return fmt.Errorf("dev: data key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("dev: data key: %w", err)
	}
	return nil
}
