package artifacts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// MaxLambdaZipBytes is the size budget for a Lambda artifact (docs/ARCHITECTURE.md, Performance targets).
const MaxLambdaZipBytes = 8 << 20

// LambdaBuild says which main package to build into a provided.al2023 zip.
type LambdaBuild struct {
	// ModuleRoot is the directory holding go.mod. Defaults to the module
	// around the working directory.
	ModuleRoot string
	// Package is the main package, relative to ModuleRoot, e.g. "./bff/cmd/bff". Required.
	Package string
	// Arch is GOARCH, "arm64" or "amd64", matching the function's
	// architecture (arm64 or x86_64). Defaults to "arm64".
	Arch string
	// OutDir receives the zip. Defaults to <user cache or temp dir>/gatehouse/lambda/<hash of ModuleRoot>.
	OutDir string
	// Go is the go command. Defaults to "go" on PATH.
	Go string
}

// LambdaZip is a built artifact.
type LambdaZip struct {
	Path string
	// SourceCodeHash is the base64 SHA-256 of the zip, the form Lambda's
	// sourceCodeHash and CodeSha256 use.
	SourceCodeHash string
	// SHA256 is the hex SHA-256 of the zip.
	SHA256 string
	Size   int64
	// Cached is true when the zip of an identical earlier build was reused.
	Cached bool
}

// Defaults returns b with every empty field filled in.
func (b LambdaBuild) Defaults() (LambdaBuild, error) {
	if b.ModuleRoot == "" {
		wd, err := os.Getwd()
		if err != nil {
			return b, fmt.Errorf("artifacts: %w", err)
		}
		if b.ModuleRoot, err = ModuleRoot(wd); err != nil {
			return b, err
		}
	}
	if b.OutDir == "" {
		// Outside the checkout, so builds never show up as changes in it.
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		sum := sha256.Sum256([]byte(b.ModuleRoot))
		b.OutDir = filepath.Join(cache, "gatehouse", "lambda", hex.EncodeToString(sum[:6]))
	}
	if b.Go == "" {
		b.Go = "go"
	}
	if b.Arch == "" {
		b.Arch = "arm64"
	}
	return b, nil
}

// Validate reports every problem with b at once.
func (b LambdaBuild) Validate() error {
	var errs []error
	if b.Package == "" {
		errs = append(errs, errors.New("package is required, e.g. ./bff/cmd/bff"))
	} else if !strings.HasPrefix(b.Package, "./") {
		errs = append(errs, fmt.Errorf("package %q must be relative to the module root and start with ./", b.Package))
	}
	if b.Arch != "" && b.Arch != "arm64" && b.Arch != "amd64" {
		errs = append(errs, fmt.Errorf("arch %q must be arm64 or amd64", b.Arch))
	}
	if b.ModuleRoot != "" {
		if _, err := os.Stat(filepath.Join(b.ModuleRoot, "go.mod")); err != nil {
			errs = append(errs, fmt.Errorf("module root %s has no go.mod", b.ModuleRoot))
		} else if b.Package != "" {
			if _, err := os.Stat(filepath.Join(b.ModuleRoot, filepath.FromSlash(b.Package))); err != nil {
				errs = append(errs, fmt.Errorf("package %s not found under %s", b.Package, b.ModuleRoot))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("artifacts: lambda build: %w", errors.Join(errs...))
	}
	return nil
}

// BuildLambdaZip cross-compiles the package for Lambda's provided.al2023
// runtime on b.Arch and zips it as a single executable "bootstrap".
//
// The binary is reproducible: -trimpath drops local paths, an empty -buildid
// and -buildvcs=false keep the commit and dirty state of the checkout out of
// it (otherwise every unrelated commit would redeploy the function), and
// CGO_ENABLED=0 keeps the host's C toolchain out. lambda.norpc drops the
// legacy Go 1.x RPC runtime that provided.al2023 never uses.
//
// A zip from an earlier build with the same inputs (see buildKey) is reused.
func BuildLambdaZip(ctx context.Context, b LambdaBuild) (*LambdaZip, error) {
	b, err := b.Defaults()
	if err != nil {
		return nil, err
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(b.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("artifacts: %w", err)
	}
	env := append(os.Environ(), GoEnv(b.Arch)...)
	key, err := buildKey(ctx, b, env)
	if err != nil {
		return nil, err
	}
	// One zip per package and architecture, so stacks of both keep theirs.
	name := strings.ReplaceAll(strings.Trim(b.Package, "./"), "/", "-") + "-" + b.Arch
	path := filepath.Join(b.OutDir, name+"-"+key+".zip")
	if data, err := os.ReadFile(path); err == nil {
		return describe(path, data, true), nil
	}

	work, err := os.MkdirTemp(b.OutDir, "build-")
	if err != nil {
		return nil, fmt.Errorf("artifacts: %w", err)
	}
	defer os.RemoveAll(work)
	binary := filepath.Join(work, "bootstrap")
	args := append([]string{"build"}, buildFlags...)
	cmd := exec.CommandContext(ctx, b.Go, append(args, "-o", binary, b.Package)...)
	cmd.Dir = b.ModuleRoot
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("artifacts: go build %s for linux/%s: %w\n%s", b.Package, b.Arch, err, out.Bytes())
	}
	data, err := os.ReadFile(binary)
	if err != nil {
		return nil, fmt.Errorf("artifacts: %w", err)
	}
	var zipped bytes.Buffer
	if err := WriteReproducibleZip(&zipped, []ZipEntry{{Name: "bootstrap", Mode: 0o755, Data: data}}); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path, zipped.Bytes(), work); err != nil {
		return nil, err
	}
	removeStale(b.OutDir, name, path)
	return describe(path, zipped.Bytes(), false), nil
}

// GoEnv is the environment of a reproducible static linux build for GOARCH
// arch: the architecture's baseline level is pinned (GOARM64, GOAMD64), so a
// builder's own defaults never change the bytes. internal/image builds the
// container's binary with the same environment.
func GoEnv(arch string) []string {
	env := []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + arch, "GOFLAGS=-mod=readonly"}
	if arch == "amd64" {
		return append(env, "GOAMD64=v1")
	}
	return append(env, "GOARM64=v8.0")
}

// buildTags and buildFlags make the binary reproducible (see BuildLambdaZip).
const buildTags = "lambda.norpc"

var buildFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-tags=" + buildTags}

func describe(path string, zipped []byte, cached bool) *LambdaZip {
	sum := sha256.Sum256(zipped)
	return &LambdaZip{
		Path:           path,
		SourceCodeHash: base64.StdEncoding.EncodeToString(sum[:]),
		SHA256:         hex.EncodeToString(sum[:]),
		Size:           int64(len(zipped)),
		Cached:         cached,
	}
}

// removeStale deletes earlier zips of the same package, keeping keep.
func removeStale(dir, name, keep string) {
	old, _ := filepath.Glob(filepath.Join(dir, name+"-*.zip"))
	for _, p := range old {
		if p != keep {
			os.Remove(p)
		}
	}
}

// writeFileAtomic replaces path in one rename, so a concurrent preview never
// reads a half-written archive.
func writeFileAtomic(path string, data []byte, tmpDir string) error {
	tmp, err := os.CreateTemp(tmpDir, filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("artifacts: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("artifacts: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("artifacts: writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("artifacts: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("artifacts: %w", err)
	}
	return nil
}
