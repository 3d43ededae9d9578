package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// networkProof is what strace saw the BFF do on the network from process
// start to its first served request.
type networkProof struct {
	Missing string
	Command string
	// LambdaConnects lists every connect() in Lambda mode; each must be the
	// Runtime API, through which the first request arrives.
	LambdaConnects []string
	RuntimeAPI     string
	// HTTPConnects lists every connect() in HTTP mode before the first
	// accepted connection; it must be empty.
	HTTPConnects []string
	// Traces keep the raw strace output for the record.
	Traces []string
}

func (p *networkProof) LambdaOnlyRuntimeAPI() bool {
	if len(p.LambdaConnects) == 0 {
		return false // the Runtime API connection must show up, or the trace saw nothing
	}
	for _, c := range p.LambdaConnects {
		if c != p.RuntimeAPI {
			return false
		}
	}
	return true
}

func (p *networkProof) Proven() bool {
	return p.Missing == "" && p.LambdaOnlyRuntimeAPI() && len(p.HTTPConnects) == 0
}

const straceArgs = "-f -qq -e trace=network"

func proveNoNetworkAtStart(ctx context.Context, bin, work, traceDir string, rt *runtimeAPI) (*networkProof, error) {
	proof := &networkProof{RuntimeAPI: rt.Addr, Command: "strace " + straceArgs + " -o <file> <bff binary>"}
	strace, err := exec.LookPath("strace")
	if err != nil {
		proof.Missing = "strace is not installed (apt-get install strace)"
		return proof, nil
	}
	if err := os.MkdirAll(traceDir, 0o755); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	lambdaTrace := filepath.Join(traceDir, "strace-lambda.txt")
	err = traced(ctx, strace, lambdaTrace, bin, append(edgeEnv(work), "AWS_LAMBDA_RUNTIME_API="+rt.Addr), func() error {
		select {
		case r := <-rt.resp:
			if r.status != http.StatusOK {
				return fmt.Errorf("bench: traced lambda run answered %d %s", r.status, r.err)
			}
			return nil
		case <-time.After(20 * time.Second):
			return fmt.Errorf("bench: traced lambda run: no response within 20s")
		}
	}, func() { drain(rt) })
	if err != nil {
		return nil, err
	}
	lines, err := readLines(lambdaTrace)
	if err != nil {
		return nil, err
	}
	proof.LambdaConnects = connects(lines, false)
	proof.Traces = append(proof.Traces, lambdaTrace)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	httpTrace := filepath.Join(traceDir, "strace-http.txt")
	err = traced(ctx, strace, httpTrace, bin, append(regionalEnv(work), "GATEHOUSE_LISTEN_ADDR="+addr), func() error {
		client := &http.Client{Timeout: time.Second}
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if resp, err := client.Get("http://" + addr + "/healthz"); err == nil {
				resp.Body.Close()
				return nil
			}
		}
		return fmt.Errorf("bench: traced http run: no answer within 20s")
	}, func() {})
	if err != nil {
		return nil, err
	}
	if lines, err = readLines(httpTrace); err != nil {
		return nil, err
	}
	proof.HTTPConnects = connects(lines, true)
	proof.Traces = append(proof.Traces, httpTrace)
	return proof, nil
}

func drain(rt *runtimeAPI) {
	for len(rt.resp) > 0 {
		<-rt.resp
	}
}

// traced runs bin under strace until served returns, then kills the whole
// process group (strace and the BFF), so no tracee is left running.
func traced(ctx context.Context, strace, out, bin string, env []string, served func() error, before func()) error {
	before()
	cmd := exec.CommandContext(ctx, strace, append(strings.Fields(straceArgs), "-o", out, bin)...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var output strings.Builder
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("bench: strace: %w", err)
	}
	err := served()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()
	if err != nil {
		return fmt.Errorf("%w; output:\n%s", err, output.String())
	}
	return nil
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

var (
	inet4      = regexp.MustCompile(`sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)`)
	inet6      = regexp.MustCompile(`sin6_port=htons\((\d+)\).*inet_pton\(AF_INET6, "([^"]+)"`)
	unixPath   = regexp.MustCompile(`sun_path=("[^"]*"|@"[^"]*")`)
	acceptedFD = regexp.MustCompile(`accept4?\(.*\)\s+=\s+\d+\s*$|<\.\.\. accept4? resumed>.*=\s+\d+\s*$`)
)

// connects returns the addresses of the connect() calls in an strace log;
// with untilAccept, only those before the first accepted connection.
func connects(lines []string, untilAccept bool) []string {
	var out []string
	for _, line := range lines {
		if untilAccept && acceptedFD.MatchString(line) {
			break
		}
		if !strings.Contains(line, "connect(") {
			continue
		}
		switch {
		case inet4.MatchString(line):
			m := inet4.FindStringSubmatch(line)
			out = append(out, net.JoinHostPort(m[2], m[1]))
		case inet6.MatchString(line):
			m := inet6.FindStringSubmatch(line)
			out = append(out, net.JoinHostPort(m[2], m[1]))
		case unixPath.MatchString(line):
			out = append(out, "unix:"+strings.Trim(unixPath.FindStringSubmatch(line)[1], `@"`))
		default:
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}
