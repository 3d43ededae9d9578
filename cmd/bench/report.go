package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// The performance targets of docs/ARCHITECTURE.md.
const (
	maxCostRatio      = 1.3
	maxAddedP99       = time.Millisecond
	maxSealOpen       = 5 * time.Microsecond
	maxZipBytes       = 8 << 20
	maxStartToServe   = 50 * time.Millisecond
	maxProgramSeconds = 15 * time.Second
	maxColdRSSBytes   = 6 << 30
)

type machine struct {
	CPU        string
	Cores      int
	GOMAXPROCS int
	Go         string
	Kernel     string
	MemTotal   string
	LoadBefore string
}

func describeMachine() machine {
	m := machine{Cores: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH, LoadBefore: loadAverage()}
	m.CPU = procField("/proc/cpuinfo", "model name")
	m.MemTotal = procField("/proc/meminfo", "MemTotal")
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// loadAverage is the 1, 5 and 15 minute load: the machine may be shared,
// and the figures are only as quiet as it was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

type report struct {
	Options   *options
	Machine   machine
	Started   time.Time
	Finished  time.Time
	LoadAfter string
	Proxy     *comparison
	Micro     []microResult
	Lambda    *lambdaResult
	Pulumi    *pulumiResult
	Cold      *coldResult
	targets   []targetCheck
}

type targetCheck struct {
	Name   string
	Got    string
	Limit  string
	Missed bool
}

func (r *report) check(name, got, limit string, ok bool) {
	r.targets = append(r.targets, targetCheck{Name: name, Got: got, Limit: limit, Missed: !ok})
}

// write prints the report and returns how many targets were missed.
func (r *report) write(w io.Writer) int {
	m := r.Machine
	fmt.Fprintf(w, "Gatehouse benchmarks, %s to %s UTC\n", r.Started.Format("2006-01-02 15:04:05"), r.Finished.Format("15:04:05"))
	fmt.Fprintf(w, "machine: %s, %d cores (GOMAXPROCS %d), %s, Linux %s, memory %s\n", m.CPU, m.Cores, m.GOMAXPROCS, m.Go, m.Kernel, m.MemTotal)
	fmt.Fprintf(w, "load average: %s at start, %s at end\n", m.LoadBefore, r.LoadAfter)
	fmt.Fprintf(w, "command: %s\n", r.Options.CommandLine)
	if r.Options.Quick {
		fmt.Fprintln(w, "QUICK MODE: passes are too short for the figures to mean anything; targets are not judged.")
	}
	if r.Proxy != nil {
		r.writeProxy(w)
	}
	if r.Micro != nil {
		r.writeMicro(w)
	}
	if r.Lambda != nil {
		r.writeLambda(w)
	}
	if r.Pulumi != nil {
		r.writePulumi(w)
	}
	if r.Cold != nil {
		r.writeCold(w)
	}
	if r.Options.Quick {
		return 0
	}
	fmt.Fprintln(w, "\n== Targets (docs/ARCHITECTURE.md, Performance targets) ==")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	missed := 0
	for _, t := range r.targets {
		verdict := "ok"
		if t.Missed {
			verdict = "MISSED"
			missed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t(target %s)\n", verdict, t.Name, t.Got, t.Limit)
	}
	tw.Flush()
	if missed > 0 {
		fmt.Fprintf(w, "%d target(s) MISSED; BENCHMARKS.md explains where the time goes.\n", missed)
	}
	return missed
}

func us(d time.Duration) string { return fmt.Sprintf("%.1fµs", float64(d.Nanoseconds())/1e3) }
func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Nanoseconds())/1e6) }

