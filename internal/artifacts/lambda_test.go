package artifacts

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLambdaZipIsReproducibleAndSmall(t *testing.T) {
	root, err := ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	// e_machine of the ELF header: 183 is EM_AARCH64, 62 EM_X86_64.
	cases := []struct {
		pkg, arch string
		machine   byte
	}{
		{"./internal/artifacts/testdata/hello", "arm64", 183},
		{"./internal/artifacts/testdata/hello", "amd64", 62},
		{"./cmd/todo-api", "arm64", 183},
		{"./bff/cmd/bff", "arm64", 183},
	}
	for _, c := range cases {
		t.Run(c.pkg+"/"+c.arch, func(t *testing.T) {
			var zips [2][]byte
			for i := range zips {
				// A fresh output directory each time: the second build must
				// not be able to reuse the first one's file.
				z, err := BuildLambdaZip(context.Background(), LambdaBuild{ModuleRoot: root, Package: c.pkg, Arch: c.arch, OutDir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				data, err := os.ReadFile(z.Path)
				if err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(data)
				if z.SourceCodeHash != base64.StdEncoding.EncodeToString(sum[:]) || z.Size != int64(len(data)) {
					t.Fatalf("build %d: hash %s / size %d do not describe %s", i, z.SourceCodeHash, z.Size, z.Path)
				}
				zips[i] = data
			}
			if !bytes.Equal(zips[0], zips[1]) {
				t.Fatal("two builds of the same source gave different zips")
			}
			if len(zips[0]) > MaxLambdaZipBytes {
				t.Fatalf("zip is %d bytes, over the %d-byte budget", len(zips[0]), MaxLambdaZipBytes)
			}
			t.Logf("%s: %d bytes zipped", c.pkg, len(zips[0]))

			zr, err := zip.NewReader(bytes.NewReader(zips[0]), int64(len(zips[0])))
			if err != nil {
				t.Fatal(err)
			}
			if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm() != 0o755 {
				t.Fatalf("zip must hold one executable bootstrap, has %v", zr.File)
			}
			rc, err := zr.File[0].Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			header := make([]byte, 20)
			if _, err := rc.Read(header); err != nil {
				t.Fatal(err)
			}
			// ELF magic, 64-bit, little-endian, then e_machine.
			if !bytes.HasPrefix(header, []byte("\x7fELF\x02\x01")) || header[18] != c.machine || header[19] != 0 {
				t.Fatalf("bootstrap is not a linux/%s ELF executable: % x", c.arch, header)
			}
		})
	}
}

func TestLambdaBuildValidate(t *testing.T) {
	root, err := ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		build LambdaBuild
		want  []string
	}{
		{"no package", LambdaBuild{ModuleRoot: root}, []string{"package is required"}},
		{"absolute package", LambdaBuild{ModuleRoot: root, Package: "github.com/x/y"}, []string{"must be relative"}},
		{"missing package", LambdaBuild{ModuleRoot: root, Package: "./no/such/cmd"}, []string{"not found under"}},
		{"every problem at once", LambdaBuild{ModuleRoot: t.TempDir(), Package: "x", Arch: "mips"}, []string{"no go.mod", "must be relative", `arch "mips"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.build.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLambdaZipReusedOnlyWhileSourcesAreUnchanged(t *testing.T) {
	module := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(module, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/fn\n\ngo 1.21\n")
	write("main.go", "package main\n\nfunc main() { println(1) }\n")
	build := LambdaBuild{ModuleRoot: module, Package: "./", OutDir: t.TempDir()}

	steps := []struct {
		name       string
		change     func()
		wantCached bool
		wantSame   bool
	}{
		{"first build", func() {}, false, true},
		{"nothing changed", func() {}, true, true},
		{"source changed", func() { write("main.go", "package main\n\nfunc main() { println(2) }\n") }, false, false},
		{"changed back", func() { write("main.go", "package main\n\nfunc main() { println(1) }\n") }, false, true},
	}
	var first *LambdaZip
	for _, s := range steps {
		s.change()
		z, err := BuildLambdaZip(context.Background(), build)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if first == nil {
			first = z
		}
		if z.Cached != s.wantCached {
			t.Errorf("%s: cached = %v, want %v", s.name, z.Cached, s.wantCached)
		}
		if same := z.SourceCodeHash == first.SourceCodeHash; same != s.wantSame {
			t.Errorf("%s: same zip as the first build = %v, want %v", s.name, same, s.wantSame)
		}
		if _, err := os.Stat(z.Path); err != nil {
			t.Errorf("%s: %v", s.name, err)
		}
		zips, _ := filepath.Glob(filepath.Join(build.OutDir, "*.zip"))
		if len(zips) != 1 {
			t.Errorf("%s: %d zips kept, want the current one only", s.name, len(zips))
		}
	}
}
