package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gobuild"
)

// preparePolicyPacks turns each --policy-pack into what the engine is given. A directory is
// compiled into a binary (unless --build-policy=false), because a Go policy pack directory needs
// the Go language host and a prebuilt binary does not; the engine accepts an executable in place
// of a directory. Relative paths are resolved against the project directory.
func preparePolicyPacks(ctx context.Context, opts *Options, tmp string, progress io.Writer) ([]string, error) {
	var packs, problems []string
	for i, p := range opts.PolicyPacks {
		path := p
		if !filepath.IsAbs(path) {
			path = filepath.Join(opts.Dir, path)
		}
		path, err := filepath.Abs(path)
		if err != nil {
			problems = append(problems, fmt.Sprintf("--policy-pack %s: %v", p, err))
			continue
		}
		info, err := os.Stat(path)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("--policy-pack %s: not found at %s "+
				"(the default is the project's policy/ directory; pass --policy-pack PATH, "+
				"or --skip-policy to run without one)", p, path))
		case info.IsDir() && opts.BuildPolicy:
			bin, err := buildPolicyPack(ctx, path, filepath.Join(tmp, fmt.Sprintf("pack-%d", i)), progress)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			packs = append(packs, bin)
		case info.IsDir():
			packs = append(packs, path)
		case info.Mode()&0o111 == 0:
			problems = append(problems, fmt.Sprintf("--policy-pack %s: a file must be an executable policy-pack binary", p))
		default:
			packs = append(packs, path)
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("deploy: policy packs:\n  - %s", strings.Join(problems, "\n  - "))
	}
	return packs, nil
}

// buildPolicyPack compiles the Go policy pack in dir into outDir/policy-pack, next to a copy of its
// PulumiPolicy.yaml so the engine still sees the pack's metadata.
func buildPolicyPack(ctx context.Context, dir, outDir string, progress io.Writer) (string, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", fmt.Errorf("policy pack %s: %w", dir, err)
	}
	manifest, err := os.ReadFile(filepath.Join(dir, "PulumiPolicy.yaml"))
	if err != nil {
		return "", fmt.Errorf("policy pack %s: no PulumiPolicy.yaml: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(outDir, "PulumiPolicy.yaml"), manifest, 0o644); err != nil {
		return "", fmt.Errorf("policy pack %s: %w", dir, err)
	}
	bin := filepath.Join(outDir, "policy-pack")
	fmt.Fprintf(progress, "Building policy pack %s\n", dir)
	// Through Go's build cache: a pack whose sources did not change since the last preview or up
	// on this machine is not linked again.
	if err := gobuild.Binary(ctx, gobuild.Options{Dir: dir, Package: ".", Out: bin}); err != nil {
		return "", fmt.Errorf("policy pack %s: %w", dir, err)
	}
	return bin, nil
}
