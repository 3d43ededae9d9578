package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/bff/gcpolicy"
	"github.com/gatehouse/gatehouse/internal/devservers"
)

// compareOptions shape the side-by-side proxy run.
type compareOptions struct {
	Conns    int
	Warmup   time.Duration
	Duration time.Duration
	// Rounds interleave the scenarios so that drift in the machine's load
	// hits all of them alike.
	Rounds int
	// PacedFraction sets the paced pass's rate as a fraction of the slowest
	// scenario's saturated throughput.
	PacedFraction float64
	// ProfileDir, when set, receives CPU profiles of the bare proxy and the
	// BFF (memory store), taken in extra passes outside the measurements.
	ProfileDir string
}

// scenario is one way to reach the upstream.
type scenario struct {
	Name   string
	Target target
	// ViaBFF scenarios send the session cookie and rely on the BFF for the
	// token; the others send the token themselves. Every scenario must
	// deliver the bearer token and never a cookie.
	ViaBFF bool
}

func (s *scenario) pass(mode string, o compareOptions, rate float64) passSpec {
	return passSpec{Scenario: s.Name, Target: s.Target, Mode: mode, Conns: o.Conns, Rate: rate, Warmup: o.Warmup, Duration: o.Duration}
}

// scenarioResult pools the rounds of one scenario for throughput, CPU and
// allocations, and keeps each round for latency: a stall of the shared
// machine in one round should not stand for the whole run.
type scenarioResult struct {
	Name            string
	Saturated       loadResult
	Paced           loadResult
	SaturatedRounds []loadResult
	PacedRounds     []loadResult
	Checked         string
}

// RPS is the median over rounds of each round's throughput.
func RPS(rounds []loadResult) float64 {
	per := make([]float64, 0, len(rounds))
	for _, r := range rounds {
		per = append(per, r.RPS())
	}
	if len(per) == 0 {
		return 0
	}
	slices.Sort(per)
	return per[len(per)/2]
}

// Latency is the median over rounds of each round's percentile p.
func Latency(rounds []loadResult, p float64) time.Duration {
	per := make([]time.Duration, 0, len(rounds))
	for _, r := range rounds {
		per = append(per, r.Percentile(p))
	}
	if len(per) == 0 {
		return 0
	}
	slices.Sort(per)
	return per[len(per)/2]
}

type comparison struct {
	Conns      int
	PacedRate  float64
	Results    []scenarioResult
	Profiles   []string
	RedisAddr  string
	Rounds     int
	Duration   time.Duration
	GOMAXPROCS int
}

func (c *comparison) result(name string) scenarioResult {
	for _, r := range c.Results {
		if r.Name == name {
			return r
		}
	}
	return scenarioResult{}
}

const (
	scDirect    = "direct"
	scBare      = "bare ReverseProxy"
	scBFFMemory = "BFF, memory store"
	scBFFRedis  = "BFF, redis store"
)

// taskMemoryMiB is the regional stack's default task size. The proxies run
// under the garbage-collector setting the stack derives from it.
const taskMemoryMiB = 1024

