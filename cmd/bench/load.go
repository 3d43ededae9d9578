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
	// ProxyCPU is the CPU time of the process that holds the proxies alone,
	// over the same window.
	ProxyCPU time.Duration
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

// ProxyCPUPerRequest is the proxy process's own CPU time per request.
func (r loadResult) ProxyCPUPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.ProxyCPU / time.Duration(r.Requests)
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
func closedLoop(ctx context.Context, client *http.Client, t target, conns int, warmup, d time.Duration, marks measureMarks) loadResult {
	start := time.Now()
	measureFrom, end := start.Add(warmup), start.Add(warmup+d)
	return drive(ctx, client, t, conns, measureFrom, marks, func() (time.Time, bool) {
		now := time.Now()
		return now, now.Before(end) && ctx.Err() == nil
	})
}

// paced sends rate requests per second in total over conns connections and
// measures each latency from the request's scheduled start, so a stall is
// charged to every request it delays (no coordinated omission). A request
// waits for a connection only while all conns are busy.
func paced(ctx context.Context, client *http.Client, t target, conns int, rate float64, warmup, d time.Duration, marks measureMarks) loadResult {
	period := time.Duration(float64(time.Second) / rate)
	ticks, err := newTickSource(period)
	if err != nil {
		return loadResult{Failures: 1, FirstFail: err.Error()}
	}
	defer ticks.Close()
	start := time.Now()
	measureFrom, end := start.Add(warmup), start.Add(warmup+d)
	starts := make(chan time.Time, 1<<12)
	var paceErr error
	go func() {
		defer close(starts)
		paceErr = release(ctx, ticks, start, end, period, starts)
	}()
	res := drive(ctx, client, t, conns, measureFrom, marks, func() (time.Time, bool) {
		at, ok := <-starts
		return at, ok
	})
	if paceErr != nil {
		res.Failures++
		res.FirstFail = paceErr.Error()
	}
	return res
}

// release hands out one scheduled start per period from start to end. The
// number due is read from the clock, so a late wake-up releases every start
// it missed, each with its own scheduled time.
func release(ctx context.Context, ticks *tickSource, start, end time.Time, period time.Duration, starts chan<- time.Time) error {
	for released := time.Duration(0); ctx.Err() == nil; {
		if err := ticks.Wait(); err != nil {
			return err
		}
		for due := time.Since(start); released+period <= due; {
			released += period
			at := start.Add(released)
			if at.After(end) {
				return nil
			}
			starts <- at
		}
	}
	return nil
}

// measureMarks are called as the measured window opens and closes, right
// after this process's counters are read, so that another process can read
// its own counters over the same window.
type measureMarks struct{ Open, Close func() }

func (m measureMarks) open() {
	if m.Open != nil {
		m.Open()
	}
}

func (m measureMarks) close() {
	if m.Close != nil {
		m.Close()
	}
}

// drive runs conns workers, one keep-alive connection each. Each worker
// asks next for a request's scheduled start and sends it, until next says
// stop. A latency counts when its start falls at or after measureFrom.
func drive(ctx context.Context, client *http.Client, t target, conns int, measureFrom time.Time, marks measureMarks, next func() (time.Time, bool)) loadResult {
	type workerResult struct {
		lat      []time.Duration
		failures int
		first    string
	}
	results := make([]workerResult, conns)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[w]
			res.lat = make([]time.Duration, 0, 4096)
			for scheduled, ok := next(); ok; scheduled, ok = next() {
				err := call(ctx, client, t)
				done := time.Now()
				switch {
				case scheduled.Before(measureFrom):
				case err != nil:
					if res.failures == 0 {
						res.first = err.Error()
					}
					res.failures++
				default:
					res.lat = append(res.lat, done.Sub(scheduled))
				}
			}
		}()
	}
	var before usage
	gate := make(chan struct{})
	go func() {
		time.Sleep(time.Until(measureFrom))
		before = readUsage()
		marks.open()
		close(gate)
	}()
	wg.Wait()
	<-gate
	after := readUsage()
	marks.close()
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
