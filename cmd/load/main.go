// Command load drives the real BFF binary, with the redis session store and
// the real oidc-provider on loopback, through many users' sign-ins and
// proxied calls across several access-token expiries, and prints the
// figures: users, requests, lost sessions, the BFF's own 5xx answers, and
// refreshes per expiry. It exits 1 when any promise is broken.
//
//	go run ./cmd/load -users 64 -calls 400 -rounds 4
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/bff/reliability"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	users, calls, rounds, concurrency int
	period, limit                     time.Duration
	jsonOut                           bool
	bffLog                            string
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.users, "users", 64, "concurrent users, each with its own session")
	fs.IntVar(&o.calls, "calls", 400, "proxied calls per user, spread over the rounds")
	fs.IntVar(&o.rounds, "rounds", 4, "access-token expiries each session goes through")
	fs.IntVar(&o.concurrency, "concurrency", 4, "calls each user keeps in flight")
	fs.DurationVar(&o.period, "period", 15*time.Second, "how long after issue an access token comes due (the IdP's TTL is this plus the BFF's 60s refresh skew)")
	fs.DurationVar(&o.limit, "limit", 15*time.Minute, "give up after this long")
	fs.BoolVar(&o.jsonOut, "json", false, "print the figures as JSON")
	fs.StringVar(&o.bffLog, "bff-log", "", "write the BFF's log to this file when the run ends")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var problems []error
	if o.users < 1 || o.users > 1000 {
		problems = append(problems, errors.New("-users must be between 1 and 1000"))
	}
	if o.rounds < 1 || o.calls < o.rounds {
		problems = append(problems, errors.New("-rounds must be at least 1 and -calls at least -rounds"))
	}
	if err := reliability.CheckIdPCapacity(o.users, o.rounds); o.users >= 1 && o.rounds >= 1 && err != nil {
		problems = append(problems, err)
	}
	if o.concurrency < 1 {
		problems = append(problems, errors.New("-concurrency must be at least 1"))
	}
	if o.period < 2*time.Second {
		problems = append(problems, errors.New("-period must be at least 2s so that a round fits inside it"))
	}
	if o.limit <= 0 {
		problems = append(problems, errors.New("-limit must be positive"))
	}
	return o, errors.Join(problems...)
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "load:", err)
		}
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.limit)
	defer cancel()
	dir, err := os.MkdirTemp("", "gatehouse-load-")
	if err != nil {
		fmt.Fprintln(stderr, "load:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "load: "+format+"\n", a...) }
	logf("building bff/cmd/bff")
	bin, err := reliability.BuildBFF(ctx, dir)
	if err != nil {
		fmt.Fprintln(stderr, "load:", err)
		return 1
	}
	ttl := reliability.RefreshSkew + o.period
	h, err := reliability.Start(ctx, reliability.Options{Binary: bin, Users: o.users, AccessTokenTTL: ttl})
	if err != nil {
		fmt.Fprintln(stderr, "load:", err)
		return 1
	}
	defer h.Close()
	logf("BFF at %s (redis store, oidc-provider access-token TTL %s)", h.URL, ttl)
	f, err := reliability.RunLoad(ctx, h, reliability.LoadOptions{Users: o.users, CallsPerUser: o.calls, Rounds: o.rounds,
		Concurrency: o.concurrency, AccessTokenTTL: ttl, Logf: logf})
	if o.bffLog != "" {
		if werr := os.WriteFile(o.bffLog, []byte(h.BFF.Output()), 0o600); werr != nil {
			fmt.Fprintln(stderr, "load:", werr)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "load:", err)
		return 1
	}
	if o.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(report(f))
	} else {
		fmt.Fprintln(stdout, f)
	}
	problems := f.Problems()
	if leaked := h.LeakedSecrets(); len(leaked) > 0 {
		problems = append(problems, fmt.Sprintf("the BFF's output contains %v", leaked))
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, "FAIL:", p)
	}
	if len(problems) > 0 {
		return 1
	}
	fmt.Fprintln(stderr, "load: PASS")
	return 0
}

func report(f reliability.Figures) map[string]any {
	rounds := make([]string, len(f.RoundTimes))
	for i, d := range f.RoundTimes {
		rounds[i] = d.String()
	}
	return map[string]any{
		"users": f.Users, "requests": f.Requests, "rounds": f.Rounds, "lostSessions": f.LostSessions, "bff5xx": f.BFF5xx,
		"otherFailures": f.OtherFailures, "expiries": f.Expiries, "refreshes": f.Refreshes, "refreshErrors": f.RefreshErrors,
		"refreshesPerExpiry": f.RefreshesPerExpiry(), "tokenChanges": f.TokenChanges, "splitRounds": f.SplitRounds,
		"leakedCredentials": f.LeakedCredentials, "login": f.LoginTime.String(), "roundTimes": rounds,
		"p50": f.P50.String(), "p99": f.P99.String(), "max": f.Max.String(), "elapsed": f.Elapsed.String(), "failures": f.Failures,
	}
}
