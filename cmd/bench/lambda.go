package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse/gatehouse/internal/artifacts"
)

const bffPackage = "./bff/cmd/bff"

type lambdaResult struct {
	ZipPath  string
	ZipBytes int64
	Runs     int
	// LambdaStarts: process start to the first invocation's response posted
	// to the Runtime API. HTTPStarts: process start to the first 200 from
	// /healthz in HTTP mode. Both sorted.
	LambdaStarts []time.Duration
	HTTPStarts   []time.Duration
	Network      *networkProof
}

func median(d []time.Duration) time.Duration { return d[len(d)/2] }

func runLambda(ctx context.Context, o *options, logf func(string, ...any)) (*lambdaResult, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	logf("  building the Lambda zip (linux/arm64)…")
	zip, err := artifacts.BuildLambdaZip(ctx, artifacts.LambdaBuild{ModuleRoot: root, Package: bffPackage})
	if err != nil {
		return nil, err
	}
	res := &lambdaResult{ZipPath: zip.Path, ZipBytes: zip.Size, Runs: o.StartRuns}
	work, err := os.MkdirTemp("", "gatehouse-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(work)
	logf("  building the same binary for this machine…")
	bin, err := buildHostBinary(ctx, root, work)
	if err != nil {
		return nil, err
	}
	rt, err := startRuntimeAPI()
	if err != nil {
		return nil, err
	}
	defer rt.close()
	for i := range o.StartRuns {
		d, err := timeLambdaStart(ctx, bin, work, rt)
		if err != nil {
			return nil, fmt.Errorf("bench: lambda start %d: %w", i+1, err)
		}
		res.LambdaStarts = append(res.LambdaStarts, d)
		d, err = timeHTTPStart(ctx, bin, work)
		if err != nil {
			return nil, fmt.Errorf("bench: http start %d: %w", i+1, err)
		}
		res.HTTPStarts = append(res.HTTPStarts, d)
	}
	slices.Sort(res.LambdaStarts)
	slices.Sort(res.HTTPStarts)
	logf("  tracing network calls at start…")
	res.Network, err = proveNoNetworkAtStart(ctx, bin, work, o.Out, rt)
	if err != nil {
		return nil, err
	}
	return res, nil
}

func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	return artifacts.ModuleRoot(wd)
}

// buildHostBinary builds the BFF with the Lambda artifact's flags for the
// machine running the bench, so its start can be timed here.
func buildHostBinary(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-tags=lambda.norpc", "-o", bin, bffPackage)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("bench: go build %s: %w\n%s", bffPackage, err, out)
	}
	return bin, nil
}

// edgeEnv is the environment the edge stack gives the Lambda function: the
// DynamoDB store, a KMS-wrapped data key and Cognito endpoints. None of them
// is reachable from here, which is the point: start-up must not need them.
// HOME is an empty directory so no AWS profile on the machine is read.
func edgeEnv(home string) []string {
	ciphertext := make([]byte, 184)
	_, _ = rand.Read(ciphertext)
	routes, _ := json.Marshal([]map[string]string{{"name": "todos", "upstream": "https://todo.internal.example"}})
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"AWS_REGION=us-east-1",
		// Lambda hands the function its role's session credentials this way.
		"AWS_ACCESS_KEY_ID=ASIABENCHBENCHBENCH0",
		"AWS_SECRET_ACCESS_KEY=bench-secret-access-key",
		"AWS_SESSION_TOKEN=bench-session-token",
		"AWS_LAMBDA_FUNCTION_NAME=gatehouse-bff",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"GATEHOUSE_MODE=edge",
		"GATEHOUSE_PUBLIC_URL=https://app.bench.example",
		"GATEHOUSE_OIDC_ISSUER=https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench0001",
		"GATEHOUSE_COGNITO_DOMAIN=https://gatehouse-bench.auth.us-east-1.amazoncognito.com",
		"GATEHOUSE_OIDC_CLIENT_ID=bench-client",
		"GATEHOUSE_OIDC_CLIENT_SECRET=bench-client-secret",
		"GATEHOUSE_SESSION_STORE=dynamodb",
		"GATEHOUSE_SESSION_TABLE=gatehouse-sessions",
		"GATEHOUSE_DATA_KEY_CIPHERTEXT=" + base64.StdEncoding.EncodeToString(ciphertext),
		"GATEHOUSE_ORIGIN_VERIFY_SECRET=" + originSecret,
		"GATEHOUSE_ROUTES=" + string(routes),
	}
}

