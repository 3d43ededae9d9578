package reliability

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// binary is the BFF built once for every test of the package.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gatehouse-bff-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	binary, err = BuildBFF(ctx, dir)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// start runs a harness for one test and checks, when the test ends, that
// the BFF's output holds none of the secrets or cookies the test saw.
func start(t *testing.T, opts Options) *Harness {
	t.Helper()
	opts.Binary = binary
	h, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("start the BFF and its peers: %v", err)
	}
	t.Cleanup(func() {
		if leaked := h.LeakedSecrets(); len(leaked) > 0 {
			t.Errorf("the BFF's output contains: %v", leaked)
		}
		h.Close()
	})
	return h
}
