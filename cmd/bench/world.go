package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/gatehouse/gatehouse/bff/gcpolicy"
)

// The proxy comparison runs in two processes. The world process holds the
// load generator and the upstream; this process holds only what is measured:
// the bare proxy and the BFFs. Sharing one heap would let the generator's
// and the upstream's garbage trigger collections that stall the proxy under
// test, which in production shares its heap with neither.
const worldRoleEnv = "GATEHOUSE_BENCH_ROLE"

func isWorld() bool { return os.Getenv(worldRoleEnv) == "world" }

// passSpec is one load pass the world process drives against a target.
type passSpec struct {
	Scenario string // one keep-alive client per scenario, kept across passes
	Target   target
	Mode     string // "probe" (one request), "saturated" (closed loop) or "paced"
	Conns    int
	Rate     float64 // paced only
	Warmup   time.Duration
	Duration time.Duration
}

// worldEvent is one line the world process writes: the upstream's address
// at start, the measured window opening and closing, then a pass's result.
type worldEvent struct {
	Upstream string          `json:",omitempty"`
	Window   string          `json:",omitempty"` // "open" or "closed"
	Result   *loadResult     `json:",omitempty"`
	Counts   *upstreamCounts `json:",omitempty"` // what reached the upstream during the pass
	Err      string          `json:",omitempty"`
}

// runWorld serves the upstream and drives the passes the parent writes to
// stdin, one JSON line each, until stdin closes.
func runWorld(ctx context.Context, stdin io.Reader, stdout io.Writer) int {
	// The same setting as the proxies', so that the generator's and the
	// upstream's own collections blur no scenario's percentiles.
	defer gcpolicy.Apply(taskMemoryMiB)()
	out := json.NewEncoder(stdout)
	up, err := startUpstream(benchTokens.AccessToken)
	if err != nil {
		_ = out.Encode(worldEvent{Err: err.Error()})
		return exitError
	}
	defer up.close()
	if err := out.Encode(worldEvent{Upstream: up.URL}); err != nil {
		return exitError
	}
	clients := map[string]*http.Client{}
	in := json.NewDecoder(bufio.NewReader(stdin))
	for {
		var spec passSpec
		if err := in.Decode(&spec); err != nil {
			if errors.Is(err, io.EOF) {
				return 0
			}
			_ = out.Encode(worldEvent{Err: "bench world: " + err.Error()})
			return exitError
		}
		client := clients[spec.Scenario]
		if client == nil {
			client = newClient(spec.Conns)
			clients[spec.Scenario] = client
		}
		marks := measureMarks{
			Open:  func() { _ = out.Encode(worldEvent{Window: "open"}) },
			Close: func() { _ = out.Encode(worldEvent{Window: "closed"}) },
		}
		before := up.counts()
		var res loadResult
		switch spec.Mode {
		case "probe":
			if err := call(ctx, client, spec.Target); err != nil {
				res.Failures, res.FirstFail = 1, err.Error()
			}
		case "paced":
			res = paced(ctx, client, spec.Target, spec.Conns, spec.Rate, spec.Warmup, spec.Duration, marks)
		default:
			res = closedLoop(ctx, client, spec.Target, spec.Conns, spec.Warmup, spec.Duration, marks)
		}
		counts := up.counts().sub(before)
		if err := out.Encode(worldEvent{Result: &res, Counts: &counts}); err != nil {
			return exitError
		}
	}
}

// world is the parent's handle on the world process.
type world struct {
	UpstreamURL string
	cmd         *exec.Cmd
	in          *json.Encoder
	stdin       io.Closer
	out         *json.Decoder
}

func startWorld(ctx context.Context, stderr io.Writer) (*world, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench: world process: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), worldRoleEnv+"=world")
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: world process: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: world process: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: world process: %w", err)
	}
	w := &world{cmd: cmd, in: json.NewEncoder(stdin), stdin: stdin, out: json.NewDecoder(bufio.NewReader(stdout))}
	var hello worldEvent
	if err := w.out.Decode(&hello); err != nil {
		w.Close()
		return nil, fmt.Errorf("bench: world process: %w", err)
	}
	if hello.Upstream == "" {
		w.Close()
		return nil, fmt.Errorf("bench: world process did not start its upstream: %s", hello.Err)
	}
	w.UpstreamURL = hello.Upstream
	return w, nil
}

// Pass drives one pass and returns its result with the resource counters of
// both processes summed over the measured window, and what reached the
// upstream.
func (w *world) Pass(spec passSpec) (loadResult, upstreamCounts, error) {
	if err := w.in.Encode(spec); err != nil {
		return loadResult{}, upstreamCounts{}, fmt.Errorf("bench: world process: %w", err)
	}
	var opened, here usage
	for {
		var ev worldEvent
		if err := w.out.Decode(&ev); err != nil {
			return loadResult{}, upstreamCounts{}, fmt.Errorf("bench: world process: %w", err)
		}
		switch {
		case ev.Err != "":
			return loadResult{}, upstreamCounts{}, errors.New(ev.Err)
		case ev.Window == "open":
			opened = readUsage()
		case ev.Window == "closed":
			here = readUsage().sub(opened)
		case ev.Result != nil && ev.Counts != nil:
			res := *ev.Result
			res.Usage, res.ProxyCPU = res.Usage.add(here), here.CPU
			return res, *ev.Counts, nil
		}
	}
}

func (w *world) Close() {
	_ = w.stdin.Close()
	_ = w.cmd.Wait()
}