func runComparison(ctx context.Context, o compareOptions, logf func(string, ...any)) (*comparison, error) {
	defer gcpolicy.Apply(taskMemoryMiB)()
	w, err := startWorld(ctx, os.Stderr)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	upstreamURL := w.UpstreamURL
	bareAddr, stopBare, err := startBareProxy(upstreamURL)
	if err != nil {
		return nil, err
	}
	defer stopBare()
	memStore, err := newMemoryStore()
	if err != nil {
		return nil, err
	}
	bffMem, err := startBFF(ctx, memStore, upstreamURL)
	if err != nil {
		return nil, err
	}
	defer bffMem.stop()
	redis, err := devservers.StartRedis(ctx)
	if err != nil {
		return nil, fmt.Errorf("bench: the redis scenario: %w", err)
	}
	defer redis.Stop()
	redisStore, err := newRedisStore(redis.URL())
	if err != nil {
		return nil, err
	}
	defer redisStore.Close()
	bffRedis, err := startBFF(ctx, redisStore, upstreamURL)
	if err != nil {
		return nil, err
	}
	defer bffRedis.stop()

	scenarios := []*scenario{
		{Name: scDirect, Target: target{URL: upstreamURL + "/hello", Header: tokenSPAHeaders(benchTokens.AccessToken)}},
		{Name: scBare, Target: target{URL: "http://" + bareAddr + "/hello", Header: tokenSPAHeaders(benchTokens.AccessToken)}},
		{Name: scBFFMemory, Target: target{URL: bffMem.URL + "/api/greeting/hello", Header: spaHeaders(bffMem.Cookie)}, ViaBFF: true},
		{Name: scBFFRedis, Target: target{URL: bffRedis.URL + "/api/greeting/hello", Header: spaHeaders(bffRedis.Cookie)}, ViaBFF: true},
	}
	for _, s := range scenarios {
		res, _, err := w.Pass(s.pass("probe", o, 0))
		if err == nil && res.Failures > 0 {
			err = errors.New(res.FirstFail)
		}
		if err != nil {
			return nil, fmt.Errorf("bench: %s does not answer 200 before the run: %w", s.Name, err)
		}
	}
	results := make([]scenarioResult, len(scenarios))
	for i, s := range scenarios {
		results[i].Name = s.Name
	}
	pass := func(kind string, rate float64, into func(*scenarioResult) (*loadResult, *[]loadResult)) error {
		for round := range o.Rounds {
			for i, s := range scenarios {
				res, counts, err := w.Pass(s.pass(kind, o, rate))
				if err != nil {
					return err
				}
				if err := checkRun(s, res, counts); err != nil {
					return err
				}
				logf("  %s round %d/%d  %-18s %8.0f req/s  p50 %v  p99 %v", kind, round+1, o.Rounds, s.Name, res.RPS(), res.Percentile(0.5), res.Percentile(0.99))
				pooled, rounds := into(&results[i])
				merge(pooled, res)
				*rounds = append(*rounds, res)
			}
		}
		return nil
	}
	err = pass("saturated", 0, func(r *scenarioResult) (*loadResult, *[]loadResult) { return &r.Saturated, &r.SaturatedRounds })
	if err != nil {
		return nil, err
	}
	slowest := RPS(results[0].SaturatedRounds)
	for _, r := range results {
		slowest = min(slowest, RPS(r.SaturatedRounds))
	}
	rate := o.PacedFraction * slowest
	err = pass("paced", rate, func(r *scenarioResult) (*loadResult, *[]loadResult) { return &r.Paced, &r.PacedRounds })
	if err != nil {
		return nil, err
	}
	for i, s := range scenarios {
		results[i].Checked = "every request reached the upstream with the bearer token the client sent, and no cookie"
		if s.ViaBFF {
			results[i].Checked = "every request reached the upstream with the session's bearer token and without the cookie"
		}
	}
	cmp := &comparison{Conns: o.Conns, PacedRate: rate, Results: results, RedisAddr: redis.Addr, Rounds: o.Rounds, Duration: o.Duration}
	if o.ProfileDir != "" {
		for _, s := range scenarios[1:3] {
			path, err := profile(w, s, o, filepath.Join(o.ProfileDir, profileName(s.Name)))
			if err != nil {
				return nil, err
			}
			cmp.Profiles = append(cmp.Profiles, path)
		}
	}
	return cmp, nil
}

func gcPolicyText() string {
	env := gcpolicy.Env(taskMemoryMiB)
	return "GOGC=" + env["GOGC"] + " GOMEMLIMIT=" + env["GOMEMLIMIT"]
}

func profileName(scenario string) string {
	switch scenario {
	case scBare:
		return "cpu-bare-proxy.pprof"
	case scBFFMemory:
		return "cpu-bff-memory.pprof"
	}
	return "cpu.pprof"
}

// checkRun refuses a run with failed requests, and one in which any request
// reached the upstream without the token or with a cookie.
func checkRun(s *scenario, res loadResult, reached upstreamCounts) error {
	if res.Failures > 0 {
		return fmt.Errorf("bench: %s: %d of %d requests failed, first: %s", s.Name, res.Failures, res.Failures+res.Requests, res.FirstFail)
	}
	if res.Requests == 0 {
		return fmt.Errorf("bench: %s: no request completed", s.Name)
	}
	if reached.Bearer != reached.Total || reached.Cookies != 0 {
		return fmt.Errorf("bench: %s: of %d upstream requests %d carried the bearer token and %d a cookie; want all and none", s.Name, reached.Total, reached.Bearer, reached.Cookies)
	}
	return nil
}

func merge(into *loadResult, r loadResult) {
	into.Requests += r.Requests
	into.Elapsed += r.Elapsed
	into.Latencies = append(into.Latencies, r.Latencies...)
	into.Usage = into.Usage.add(r.Usage)
	into.ProxyCPU += r.ProxyCPU
	slices.Sort(into.Latencies)
}

// profile takes a CPU profile of this process, which holds only the proxies,
// while the world process drives s at saturation.
func profile(w *world, s *scenario, o compareOptions, path string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return "", fmt.Errorf("bench: profile: %w", err)
	}
	spec := s.pass("saturated", o, 0)
	spec.Warmup, spec.Duration = 0, o.Duration*time.Duration(o.Rounds)
	res, _, err := w.Pass(spec)
	pprof.StopCPUProfile()
	if err != nil {
		return "", err
	}
	if res.Failures > 0 {
		return "", errors.New("bench: profile pass of " + s.Name + ": " + res.FirstFail)
	}
	return path, nil
}
