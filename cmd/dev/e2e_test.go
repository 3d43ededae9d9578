package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/devservers"
)

// TestEndToEndInChromium starts the local stack exactly as `make dev` does
// (on free ports, with its state in a temporary directory) and runs the
// browser suite in frontend/e2e against it with playwright-core and Debian's
// Chromium. The signed-in screenshots land in test-artifacts/e2e/.
func TestEndToEndInChromium(t *testing.T) {
	chromium := os.Getenv("GATEHOUSE_E2E_CHROMIUM")
	if chromium == "" {
		chromium = "chromium"
	}
	devservers.RequireT(t, chromium, "node")
	chromiumPath, _ := devservers.LookPath(chromium)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := findRepoRoot(wd)
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	var progress bytes.Buffer
	state := t.TempDir()
	stack, err := StartStack(ctx, StackOptions{Root: root, StateDir: state, SPADir: filepath.Join(state, "spa"), Log: &progress})
	if err != nil {
		t.Fatalf("start the local stack: %v\n%s", err, progress.String())
	}
	t.Cleanup(stack.Stop)

	users := make([]map[string]any, 0, len(stack.Users))
	for _, u := range stack.Users {
		users = append(users, map[string]any{"username": u.Username, "password": u.Password, "name": u.Name, "groups": u.Groups})
	}
	usersJSON, _ := json.Marshal(users)
	artifacts := filepath.Join(root, "test-artifacts", "e2e")

	cmd := exec.CommandContext(ctx, "node", "--test", "--test-reporter=spec", "e2e/")
	cmd.Dir = filepath.Join(root, "frontend")
	cmd.Env = append(os.Environ(),
		"GATEHOUSE_E2E_URL="+stack.URL,
		"GATEHOUSE_E2E_USERS="+string(usersJSON),
		"GATEHOUSE_E2E_ARTIFACTS="+artifacts,
		"GATEHOUSE_E2E_CHROMIUM="+chromiumPath,
	)
	out, err := cmd.CombinedOutput()
	t.Logf("browser suite:\n%s", out)
	if err != nil {
		t.Errorf("the browser suite failed: %v", err)
		for _, p := range stack.Processes() {
			t.Logf("%s output (tail):\n%s", p.Name, tail(p.Output(), 6000))
		}
		return
	}
	for _, shot := range []string{"signed-in.png", "signed-in-phone.png", "signed-in-dark.png"} {
		if info, err := os.Stat(filepath.Join(artifacts, shot)); err != nil || info.Size() == 0 {
			t.Errorf("screenshot %s was not saved: %v", shot, err)
		}
	}
}
