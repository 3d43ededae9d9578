package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var stacks = []string{"dev", "fedramp", "govcloud"}

type timedStep struct {
	Name     string
	Duration time.Duration
	Note     string
}

type pulumiResult struct {
	Steps []timedStep
	Total time.Duration
	Aside []timedStep // reported, not counted
}

// runPulumi times the warm loop: a build of the offline review (the program
// and the policy rules, run under Pulumi mocks) with every package cached
// but a fresh link, as after a source change, then one mock run per stack.
// Aside runs first make the caches warm whatever changed since.
func runPulumi(ctx context.Context, logf func(string, ...any)) (*pulumiResult, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "gatehouse-bench-pulumi-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(work)
	program, review := filepath.Join(work, "gatehouse"), filepath.Join(work, "review")
	builds := [][]string{{"go", "build", "-o", program, "."}, {"go", "build", "-o", review, "./cmd/review"}}
	res := &pulumiResult{}
	logf("  priming the build and artifact caches…")
	for _, b := range builds {
		if _, err := runIn(ctx, root, nil, b...); err != nil {
			return nil, err
		}
	}
	// The first mock run after a BFF change also builds the Lambda zip; it is
	// reported, not counted: the target is the warm loop.
	for _, s := range stacks {
		start := time.Now()
		_, _ = runIn(ctx, root, nil, review, "--stack", s, "--format", "json", "--root", root)
		res.Aside = append(res.Aside, timedStep{Name: "first mock run: " + s, Duration: time.Since(start), Note: "before the caches were warm"})
	}
	step := func(name, note string, args ...string) error {
		start := time.Now()
		_, err := runIn(ctx, root, nil, args...)
		d := time.Since(start)
		if err != nil && !strings.HasPrefix(name, "mock run") {
			return err
		}
		if err != nil {
			note = "review reported: " + firstLine(err.Error())
		}
		res.Steps = append(res.Steps, timedStep{Name: name, Duration: d, Note: note})
		res.Total += d
		return nil
	}
	// A fresh -X value forces the link a source change would cause, while
	// every package stays cached: the warm loop, not a no-op.
	relink := func(b []string) []string {
		return append([]string{b[0], b[1], fmt.Sprintf("-ldflags=-X=main.benchBuild=%d", time.Now().UnixNano())}, b[2:]...)
	}
	// The program's own build is reported beside the loop: the mock runner
	// compiles and links the same program, and the mock runs need only it.
	start := time.Now()
	if _, err := runIn(ctx, root, nil, relink(builds[0])...); err != nil {
		return nil, err
	}
	res.Aside = append(res.Aside, timedStep{Name: "warm build: program (go build .)", Duration: time.Since(start), Note: "cached packages, fresh link; what pulumi up builds"})
	if err := step("warm build: mock runner (go build ./cmd/review)", "cached packages, fresh link", relink(builds[1])...); err != nil {
		return nil, err
	}
	// Not counted: what stripping symbols and DWARF would save on each link.
	for i, name := range []string{"program", "mock runner"} {
		b := relink(builds[i])
		b[2] += " -s -w"
		start := time.Now()
		if _, err := runIn(ctx, root, nil, b...); err != nil {
			return nil, err
		}
		res.Aside = append(res.Aside, timedStep{Name: "warm build with -ldflags=-s -w: " + name, Duration: time.Since(start), Note: "no symbol table or DWARF"})
	}
	for _, s := range stacks {
		if err := step("mock run: "+s, "program under Pulumi mocks + policy rules", review, "--stack", s, "--format", "json", "--root", root); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

func runIn(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("bench: %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

type coldResult struct {
	Wall time.Duration
	// MaxRSSLargest is /usr/bin/time's figure: the largest single process.
	MaxRSSLargest int64
	// PeakTreeRSS sums every process of the build, sampled every 100ms.
	PeakTreeRSS int64
	Command     string
}

// runColdCompile builds the program with an empty build cache and records
// the peak memory, both of the largest process and of the whole build.
func runColdCompile(ctx context.Context, o *options, logf func(string, ...any)) (*coldResult, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	timeBin, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		return nil, fmt.Errorf("bench: the cold compile needs GNU time (apt-get install time): %w", err)
	}
	cache, err := os.MkdirTemp("", "gatehouse-bench-gocache-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(cache)
	out := filepath.Join(cache, "gatehouse")
	args := []string{"-v", "go", "build", "-o", out, "."}
	res := &coldResult{Command: "GOCACHE=$(mktemp -d) /usr/bin/time -v go build -o <tmp> ."}
	logf("  cold compile with an empty GOCACHE (minutes)…")
	cmd := exec.CommandContext(ctx, timeBin, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOCACHE="+cache)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case err := <-done:
			res.Wall = time.Since(start)
			if err != nil {
				return nil, fmt.Errorf("bench: cold compile (peak RSS so far: largest process %s, whole build %s): %w\n%s", gib(parseMaxRSS(stderr.String())), gib(res.PeakTreeRSS), err, stderr.String())
			}
			res.MaxRSSLargest = parseMaxRSS(stderr.String())
			return res, nil
		case <-ticker.C:
			res.PeakTreeRSS = max(res.PeakTreeRSS, treeRSS(cmd.Process.Pid))
		}
	}
}

var maxRSSLine = regexp.MustCompile(`Maximum resident set size \(kbytes\):\s*(\d+)`)

func parseMaxRSS(timeOutput string) int64 {
	m := maxRSSLine.FindStringSubmatch(timeOutput)
	if m == nil {
		return 0
	}
	kb, _ := strconv.ParseInt(m[1], 10, 64)
	return kb << 10
}

// treeRSS sums the resident memory of root and all its descendants.
func treeRSS(root int) int64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	parent := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid := procPPID(pid); ppid > 0 {
			parent[pid] = ppid
		}
	}
	var total int64
	for pid := range parent {
		for p := parent[pid]; p > 1; p = parent[p] {
			if p == root {
				total += procRSS(pid)
				break
			}
		}
	}
	return total + procRSS(root)
}

func procPPID(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces and parentheses; fields follow the last ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

func procRSS(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
