package artifacts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// SPABuild says where the SPA sources are and how to build them.
type SPABuild struct {
	// Dir is the frontend project (package.json, index.html, src/). Required.
	Dir string
	// DistDir is the build output. Defaults to <Dir>/dist.
	DistDir string
	// Inputs are the paths, relative to Dir, whose changes make the output
	// stale. Defaults to src, public, index.html, package.json,
	// package-lock.json, tsconfig*.json and vite.config.*.
	Inputs []string
	// Npm is the npm command. Defaults to "npm" on PATH.
	Npm string
}

var defaultSPAInputs = []string{"src", "public", "index.html", "package.json", "package-lock.json", "tsconfig.json", "tsconfig.app.json", "tsconfig.node.json", "vite.config.ts", "vite.config.js", "vite.config.mts"}

// Defaults returns b with every empty field filled in.
func (b SPABuild) Defaults() SPABuild {
	if b.DistDir == "" && b.Dir != "" {
		b.DistDir = filepath.Join(b.Dir, "dist")
	}
	if b.Inputs == nil {
		b.Inputs = defaultSPAInputs
	}
	if b.Npm == "" {
		b.Npm = "npm"
	}
	return b
}

// Validate reports every problem with b at once.
func (b SPABuild) Validate() error {
	var errs []error
	if b.Dir == "" {
		errs = append(errs, errors.New("the frontend directory is required"))
	} else if _, err := os.Stat(filepath.Join(b.Dir, "package.json")); err != nil {
		errs = append(errs, fmt.Errorf("%s has no package.json; is this the frontend project?", b.Dir))
	}
	if len(errs) > 0 {
		return fmt.Errorf("artifacts: spa build: %w", errors.Join(errs...))
	}
	return nil
}

// EnsureSPA builds the SPA when its output is missing or older than any of
// its inputs, and returns the output directory. It runs `npm ci` first when
// node_modules is missing, so a clean checkout builds with no extra step.
func EnsureSPA(ctx context.Context, b SPABuild) (string, error) {
	b = b.Defaults()
	if err := b.Validate(); err != nil {
		return "", err
	}
	stale, err := SPAStale(b)
	if err != nil || !stale {
		return b.DistDir, err
	}
	unlock, err := lockDir(ctx, b.Dir)
	if err != nil {
		return "", err
	}
	defer unlock()
	// Another process may have built it while this one waited.
	if stale, err = SPAStale(b); err != nil || !stale {
		return b.DistDir, err
	}
	npm, err := exec.LookPath(b.Npm)
	if err == nil {
		_, err = exec.LookPath("node")
	}
	if err != nil {
		return "", fmt.Errorf("artifacts: the SPA in %s must be built and Node.js is not installed: install Node.js 20 or newer (with npm) and run again: %w", b.Dir, err)
	}
	if _, err := os.Stat(filepath.Join(b.Dir, "node_modules")); errors.Is(err, fs.ErrNotExist) {
		if err := run(ctx, b.Dir, npm, "ci", "--no-audit", "--no-fund"); err != nil {
			return "", err
		}
	}
	if err := run(ctx, b.Dir, npm, "run", "build"); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(b.DistDir, "index.html")); err != nil {
		return "", fmt.Errorf("artifacts: `npm run build` in %s finished without writing %s", b.Dir, filepath.Join(b.DistDir, "index.html"))
	}
	return b.DistDir, nil
}

// SPAStale reports whether the output is missing or older than an input.
func SPAStale(b SPABuild) (bool, error) {
	b = b.Defaults()
	built, err := os.Stat(filepath.Join(b.DistDir, "index.html"))
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	} else if err != nil {
		return false, fmt.Errorf("artifacts: %w", err)
	}
	newest, err := newestModTime(b.Dir, b.Inputs)
	if err != nil {
		return false, err
	}
	return newest.After(built.ModTime()), nil
}

func newestModTime(dir string, inputs []string) (time.Time, error) {
	var newest time.Time
	for _, in := range inputs {
		root := filepath.Join(dir, in)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) && path == root {
				return nil
			}
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			if info.ModTime().After(newest) {
				newest = info.ModTime()
			}
			return nil
		})
		if err != nil {
			return time.Time{}, fmt.Errorf("artifacts: reading SPA inputs: %w", err)
		}
	}
	return newest, nil
}

// lockDir serialises builds of one directory across processes (go test runs
// packages in parallel, and two previews may run at once). The lock lives in
// the temporary directory so an interrupted build leaves nothing in the
// checkout; a lock older than staleLockAge is taken over.
func lockDir(ctx context.Context, dir string) (func(), error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("artifacts: %w", err)
	}
	sum := sha256.Sum256([]byte(abs))
	path := filepath.Join(os.TempDir(), "gatehouse-build-"+hex.EncodeToString(sum[:8])+".lock")
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("artifacts: build lock %s: %w", path, err)
		}
		if info, err := os.Stat(path); err == nil && time.Since(info.ModTime()) > staleLockAge {
			os.Remove(path)
			continue
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("artifacts: waiting for another build of %s: %w", dir, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// staleLockAge is longer than any SPA build takes.
const staleLockAge = 10 * time.Minute

func run(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("artifacts: %s %v in %s: %w\n%s", filepath.Base(name), args, dir, err, out.Bytes())
	}
	return nil
}
