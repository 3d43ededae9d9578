// Package pulumicli provides the Pulumi CLI that Gatehouse's Automation API code and tests run
// against. The CLI is built from the pinned github.com/pulumi/pulumi/pkg/v3 module declared in
// internal/tools (a separate module, so the CLI's large dependency graph stays out of Gatehouse's
// own go.mod), once per tools go.sum, and cached under the user cache directory.
package pulumicli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Version is the CLI version the tools module pins; it is stamped into the binary so that the
// Automation API's minimum-version check sees the real version instead of a development build.
const Version = "v3.259.0"

// EnvOverride names an environment variable that points at an existing CLI binary of Version,
// for machines that already have one and should not build it.
const EnvOverride = "GATEHOUSE_PULUMI_CLI"

const (
	toolsRel   = "internal/tools"
	cliPackage = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
	versionVar = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
)

// Path returns the path of a Pulumi CLI binary of Version. It is laid out as <root>/bin/pulumi so
// that auto.NewPulumiCommand can use <root> directly. The first call on a machine builds it
// (several minutes cold); later calls, from any process, reuse the cached binary.
func Path(ctx context.Context) (string, error) { return Ensure(ctx, io.Discard) }

// Ensure is Path that says on progress what it builds, and how long that took, when it has to
// build: `make deps` runs it, so that minutes of silence on a fresh machine are explained.
func Ensure(ctx context.Context, progress io.Writer) (string, error) {
	if override := os.Getenv(EnvOverride); override != "" {
		if err := checkVersion(ctx, override); err != nil {
			return "", fmt.Errorf("pulumicli: %s=%s: %w", EnvOverride, override, err)
		}
		return override, nil
	}
	toolsDir, err := findToolsDir()
	if err != nil {
		return "", err
	}
	key, err := toolsKey(toolsDir)
	if err != nil {
		return "", err
	}
	cacheRoot, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("pulumicli: no user cache directory (set XDG_CACHE_HOME or HOME): %w", err)
	}
	dir := filepath.Join(cacheRoot, "gatehouse", "pulumi-"+Version, key)
	return ensureBuilt(ctx, toolsDir, dir, progress)
}

// Root returns the directory that contains bin/pulumi, as auto.PulumiCommandOptions.Root wants it.
func Root(binary string) string {
	return filepath.Dir(filepath.Dir(binary))
}

// PathT is Path for tests: a missing CLI is a test failure with the reason, never a skip, because
// the tests that need it are the only proof that the Automation API code works with the engine.
func PathT(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	path, err := Path(ctx)
	if err != nil {
		t.Fatalf("the Pulumi CLI %s is required and could not be built: %v\n"+
			"It is built from %s (go build -ldflags '-X %s=%s' %s); "+
			"or point %s at an existing %s binary", Version, err, toolsRel, versionVar, Version, cliPackage, EnvOverride, Version)
	}
	return path
}

func ensureBuilt(ctx context.Context, toolsDir, dir string, progress io.Writer) (string, error) {
	binary := filepath.Join(dir, "bin", "pulumi")
	if usable(binary) {
		return binary, nil
	}
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		return "", fmt.Errorf("pulumicli: create cache directory: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, "build.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	// Another process may have finished the build while this one waited for the lock.
	if usable(binary) {
		return binary, nil
	}
	fmt.Fprintf(progress, "pulumicli: building the Pulumi CLI %s from %s into %s (minutes, once per machine)\n", Version, toolsRel, dir)
	start := time.Now()
	if err := build(ctx, toolsDir, binary); err != nil {
		return "", err
	}
	fmt.Fprintf(progress, "pulumicli: built in %s\n", time.Since(start).Round(time.Second))
	return binary, nil
}

func build(ctx context.Context, toolsDir, binary string) error {
	partial := binary + ".partial"
	_ = os.Remove(partial)
	cmd := exec.CommandContext(ctx, goTool(), "build",
		"-o", partial,
		"-ldflags", "-X "+versionVar+"="+Version,
		cliPackage)
	cmd.Dir = toolsDir
	// The tools module is resolved on its own, never through a workspace file.
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		_ = os.Remove(partial)
		return fmt.Errorf("pulumicli: go build %s in %s: %w\n%s", cliPackage, toolsDir, err, tail(out.String(), 4000))
	}
	// The rename makes the finished binary appear atomically; readers never see a partial file.
	if err := os.Rename(partial, binary); err != nil {
		return fmt.Errorf("pulumicli: install built CLI: %w", err)
	}
	return nil
}

func usable(binary string) bool {
	info, err := os.Stat(binary)
	return err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0
}

func checkVersion(ctx context.Context, binary string) error {
	cmd := exec.CommandContext(ctx, binary, "version")
	cmd.Env = append(os.Environ(), "PULUMI_SKIP_UPDATE_CHECK=true")
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("run %s version: %w", binary, err)
	}
	if got := strings.TrimSpace(string(out)); got != Version {
		return fmt.Errorf("version is %q, want %q", got, Version)
	}
	return nil
}

// toolsKey names the cache entry after the tools module's exact dependency set and the Go
// toolchain, so a version bump or a new toolchain builds a fresh binary instead of reusing a stale one.
func toolsKey(toolsDir string) (string, error) {
	h := sha256.New()
	for _, name := range []string{"go.mod", "go.sum"} {
		f, err := os.Open(filepath.Join(toolsDir, name))
		if err != nil {
			return "", fmt.Errorf("pulumicli: read tools module: %w", err)
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("pulumicli: read tools module: %w", err)
		}
	}
	fmt.Fprintf(h, "%s/%s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// findToolsDir walks up from the working directory (a package directory under `go test`, the
// repository root under `go run`) to the directory that holds internal/tools/go.mod.
func findToolsDir() (string, error) {
	start, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("pulumicli: working directory: %w", err)
	}
	for dir := start; ; dir = filepath.Dir(dir) {
		candidate := filepath.Join(dir, filepath.FromSlash(toolsRel))
		if _, err := os.Stat(filepath.Join(candidate, "go.mod")); err == nil {
			return candidate, nil
		}
		if parent := filepath.Dir(dir); parent == dir {
			break
		}
	}
	return "", errors.New("pulumicli: no " + toolsRel + "/go.mod above " + start +
		": run from inside the Gatehouse repository or set " + EnvOverride)
}

func goTool() string {
	if goroot := runtime.GOROOT(); goroot != "" {
		if p := filepath.Join(goroot, "bin", "go"); usable(p) {
			return p
		}
	}
	return "go"
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
