package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// target is one thing the load generator calls: a URL plus the headers a
// signed-in SPA sends.
type target struct {
	URL    string
	Header http.Header
}

// loadResult is what one load pass measured, from the client's side and
// from the process's resource counters.
type loadResult struct {
	Requests  int
	Failures  int
	FirstFail string
	Elapsed   time.Duration
	Latencies []time.Duration // sorted
	Usage     usage
}

func (r loadResult) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

func (r loadResult) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(p * float64(len(r.Latencies)-1))
	return r.Latencies[i]
}

// CPUPerRequest is process CPU time (user+system) per request: client,
// proxy and upstream together.
func (r loadResult) CPUPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.Usage.CPU / time.Duration(r.Requests)
}

func (r loadResult) AllocsPerRequest() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.Usage.Mallocs) / float64(r.Requests)
}

func (r loadResult) BytesPerRequest() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.Usage.AllocBytes) / float64(r.Requests)
}

// newClient is the load generator's HTTP client: one keep-alive connection
// per worker, as a browser-facing load balancer would hold.
func newClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
		Timeout: 30 * time.Second,
	}
}

func call(ctx context.Context, client *http.Client, t target) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL, nil)
	if err != nil {
		return err
	}
	req.Header = t.Header
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d from %s", resp.StatusCode, t.URL)
	}
	return nil
}

// closedLoop keeps conns requests in flight for d (after warmup) and
// reports throughput at saturation. Latencies here are mostly queueing:
// with every core busy, p50 ≈ conns / throughput.
func closedLoop(ctx context.Context, client *http.Client, t target, conns int, warmup, d time.Duration) loadResult {
	return drive(ctx, client, t, conns, warmup, d, nil)
}

// paced sends rate requests per second in total, spread evenly over conns
// workers, and measures each latency from the request's scheduled start, so a
// stall is charged to every request it delays (no coordinated omission).
func paced(ctx context.Context, client *http.Client, t target, conns int, rate float64, warmup, d time.Duration) loadResult {
	interval := time.Duration(float64(conns) / rate * float64(time.Second))
	return drive(ctx, client, t, conns, warmup, d, &interval)
}

func drive(ctx context.Context, client *http.Client, t target, conns int, warmup, d time.Duration, interval *time.Duration) loadResult {
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(d)
	type workerResult struct {
		lat      []time.Duration
		failures int
		first    string
	}
	results := make([]workerResult, conns)
	var wg sync.WaitGroup
	var before usage
	var beforeOnce sync.Once
	gate := make(chan struct{})
	go func() {
		time.Sleep(time.Until(measureFrom))
		beforeOnce.Do(func() { before = readUsage() })
		close(gate)
	}()
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[w]
			res.lat = make([]time.Duration, 0, 4096)
			next := start
			if interval != nil {
				next = start.Add(*interval * time.Duration(w) / time.Duration(conns))
			}
			for {
				scheduled := time.Now()
				if interval != nil {
					time.Sleep(time.Until(next))
					scheduled = next
					next = next.Add(*interval)
				}
				if scheduled.After(end) || ctx.Err() != nil {
					return
				}
				err := call(ctx, client, t)
				done := time.Now()
				if scheduled.Before(measureFrom) {
					continue
				}
				if err != nil {
					if res.failures == 0 {
						res.first = err.Error()
					}
					res.failures++
					continue
				}
				res.lat = append(res.lat, done.Sub(scheduled))
			}
		}()
	}
	wg.Wait()
	<-gate
	after := readUsage()
	out := loadResult{Elapsed: time.Since(measureFrom), Usage: after.sub(before)}
	for _, r := range results {
		out.Latencies = append(out.Latencies, r.lat...)
		out.Failures += r.failures
		if out.FirstFail == "" {
			out.FirstFail = r.first
		}
	}
	out.Requests = len(out.Latencies)
	slices.Sort(out.Latencies)
	return out
}
