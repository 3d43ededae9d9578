package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/devservers"
)

// TestServeAnswersAndDrains runs the HTTP mode end to end on a free port and
// stops it the way SIGTERM does.
func TestServeAnswersAndDrains(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := Config{Issuer: "http://127.0.0.1:1", Audience: "gatehouse-bff", Store: "memory"}
	handler, err := newHandler(context.Background(), cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	port, err := devservers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := devservers.LoopbackAddr(port)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, addr, handler, logger) }()
	if err := waitFor(devservers.DialReady(addr)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want int
	}{{"/healthz", 200}, {"/todos", 401}} {
		resp, err := http.Get("http://" + addr + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s = %d, want %d", tc.path, resp.StatusCode, tc.want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after shutdown = %v", err)
	}
}

func waitFor(ready func(context.Context) error) error {
	var err error
	for range 200 {
		if err = ready(context.Background()); err == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return err
}
