package artifacts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// listedPackage is what `go list -json` says about one package of the build.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	Module     *struct {
		Path, Version string
		Main          bool
		Replace       *struct{ Path, Version string }
	}
	GoFiles, SFiles, EmbedFiles []string
}

// buildKey names everything the binary is made from: the toolchain, the
// flags and, per package, either an immutable module version or the
// contents of its files. Equal keys mean an equal binary, so a preview of
// an unchanged checkout reuses the zip instead of linking a new one.
func buildKey(ctx context.Context, b LambdaBuild, env []string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "flags %q arch %s\n", buildFlags, b.Arch)
	goenv, err := output(ctx, b, env, "env", "GOVERSION", "GOEXPERIMENT")
	if err != nil {
		return "", err
	}
	h.Write(goenv)

	listing, err := output(ctx, b, env, "list", "-deps", "-tags="+buildTags,
		"-json=ImportPath,Dir,Standard,Module,GoFiles,SFiles,EmbedFiles", b.Package)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(listing))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", fmt.Errorf("artifacts: reading go list output: %w", err)
		}
		fmt.Fprintf(h, "package %s\n", p.ImportPath)
		switch {
		case p.Standard:
			// Covered by GOVERSION.
		case p.Module != nil && !p.Module.Main && p.Module.Replace == nil:
			fmt.Fprintf(h, "module %s@%s\n", p.Module.Path, p.Module.Version)
		case p.Module != nil && !p.Module.Main && p.Module.Replace.Version != "":
			fmt.Fprintf(h, "module %s@%s\n", p.Module.Replace.Path, p.Module.Replace.Version)
		default:
			// The main module, or a replacement by a local directory: both can change.
			files := append(append(append([]string(nil), p.GoFiles...), p.SFiles...), p.EmbedFiles...)
			for _, f := range files {
				data, err := os.ReadFile(filepath.Join(p.Dir, f))
				if err != nil {
					return "", fmt.Errorf("artifacts: %w", err)
				}
				sum := sha256.Sum256(data)
				fmt.Fprintf(h, "file %s %x\n", f, sum)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

func output(ctx context.Context, b LambdaBuild, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, b.Go, args...)
	cmd.Dir = b.ModuleRoot
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("artifacts: go %v: %w\n%s", args, err, stderr.Bytes())
	}
	return out, nil
}
