package reliability

import (
	"context"
	"strings"
	"testing"
)

// TestStartWithoutRedisSaysHowToInstall starts the harness on a machine
// without redis-server (an empty PATH): it must return one line naming the
// program and how to install it, and stop what it started, not panic.
func TestStartWithoutRedisSaysHowToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	h, err := Start(context.Background(), Options{Binary: binary})
	if err == nil {
		h.Close()
		t.Fatal("the harness started without redis-server")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "redis-server is not installed") || !strings.Contains(msg, "make deps") {
		t.Fatalf("want one line naming redis-server and `make deps`, got:\n%s", msg)
	}
	if h != nil {
		t.Fatal("a failed Start returned a harness")
	}
	h.Close() // a nil harness has nothing to close
}
