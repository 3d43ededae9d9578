package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/devservers"
)

func TestStackOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    StackOptions
		wantErr []string
	}{
		{name: "localhost", opts: StackOptions{Host: "localhost", Port: 8080}},
		{name: "loopback address", opts: StackOptions{Host: "127.0.0.1", Port: 1}},
		{name: "everything wrong at once", opts: StackOptions{Host: "app.example.com", Port: 70000}, wantErr: []string{`host "app.example.com"`, "port 70000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.Validate()
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestEnsureDataKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "session.key")
	if err := ensureDataKey(path); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Size() != 32 || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", info, err)
	}
	first, _ := os.ReadFile(path)
	if err := ensureDataKey(path); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(path); string(again) != string(first) {
		t.Fatal("an existing key was replaced")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ensureDataKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable key = %v, want a chmod hint", err)
	}
}

func TestCleanEnvBlanksInheritedSettings(t *testing.T) {
	t.Setenv("GATEHOUSE_DATA_KEY_CIPHERTEXT", "stray")
	t.Setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
	t.Setenv("TODO_STORE", "dynamodb")
	env := cleanEnv(map[string]string{"TODO_STORE": "memory", "GATEHOUSE_MODE": "local"})
	for _, want := range []string{"GATEHOUSE_DATA_KEY_CIPHERTEXT=", "AWS_LAMBDA_RUNTIME_API=", "TODO_STORE=memory", "GATEHOUSE_MODE=local"} {
		if !slices.Contains(env, want) {
			t.Errorf("env lacks %q: %v", want, env)
		}
	}
	if slices.Contains(env, "TODO_STORE=") {
		t.Error("a variable the stack sets was also blanked")
	}
}

func TestFindRepoRoot(t *testing.T) {
	wd, _ := os.Getwd()
	root, err := findRepoRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "frontend", "package.json")); err != nil {
		t.Fatalf("root %s has no frontend: %v", root, err)
	}
	if _, err := findRepoRoot(t.TempDir()); err == nil {
		t.Fatal("found a checkout in an empty directory")
	}
}

// TestStackStopEndsEveryChild checks that Stop leaves no child running, the
// promise `make dev` makes on Ctrl-C.
func TestStackStopEndsEveryChild(t *testing.T) {
	var procs []*devservers.Process
	for i := range 3 {
		p, err := devservers.Start(context.Background(), devservers.Spec{
			Name:  fmt.Sprintf("child-%d", i),
			Path:  "sleep",
			Args:  []string{"600"},
			Ready: func(context.Context) error { return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Stop)
		procs = append(procs, p)
	}
	s := &Stack{Todo: procs[0], BFF: procs[1], IdP: &devservers.OIDCProvider{Process: procs[2]}}
	s.Stop()
	for _, p := range procs {
		if !p.Exited() {
			t.Errorf("%s still runs after Stop", p.Name)
		}
	}
}

func TestDemoUsers(t *testing.T) {
	a, err := demoUsers()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := demoUsers()
	if len(a) != 2 || len(a[0].Groups) == 0 || len(a[1].Groups) != 0 {
		t.Fatalf("want one user in a group and one in none: %+v", a)
	}
	for i := range a {
		if len(a[i].Password) != 16 || a[i].Password == b[i].Password || strings.ContainsAny(a[i].Password, "01ilo") {
			t.Errorf("password %q: want 16 fresh characters without look-alikes", a[i].Password)
		}
	}
}
