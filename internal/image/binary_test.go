package image

import (
	"bytes"
	"context"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildBinaryIsStaticAndReproducible builds the BFF twice for each of
// Fargate's architectures (arm64 by default, amd64 where Fargate FIPS mode
// needs X86_64): the bytes must match (or the image digest would change on
// every run), and the binary must be a static ELF of that machine, since the
// image has no dynamic loader or libc.
func TestBuildBinaryIsStaticAndReproducible(t *testing.T) {
	for _, tc := range []struct {
		arch    string
		machine elf.Machine
	}{{"arm64", elf.EM_AARCH64}, {"amd64", elf.EM_X86_64}} {
		t.Run(tc.arch, func(t *testing.T) {
			dir := t.TempDir()
			var builds [][]byte
			for i, out := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")} {
				if err := BuildBinary(context.Background(), BinaryOptions{ModuleDir: moduleDir(t), Arch: tc.arch, Out: out}); err != nil {
					t.Fatalf("build %d: %v", i, err)
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				builds = append(builds, b)
			}
			if !bytes.Equal(builds[0], builds[1]) {
				t.Fatal("two builds of the same source differ")
			}
			f, err := elf.NewFile(bytes.NewReader(builds[0]))
			if err != nil {
				t.Fatal(err)
			}
			if f.Machine != tc.machine {
				t.Errorf("machine %s, want %s", f.Machine, tc.machine)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Error("the binary asks for a dynamic loader; it must be static")
				}
			}
			if bytes.Contains(builds[0], []byte(moduleDir(t))) {
				t.Error("the binary embeds the checkout path; -trimpath is missing")
			}
		})
	}
}

func TestBinaryOptionsValidate(t *testing.T) {
	err := BuildBinary(context.Background(), BinaryOptions{ModuleDir: t.TempDir(), Arch: "mips"})
	if err == nil {
		t.Fatal("accepted bad options")
	}
	for _, want := range []string{"has no go.mod", "Out is required", `Arch "mips" is not supported`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