func (r *report) writeProxy(w io.Writer) {
	c := r.Proxy
	direct, bare := c.result(scDirect), c.result(scBare)
	fmt.Fprintf(w, "\n== Proxy path: %d connections on loopback, %d round(s) × %s per scenario ==\n", c.Conns, c.Rounds, c.Duration)
	fmt.Fprintln(w, "The load generator and the upstream run in one process, the proxy under test in another, both under the BFF's")
	fmt.Fprintf(w, "deployed garbage-collector setting (%s for the regional task's %d MiB; bff/gcpolicy).\n", gcPolicyText(), taskMemoryMiB)
	fmt.Fprintln(w, "Saturated (closed loop). req/s and latency are medians over rounds. CPU and allocations are pooled over rounds")
	fmt.Fprintln(w, "and summed over both processes; the proxy columns subtract the direct call's, leaving what the proxy layer costs:")
	fmt.Fprintln(w, "its own process's CPU (shown alone) plus the extra work its requests and answers cause the client and the upstream.")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\treq/s\tp50\tp99\tCPU/req\tallocs/req\tproxy CPU/req\tproxy allocs/req\tproxy KB/req\tproxy process CPU/req\tprocess cost vs bare\treq/s vs bare\tproxy cost vs bare\t")
	bareCPU := bare.Saturated.CPUPerRequest() - direct.Saturated.CPUPerRequest()
	for _, res := range c.Results {
		s := res.Saturated
		proxyCPU := s.CPUPerRequest() - direct.Saturated.CPUPerRequest()
		proxyAllocs := s.AllocsPerRequest() - direct.Saturated.AllocsPerRequest()
		proxyKB := (s.BytesPerRequest() - direct.Saturated.BytesPerRequest()) / 1024
		cols := []string{res.Name, fmt.Sprintf("%.0f", RPS(res.SaturatedRounds)), ms(Latency(res.SaturatedRounds, 0.5)), ms(Latency(res.SaturatedRounds, 0.99)), us(s.CPUPerRequest()), fmt.Sprintf("%.0f", s.AllocsPerRequest())}
		if res.Name == scDirect {
			cols = append(cols, "-", "-", "-", "-", "-", fmt.Sprintf("%.2f×", RPS(res.SaturatedRounds)/RPS(bare.SaturatedRounds)), "-")
		} else {
			cols = append(cols, us(proxyCPU), fmt.Sprintf("%.0f", proxyAllocs), fmt.Sprintf("%.1f", proxyKB), us(s.ProxyCPUPerRequest()),
				fmt.Sprintf("%.2f×", float64(s.ProxyCPUPerRequest())/float64(bare.Saturated.ProxyCPUPerRequest())),
				fmt.Sprintf("%.2f×", RPS(res.SaturatedRounds)/RPS(bare.SaturatedRounds)), fmt.Sprintf("%.2f×", float64(proxyCPU)/float64(bareCPU)))
		}
		fmt.Fprintln(tw, strings.Join(cols, "\t")+"\t")
	}
	tw.Flush()
	fmt.Fprintf(w, "\nPaced (open loop) at %.0f req/s over %d connections. A timerfd releases each request at its scheduled start,\n", c.PacedRate, c.Conns)
	fmt.Fprintln(w, "and its latency runs from that start, so a stall is charged to every request it delays.")
	fmt.Fprintln(w, "Percentiles are the median over rounds of each round's percentile, so one stall of a shared machine does not stand for the run.")
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\treq/s\tp50\tp99\tp99.9\tp99 by round\tadded p50 vs direct\tadded p99 vs direct\tadded p99 vs bare\t")
	dp50, dp99, bp99 := Latency(direct.PacedRounds, 0.5), Latency(direct.PacedRounds, 0.99), Latency(bare.PacedRounds, 0.99)
	for _, res := range c.Results {
		p50, p99 := Latency(res.PacedRounds, 0.5), Latency(res.PacedRounds, 0.99)
		var byRound []string
		for _, rr := range res.PacedRounds {
			byRound = append(byRound, ms(rr.Percentile(0.99)))
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", res.Name, RPS(res.PacedRounds), ms(p50), ms(p99), ms(Latency(res.PacedRounds, 0.999)),
			strings.Join(byRound, " "), ms(p50-dp50), ms(p99-dp99), ms(p99-bp99))
	}
	tw.Flush()
	for _, res := range c.Results {
		if res.Checked != "" {
			fmt.Fprintf(w, "checked (%s): %s\n", res.Name, res.Checked)
		}
	}
	writeSaturatedLatency(w, c)
	for _, p := range c.Profiles {
		fmt.Fprintf(w, "profile: %s (go tool pprof -top %s)\n", p, p)
	}
	mem := c.result(scBFFMemory)
	ratio := float64(mem.Saturated.CPUPerRequest()-direct.Saturated.CPUPerRequest()) / float64(bareCPU)
	r.check("BFF (memory) cost per request vs bare proxy (proxy-layer CPU)", fmt.Sprintf("%.2f×", ratio), fmt.Sprintf("≤ %.1f×", maxCostRatio), ratio <= maxCostRatio)
	added := Latency(mem.PacedRounds, 0.99) - dp99
	r.check(fmt.Sprintf("BFF (memory) added p99 at %d connections (paced, vs direct)", c.Conns), ms(added), "≤ 1ms", added <= maxAddedP99)
}

