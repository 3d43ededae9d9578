// Package gobuild builds the module's commands for tests and the local stack
// through Go's build cache, so a binary whose sources, flags and toolchain are
// unchanged is linked once per machine rather than once per test package, per
// test or per run.
//
// `go build` always links; `go run` keeps the executables it links in the
// build cache, keyed by everything the binary is made from. Binary asks
// `go run` to hand the executable to cp instead of running it.
package gobuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Options say what to build and where to put it.
type Options struct {
	// Dir is the directory the package path is relative to, normally the
	// module root. Required.
	Dir string
	// Package is the main package, e.g. "./bff/cmd/bff". Required.
	Package string
	// Out is the path the binary is copied to. Required.
	Out string
	// Flags are build flags, e.g. "-trimpath", "-tags=lambda.norpc". Every
	// build adds -buildvcs=false, so the commit and the dirty state of the
	// checkout neither change the binary nor defeat the cache.
	Flags []string
	// Env is added to the environment, e.g. "CGO_ENABLED=0", "GOARCH=arm64".
	Env []string
	// Go is the go command. Defaults to "go" on PATH.
	Go string
}

func (o *Options) validate() error {
	var errs []error
	if o.Dir == "" {
		errs = append(errs, errors.New("Dir is required"))
	}
	if o.Package == "" {
		errs = append(errs, errors.New("Package is required, e.g. ./bff/cmd/bff"))
	}
	if o.Out == "" {
		errs = append(errs, errors.New("Out is required"))
	}
	for _, f := range o.Flags {
		if f == "-o" || strings.HasPrefix(f, "-o=") || f == "-exec" || strings.HasPrefix(f, "-exec=") {
			errs = append(errs, fmt.Errorf("flag %s: set Out instead", f))
		}
	}
	return errors.Join(errs...)
}

// Binary builds opts.Package, or takes it from the build cache when nothing it
// is made from changed, and copies it to opts.Out.
func Binary(ctx context.Context, opts Options) error {
	if err := opts.validate(); err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	if opts.Go == "" {
		opts.Go = "go"
	}
	out, err := filepath.Abs(opts.Out)
	if err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	cp, err := exec.LookPath("cp")
	if err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	// go run -exec cp <flags> <package> <out> runs `cp <executable> <out>`.
	args := append([]string{"run", "-exec", cp, "-buildvcs=false"}, opts.Flags...)
	args = append(args, opts.Package, out)
	cmd := exec.CommandContext(ctx, opts.Go, args...)
	cmd.Dir = opts.Dir
	cmd.Env = append(os.Environ(), opts.Env...)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gobuild: go build %s %s (in %s, %s): %w\n%s", strings.Join(opts.Flags, " "), opts.Package, opts.Dir, strings.Join(opts.Env, " "), err, output.Bytes())
	}
	return nil
}