const originSecret = "bench-origin-verify-secret-0123456789"

// runtimeAPI serves the Lambda Runtime API's invocation loop: one /healthz
// event per process, as CloudFront and API Gateway would deliver it. It
// stands in for the Lambda service, which has no local equivalent here.
type runtimeAPI struct {
	Addr  string
	mu    sync.Mutex
	seq   int
	resp  chan lambdaResponse
	close func()
}

type lambdaResponse struct {
	at     time.Time
	status int
	err    string
}

func startRuntimeAPI() (*runtimeAPI, error) {
	rt := &runtimeAPI{resp: make(chan lambdaResponse, 1)}
	addr, stop, err := serve(http.HandlerFunc(rt.serveHTTP))
	if err != nil {
		return nil, err
	}
	rt.Addr, rt.close = addr, stop
	return rt, nil
}

func (rt *runtimeAPI) serveHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/2018-06-01/runtime/")
	switch {
	case r.Method == http.MethodGet && path == "invocation/next":
		rt.mu.Lock()
		rt.seq++
		id := fmt.Sprintf("bench-%d", rt.seq)
		rt.mu.Unlock()
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", id)
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
		_ = json.NewEncoder(w).Encode(healthzEvent())
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/response"):
		now := time.Now()
		var resp events.APIGatewayV2HTTPResponse
		_ = json.NewDecoder(r.Body).Decode(&resp)
		w.WriteHeader(http.StatusAccepted)
		rt.deliver(lambdaResponse{at: now, status: resp.StatusCode})
	default:
		w.WriteHeader(http.StatusAccepted)
		rt.deliver(lambdaResponse{at: time.Now(), err: "runtime API call " + r.Method + " " + r.URL.Path})
	}
}

func (rt *runtimeAPI) deliver(r lambdaResponse) {
	select {
	case rt.resp <- r:
	default:
	}
}

func healthzEvent() events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: "/healthz",
		Headers: map[string]string{"host": "app.bench.example", "x-origin-verify": originSecret, "x-forwarded-for": "203.0.113.7"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/healthz", Protocol: "HTTP/1.1", SourceIP: "203.0.113.7"},
		},
	}
}

// timeLambdaStart runs the binary as Lambda would and returns the time from
// starting the process to the first response it posts.
func timeLambdaStart(ctx context.Context, bin, work string, rt *runtimeAPI) (time.Duration, error) {
	for len(rt.resp) > 0 {
		<-rt.resp
	}
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(edgeEnv(work), "AWS_LAMBDA_RUNTIME_API="+rt.Addr)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	select {
	case r := <-rt.resp:
		if r.err != "" || r.status != http.StatusOK {
			return 0, fmt.Errorf("first invocation answered %d %s; output:\n%s", r.status, r.err, out.String())
		}
		return r.at.Sub(start), nil
	case <-time.After(10 * time.Second):
		return 0, fmt.Errorf("no response within 10s; output:\n%s", out.String())
	}
}

// timeHTTPStart runs the binary as the container does and returns the time
// from starting the process to the first 200 from /healthz.
func timeHTTPStart(ctx context.Context, bin, work string) (time.Duration, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(regionalEnv(work), "GATEHOUSE_LISTEN_ADDR="+addr)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	deadline := start.Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
			return 0, fmt.Errorf("/healthz answered %d; output:\n%s", resp.StatusCode, out.String())
		}
		time.Sleep(100 * time.Microsecond)
	}
	return 0, fmt.Errorf("no answer within 10s; output:\n%s", out.String())
}

// regionalEnv is the Fargate task's environment, with the same unreachable
// AWS services as edgeEnv and ECS's credentials endpoint in place of keys.
func regionalEnv(home string) []string {
	env := slices.DeleteFunc(edgeEnv(home), func(s string) bool {
		for _, p := range []string{"GATEHOUSE_MODE=", "GATEHOUSE_ORIGIN_VERIFY_SECRET=", "AWS_LAMBDA_", "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN="} {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
		return false
	})
	return append(env, "GATEHOUSE_MODE=regional", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/bench-task")
}