// writeSaturatedLatency explains why the closed loop's latency is not the
// added-latency target: with every connection always busy, latency is the
// queue (Little's law), so it restates the throughput ratio.
func writeSaturatedLatency(w io.Writer, c *comparison) {
	dp99 := Latency(c.result(scDirect).SaturatedRounds, 0.99)
	bp99 := Latency(c.result(scBare).SaturatedRounds, 0.99)
	mp99 := Latency(c.result(scBFFMemory).SaturatedRounds, 0.99)
	fmt.Fprintf(w, "saturated latency is queueing (%d requests always in flight / throughput), not a target: the BFF's p99 is %s above\n", c.Conns, ms(mp99-dp99))
	fmt.Fprintf(w, "the direct call's and %s above the bare proxy's; the bare proxy's own is %s above the direct call's.\n", ms(mp99-bp99), ms(bp99-dp99))
}

func (r *report) writeMicro(w io.Writer) {
	fmt.Fprintln(w, "\n== Session path, per operation ==")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\ttime/op\tallocs/op\tnote")
	for _, m := range r.Micro {
		fmt.Fprintf(tw, "%s\t%.2fµs\t%.0f\t%s\n", m.Name, m.NsPerOp/1e3, m.AllocsPerOp, m.Note)
		d := time.Duration(m.NsPerOp)
		switch m.Name {
		case "session seal", "session open":
			r.check(m.Name, us(d), "≤ 5µs", d <= maxSealOpen)
		case "Manager.AccessToken":
			r.check("session open + decode, as the request path runs it (Manager.AccessToken)", us(d), "≤ 5µs", d <= maxSealOpen)
		case "session lookup + unseal, redis":
			r.check("redis session lookup round trips", fmt.Sprintf("%.2f commands per lookup", m.RedisCommands), "1", m.RedisCommands <= 1.0)
		}
	}
	tw.Flush()
	bare, bff := r.microNamed(handlerBare), r.microNamed(handlerBFF)
	if bare.NsPerOp > 0 && bff.NsPerOp > 0 {
		ratio := bff.NsPerOp / bare.NsPerOp
		fmt.Fprintf(w, "in process, the BFF handler costs %.2f× the bare ReverseProxy (%.1fµs vs %.1fµs, %.0f vs %.0f allocs)\n", ratio, bff.NsPerOp/1e3, bare.NsPerOp/1e3, bff.AllocsPerOp, bare.AllocsPerOp)
		r.check("BFF (memory) handler cost vs bare ReverseProxy (in process, no sockets)", fmt.Sprintf("%.2f×", ratio), fmt.Sprintf("≤ %.1f×", maxCostRatio), ratio <= maxCostRatio)
	}
}

func (r *report) microNamed(name string) microResult {
	for _, m := range r.Micro {
		if m.Name == name {
			return m
		}
	}
	return microResult{}
}

func mib(b int64) string { return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20)) }
func gib(b int64) string { return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30)) }

