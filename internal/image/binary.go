package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/gatehouse/gatehouse/internal/artifacts"
)

// BinaryOptions describe a static, reproducible Go build of the BFF.
type BinaryOptions struct {
	// ModuleDir is the directory of go.mod. Required.
	ModuleDir string
	// Package is the main package. Defaults to "./bff/cmd/bff".
	Package string
	// Arch is GOARCH. Defaults to "arm64".
	Arch string
	// Out is the output file. Required.
	Out string
}

// Defaults fills zero fields.
func (o *BinaryOptions) Defaults() {
	if o.Package == "" {
		o.Package = "./bff/cmd/bff"
	}
	if o.Arch == "" {
		o.Arch = "arm64"
	}
}

// Validate reports every problem at once.
func (o *BinaryOptions) Validate() error {
	var errs []error
	if o.ModuleDir == "" {
		errs = append(errs, errors.New("ModuleDir is required"))
	} else if _, err := os.Stat(filepath.Join(o.ModuleDir, "go.mod")); err != nil {
		errs = append(errs, fmt.Errorf("ModuleDir %q has no go.mod", o.ModuleDir))
	}
	if o.Out == "" {
		errs = append(errs, errors.New("Out is required"))
	}
	switch o.Arch {
	case "arm64", "amd64":
	default:
		errs = append(errs, fmt.Errorf("Arch %q is not supported: use arm64 or amd64", o.Arch))
	}
	return errors.Join(errs...)
}

// BuildBinary compiles a static linux binary without cgo, build ids, VCS
// stamps or local paths, so the same source and toolchain give the same bytes.
func BuildBinary(ctx context.Context, opts BinaryOptions) error {
	opts.Defaults()
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("image: binary: %w", err)
	}
	out, err := filepath.Abs(opts.Out)
	if err != nil {
		return fmt.Errorf("image: binary: %w", err)
	}
	cmd := exec.CommandContext(ctx, "go", "build",
		"-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=",
		"-o", out, opts.Package)
	cmd.Dir = opts.ModuleDir
	cmd.Env = append(os.Environ(), artifacts.GoEnv(opts.Arch)...)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("image: go build %s (GOARCH=%s): %w\n%s", opts.Package, opts.Arch, err, stderr.String())
	}
	return nil
}
