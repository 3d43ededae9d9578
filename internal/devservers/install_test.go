package devservers

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestMissingProgramsSayHowToInstall runs with an empty PATH, so every
// program is missing, and checks that each failure is one line naming the
// program and the way to install it.
func TestMissingProgramsSayHowToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, tc := range []struct {
		program string
		want    []string
	}{
		{"redis-server", []string{"redis-server is not installed", "make deps", "apt-get install -y --no-install-recommends redis-server"}},
		{"chromium", []string{"chromium is not installed", "make deps", "apt-get install -y --no-install-recommends chromium"}},
		{"node", []string{"node is not installed", "Node.js 20"}},
		{"/nonexistent/bff", []string{"/nonexistent/bff does not exist"}},
	} {
		t.Run(tc.program, func(t *testing.T) {
			_, err := LookPath(tc.program)
			var missing *MissingProgramError
			if !errors.As(err, &missing) || missing.Program != tc.program {
				t.Fatalf("LookPath(%q) = %v, want a *MissingProgramError", tc.program, err)
			}
			assertOneLineWith(t, err, tc.want...)
		})
	}
	if os.Geteuid() != 0 {
		_, err := LookPath("redis-server")
		assertOneLineWith(t, err, "sudo apt-get install")
	}
}

// TestPeersThatCannotStartSayWhy checks every peer's start with its program
// missing: an error (never a panic) in one line with the install hint.
func TestPeersThatCannotStartSayWhy(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		start func() error
		want  string
	}{
		{"redis-server", func() error { _, err := StartRedis(ctx); return err }, "make deps"},
		{"dynalite", func() error { _, err := StartDynalite(ctx); return err }, "Node.js 20"},
		{"oidc-provider", func() error {
			_, err := StartOIDCProvider(ctx, OIDCProviderOptions{RedirectURIs: []string{"http://127.0.0.1:1/auth/callback"}})
			return err
		}, "Node.js 20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.start()
			if err == nil {
				t.Fatal("started with an empty PATH")
			}
			assertOneLineWith(t, err, tc.want)
		})
	}
}

func assertOneLineWith(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans several lines:\n%s", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q lacks %q", msg, w)
		}
	}
}
