package pulumicli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestPathBuildsTheStampedCLI(t *testing.T) {
	binary := PathT(t)
	if filepath.Base(filepath.Dir(binary)) != "bin" {
		t.Fatalf("binary %s is not laid out as <root>/bin/pulumi", binary)
	}
	out, err := exec.Command(binary, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", binary, err)
	}
	if got := strings.TrimSpace(string(out)); got != Version {
		t.Fatalf("%s version = %q, want %q", binary, got, Version)
	}
	again := PathT(t)
	if again != binary {
		t.Fatalf("second call returned %s, want the cached %s", again, binary)
	}
}

func TestOverride(t *testing.T) {
	real := PathT(t)
	tests := []struct {
		name    string
		path    string
		wantErr string
	}{
		{name: "the right version", path: real},
		{name: "missing binary", path: filepath.Join(t.TempDir(), "pulumi"), wantErr: "version"},
		{name: "wrong version", path: fakeCLI(t, "v3.100.0"), wantErr: `version is "v3.100.0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvOverride, tt.path)
			got, err := Path(context.Background())
			if tt.wantErr == "" {
				if err != nil || got != tt.path {
					t.Fatalf("Path() = %q, %v; want %q", got, err, tt.path)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Path() error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// fakeCLI is a shell script that answers `version` like a CLI of another version would.
func fakeCLI(t *testing.T, version string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pulumi")
	if err := os.WriteFile(path, []byte("#!/bin/sh\necho "+version+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestToolsKeyFollowsTheDependencySet(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module tools\n")
	write("go.sum", "a v1\n")
	first, err := toolsKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	same, _ := toolsKey(dir)
	write("go.sum", "a v2\n")
	changed, _ := toolsKey(dir)
	if first != same || first == changed {
		t.Fatalf("keys: first %s, same %s, after a go.sum change %s", first, same, changed)
	}
}

// TestLockSerializes holds the build lock and checks that a second holder gets it only after
// the first releases it: the order is asserted through the shared log, never through timing.
func TestLockSerializes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "build.lock")
	unlock, err := lockFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var log []string
	record := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }

	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		close(started)
		unlock2, err := lockFile(context.Background(), path)
		if err != nil {
			t.Error(err)
			close(done)
			return
		}
		record("second holder")
		unlock2()
		close(done)
	}()
	<-started
	record("first releases")
	unlock()
	<-done
	if strings.Join(log, ",") != "first releases,second holder" {
		t.Fatalf("lock order %v", log)
	}

	ctx, cancel := context.WithCancel(context.Background())
	unlock, err = lockFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	cancel()
	if _, err := lockFile(ctx, path); err == nil {
		t.Fatal("lockFile with a cancelled context succeeded while the lock was held")
	}
}
