package main

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/devservers"
)

// TestMain lets the test binary serve as the harness's world process, as
// the harness re-executes itself for it.
func TestMain(m *testing.M) {
	if isWorld() {
		os.Exit(runWorld(context.Background(), os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// TestQuickMode runs the harness's smoke mode end to end: a real upstream,
// the bare proxy, the BFF with the memory store and with a real
// redis-server, and the per-operation measurements. It checks that every
// scenario ran and was verified, never how fast anything was.
func TestQuickMode(t *testing.T) {
	devservers.RequireT(t, "redis-server")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-quick"}, &stdout, &stderr); code != 0 {
		t.Fatalf("bench -quick exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		scDirect, scBare, scBFFMemory, scBFFRedis,
		"checked (" + scBFFMemory + "): every request reached the upstream with the session's bearer token and without the cookie",
		"checked (" + scBFFRedis + "): every request reached the upstream",
		"session seal", "session open", "cookie parse", "CSRF check",
		"session lookup + unseal, redis", "1.00 commands per lookup",
		"QUICK MODE",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Targets") {
		t.Errorf("quick mode judged targets; its passes are too short to:\n%s", out)
	}
}

// TestRunNamesAMissingProgramAtOnce runs the harness on a machine without
// redis-server (an empty PATH): it must stop before measuring anything, with
// one line saying what is missing and how to install it.
func TestRunNamesAMissingProgramAtOnce(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-quick"}, &stdout, &stderr)
	msg := strings.TrimSpace(stderr.String())
	if code != exitError || strings.Contains(msg, "\n") || !strings.Contains(msg, "redis-server is not installed") || !strings.Contains(msg, "make deps") {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and one line naming redis-server and `make deps`", code, msg, exitError)
	}
}

func TestOptionsRejectEveryProblemAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"unknown section", []string{"-sections", "proxy,nope"}, []string{`unknown section "nope"`}},
		{"several", []string{"-conns", "0", "-rounds", "0", "-paced-fraction", "2"}, []string{"-conns", "-rounds", "-paced-fraction"}},
		{"stray argument", []string{"extra"}, []string{"unexpected arguments"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseOptions(tc.args, &bytes.Buffer{})
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestConnectsReadsStraceLogs(t *testing.T) {
	log := []string{
		`101 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP) = 3`,
		`101 connect(3, {sa_family=AF_INET, sin_port=htons(41234), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)`,
		`102 connect(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2600:1f18::1", &sin6_addr), sin6_scope_id=0}, 28 <unfinished ...>`,
		`101 accept4(3, 0xc000, [112], SOCK_CLOEXEC|SOCK_NONBLOCK) = -1 EAGAIN (Resource temporarily unavailable)`,
		`103 connect(7, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)`,
		`101 accept4(3, {sa_family=AF_INET, sin_port=htons(50000), sin_addr=inet_addr("127.0.0.1")}, [112 => 16], SOCK_CLOEXEC|SOCK_NONBLOCK) = 7`,
		`101 connect(8, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("52.94.0.1")}, 16) = 0`,
	}
	for _, tc := range []struct {
		name        string
		untilAccept bool
		want        []string
	}{
		{"whole run", false, []string{"127.0.0.1:41234", "[2600:1f18::1]:443", "unix:/var/run/nscd/socket", "52.94.0.1:443"}},
		{"before the first accepted connection", true, []string{"127.0.0.1:41234", "[2600:1f18::1]:443", "unix:/var/run/nscd/socket"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := connects(log, tc.untilAccept); !slices.Equal(got, tc.want) {
				t.Errorf("connects = %q; want %q", got, tc.want)
			}
		})
	}
}

func TestNetworkProofVerdicts(t *testing.T) {
	const rt = "127.0.0.1:9001"
	for _, tc := range []struct {
		name  string
		proof networkProof
		want  bool
	}{
		{"runtime API only, no HTTP connects", networkProof{RuntimeAPI: rt, LambdaConnects: []string{rt, rt}}, true},
		{"a call to AWS at start", networkProof{RuntimeAPI: rt, LambdaConnects: []string{rt, "52.94.0.1:443"}}, false},
		{"nothing traced at all", networkProof{RuntimeAPI: rt}, false},
		{"HTTP mode connects before serving", networkProof{RuntimeAPI: rt, LambdaConnects: []string{rt}, HTTPConnects: []string{"10.0.0.1:6379"}}, false},
		{"strace missing", networkProof{RuntimeAPI: rt, LambdaConnects: []string{rt}, Missing: "strace is not installed"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.proof.Proven(); got != tc.want {
				t.Errorf("Proven() = %v; want %v", got, tc.want)
			}
		})
	}
}

func TestParseMaxRSS(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"\tMaximum resident set size (kbytes): 4718592\n", 4718592 << 10},
		{"no such line", 0},
	} {
		if got := parseMaxRSS(tc.in); got != tc.want {
			t.Errorf("parseMaxRSS(%q) = %d; want %d", tc.in, got, tc.want)
		}
	}
}

func TestRoundMediansIgnoreOneStalledRound(t *testing.T) {
	round := func(requests int, elapsed time.Duration, lat ...time.Duration) loadResult {
		return loadResult{Requests: requests, Elapsed: elapsed, Latencies: lat}
	}
	ms := time.Millisecond
	for _, tc := range []struct {
		name    string
		rounds  []loadResult
		wantRPS float64
		wantP50 time.Duration
	}{
		{"one round", []loadResult{round(100, time.Second, ms, 2*ms)}, 100, ms},
		{"a stall in the middle round", []loadResult{round(1000, time.Second, ms, 2*ms), round(10, time.Second, 900*ms, 2000*ms), round(900, time.Second, ms, 3*ms)}, 900, ms},
		{"no rounds", nil, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RPS(tc.rounds); got != tc.wantRPS {
				t.Errorf("RPS = %v; want %v", got, tc.wantRPS)
			}
			if got := Latency(tc.rounds, 0.5); got != tc.wantP50 {
				t.Errorf("Latency(p50) = %v; want %v", got, tc.wantP50)
			}
		})
	}
}
