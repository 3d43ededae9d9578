// Command bench measures Gatehouse against the performance targets of
// docs/ARCHITECTURE.md and prints each figure beside its target, marking a
// missed one MISSED. Its sections:
//
//   - proxy: side by side against one loopback upstream, a direct call, a
//     bare httputil.ReverseProxy with a tuned Transport, and the BFF with its
//     session in the memory store and in Redis. The load generator and the
//     upstream run in a second process (the harness re-executes itself);
//     this one holds only the proxies under test;
//   - micro: the per-request session pieces (seal, open, cookie, CSRF, lookup);
//   - lambda: the zip size, process start to first served request, and the
//     network calls made before it;
//   - pulumi: warm build plus a mock run of every stack;
//   - cold: the peak memory of a cold compile (minutes; not run by default).
//
// Usage:
//
//	go run ./cmd/bench                 # every section but cold
//	go run ./cmd/bench -quick          # seconds; proves the harness works
//	go run ./cmd/bench -sections cold  # the cold compile alone
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/devservers"
)

// Exit codes: a missed target is distinct from a run that could not measure.
const (
	exitError  = 1
	exitUsage  = 2
	exitMissed = 3
)

var allSections = []string{"proxy", "micro", "lambda", "pulumi", "cold"}

type options struct {
	Sections    []string
	Compare     compareOptions
	MicroTime   time.Duration
	StartRuns   int
	Out         string
	Strict      bool
	Quick       bool
	CommandLine string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if isWorld() {
		os.Exit(runWorld(ctx, os.Stdin, os.Stdout))
	}
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func parseOptions(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{CommandLine: strings.TrimSpace("go run ./cmd/bench " + strings.Join(args, " "))}
	quick := fs.Bool("quick", false, "smoke mode: proxy and micro sections with short passes; no timing is meaningful")
	sections := fs.String("sections", "proxy,micro,lambda,pulumi", "comma-separated sections: "+strings.Join(allSections, ", ")+" (cold = cold-compile peak memory, minutes)")
	fs.IntVar(&o.Compare.Conns, "conns", 64, "concurrent connections in the proxy comparison")
	fs.DurationVar(&o.Compare.Duration, "duration", 5*time.Second, "measured time per scenario per round")
	fs.DurationVar(&o.Compare.Warmup, "warmup", time.Second, "unmeasured warm-up before each pass")
	fs.IntVar(&o.Compare.Rounds, "rounds", 3, "rounds; scenarios are interleaved within each")
	fs.Float64Var(&o.Compare.PacedFraction, "paced-fraction", 0.25, "paced pass rate as a fraction of the slowest scenario's saturated req/s")
	fs.DurationVar(&o.MicroTime, "micro-time", time.Second, "minimum time per micro measurement")
	fs.IntVar(&o.StartRuns, "start-runs", 21, "process starts measured for the start-to-first-response median")
	fs.StringVar(&o.Out, "out", "bench-results", "directory for CPU profiles and the built artifacts' logs")
	fs.BoolVar(&o.Strict, "strict", false, "exit 3 when a target is missed")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}
	o.Sections = strings.Split(*sections, ",")
	if *quick {
		o.Quick = true
		o.Sections = []string{"proxy", "micro"}
		o.Compare.Duration, o.Compare.Warmup, o.Compare.Rounds = 300*time.Millisecond, 100*time.Millisecond, 1
		o.MicroTime = 20 * time.Millisecond
		o.StartRuns = 3
	}
	var problems []string
	for _, s := range o.Sections {
		if !slices.Contains(allSections, s) {
			problems = append(problems, fmt.Sprintf("-sections: unknown section %q: use %s", s, strings.Join(allSections, ", ")))
		}
	}
	if o.Compare.Conns < 1 {
		problems = append(problems, "-conns must be at least 1")
	}
	if o.Compare.Rounds < 1 {
		problems = append(problems, "-rounds must be at least 1")
	}
	if o.Compare.Duration <= 0 {
		problems = append(problems, "-duration must be positive")
	}
	if o.Compare.PacedFraction <= 0 || o.Compare.PacedFraction > 1 {
		problems = append(problems, "-paced-fraction must be in (0, 1]")
	}
	if o.StartRuns < 1 {
		problems = append(problems, "-start-runs must be at least 1")
	}
	if len(problems) > 0 {
		return nil, errors.New("bench: " + strings.Join(problems, "; "))
	}
	if !o.Quick {
		o.Compare.ProfileDir = o.Out
	}
	return o, nil
}

// sectionPrograms are the programs each section starts from PATH.
var sectionPrograms = map[string][]string{"proxy": {"redis-server"}, "micro": {"redis-server"}}

// requirePrograms fails a run at its start, not minutes in, when a section
// needs a program this machine lacks; the error says how to install it.
func requirePrograms(sections []string) error {
	var errs []error
	seen := map[string]bool{}
	for _, s := range sections {
		for _, p := range sectionPrograms[s] {
			if seen[p] {
				continue
			}
			seen[p] = true
			if _, err := devservers.LookPath(p); err != nil {
				errs = append(errs, fmt.Errorf("bench: the %s section: %w", s, err))
			}
		}
	}
	return errors.Join(errs...)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, err)
		}
		return exitUsage
	}
	if err := requirePrograms(o.Sections); err != nil {
		fmt.Fprintln(stderr, err)
		return exitError
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	rep := &report{Options: o, Machine: describeMachine(), Started: time.Now().UTC()}
	has := func(s string) bool { return slices.Contains(o.Sections, s) }
	steps := []struct {
		section string
		run     func() error
	}{
		{"micro", func() (err error) { rep.Micro, err = runMicro(ctx, o.MicroTime, o.Compare.ProfileDir); return }},
		{"proxy", func() (err error) { rep.Proxy, err = runComparison(ctx, o.Compare, logf); return }},
		{"lambda", func() (err error) { rep.Lambda, err = runLambda(ctx, o, logf); return }},
		{"pulumi", func() (err error) { rep.Pulumi, err = runPulumi(ctx, logf); return }},
		{"cold", func() (err error) { rep.Cold, err = runColdCompile(ctx, o, logf); return }},
	}
	for _, st := range steps {
		if !has(st.section) {
			continue
		}
		logf("bench: %s…", st.section)
		if err := st.run(); err != nil {
			fmt.Fprintln(stderr, err)
			return exitError
		}
	}
	rep.Finished = time.Now().UTC()
	rep.LoadAfter = loadAverage()
	missed := rep.write(stdout)
	if missed > 0 && o.Strict {
		return exitMissed
	}
	return 0
}