func (r *report) writeLambda(w io.Writer) {
	l := r.Lambda
	fmt.Fprintln(w, "\n== Lambda artifact (bff/cmd/bff) ==")
	fmt.Fprintf(w, "zip (linux/arm64, provided.al2023): %s (%d bytes) at %s\n", mib(l.ZipBytes), l.ZipBytes, l.ZipPath)
	r.check("Lambda zip size", mib(l.ZipBytes), "≤ 8 MiB", l.ZipBytes <= maxZipBytes)
	fmt.Fprintf(w, "process start to first served request, %d runs of the same binary built for this machine:\n", l.Runs)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "mode\tmedian\tmin\tmax\tfirst request")
	fmt.Fprintf(tw, "Lambda (edge config, Runtime API on loopback)\t%s\t%s\t%s\tGET /healthz event, response posted\n", ms(median(l.LambdaStarts)), ms(l.LambdaStarts[0]), ms(l.LambdaStarts[len(l.LambdaStarts)-1]))
	fmt.Fprintf(tw, "HTTP server (regional config)\t%s\t%s\t%s\tGET /healthz answered 200\n", ms(median(l.HTTPStarts)), ms(l.HTTPStarts[0]), ms(l.HTTPStarts[len(l.HTTPStarts)-1]))
	tw.Flush()
	r.check("Lambda start to first response (median)", ms(median(l.LambdaStarts)), "≤ 50ms", median(l.LambdaStarts) <= maxStartToServe)
	p := l.Network
	fmt.Fprintf(w, "network before the first request (%s):\n", p.Command)
	if p.Missing != "" {
		fmt.Fprintf(w, "  not traced: %s\n", p.Missing)
		r.check("no network I/O before the first request", "not traced", "none", false)
		return
	}
	fmt.Fprintf(w, "  Lambda mode: connect() calls %v; the Runtime API is %s\n", p.LambdaConnects, p.RuntimeAPI)
	fmt.Fprintf(w, "  HTTP mode: connect() calls before the first accepted connection: %v\n", p.HTTPConnects)
	fmt.Fprintf(w, "  traces: %s\n", strings.Join(p.Traces, ", "))
	got := "only the Runtime API (Lambda), none (HTTP)"
	if !p.Proven() {
		got = fmt.Sprintf("Lambda %v, HTTP %v", p.LambdaConnects, p.HTTPConnects)
	}
	r.check("no network I/O before the first request", got, "none but the Runtime API", p.Proven())
}

func (r *report) writePulumi(w io.Writer) {
	fmt.Fprintln(w, "\n== Pulumi program: warm build and a mock run of every stack ==")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, s := range r.Pulumi.Steps {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, fmt.Sprintf("%.2fs", s.Duration.Seconds()), s.Note)
	}
	fmt.Fprintf(tw, "total\t%.2fs\t\n", r.Pulumi.Total.Seconds())
	for _, s := range r.Pulumi.Aside {
		fmt.Fprintf(tw, "(not counted) %s\t%.2fs\t%s\n", s.Name, s.Duration.Seconds(), s.Note)
	}
	tw.Flush()
	r.check("warm build + mock run of all three stacks", fmt.Sprintf("%.2fs", r.Pulumi.Total.Seconds()), "≤ 15s", r.Pulumi.Total <= maxProgramSeconds)
}

func (r *report) writeCold(w io.Writer) {
	c := r.Cold
	fmt.Fprintln(w, "\n== Pulumi program: cold compile ==")
	fmt.Fprintf(w, "command: %s\n", c.Command)
	fmt.Fprintf(w, "wall time %.0fs; peak RSS of the largest process %s (/usr/bin/time -v); peak RSS of the whole build, summed %s\n", c.Wall.Seconds(), gib(c.MaxRSSLargest), gib(c.PeakTreeRSS))
	peak := max(c.MaxRSSLargest, c.PeakTreeRSS)
	r.check("cold-compile peak memory (whole build)", gib(peak), "≤ 6 GiB", peak <= maxColdRSSBytes)
}
