package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/gobuild"
)

func TestRunReportsEveryConfigProblem(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(func(string) string { return "" }, &stdout, &stderr)
	if code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
	for _, want := range []string{"GATEHOUSE_PUBLIC_URL", "GATEHOUSE_OIDC_ISSUER", "GATEHOUSE_OIDC_CLIENT_ID", "GATEHOUSE_OIDC_CLIENT_SECRET", "GATEHOUSE_SESSION_TABLE", "GATEHOUSE_DATA_KEY"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %s:\n%s", want, stderr.String())
		}
	}
}

// buildBinary builds the BFF as the Lambda and container artifacts are built,
// or takes it from Go's build cache when its sources have not changed.
func buildBinary(t *testing.T, goarch string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	err := gobuild.Binary(t.Context(), gobuild.Options{
		Dir: ".", Package: ".", Out: out,
		Flags: []string{"-tags=lambda.norpc", "-trimpath", "-ldflags=-s -w"},
		Env:   []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + goarch},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLambdaZipSize keeps the Lambda artifact (arm64, zipped) within 8 MB.
func TestLambdaZipSize(t *testing.T) {
	bin := buildBinary(t, "arm64")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	const limit = 8_000_000
	t.Logf("lambda zip: %d bytes (limit %d)", buf.Len(), limit)
	if buf.Len() > limit {
		t.Fatalf("lambda zip is %d bytes, over %d: check the imports of bff/...", buf.Len(), limit)
	}
}

// TestBinaryStartsOfflineAndDrains runs the real binary: it serves without
// contacting the IdP at start, and on SIGTERM it finishes the request in
// flight before exiting 0.
func TestBinaryStartsOfflineAndDrains(t *testing.T) {
	bin := buildBinary(t, runtime.GOARCH)
	var idpCalls atomic.Int32
	inFlight, release := make(chan struct{}, 1), make(chan struct{})
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		idpCalls.Add(1)
		inFlight <- struct{}{}
		<-release
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}))
	defer idp.Close()

	port := freePort(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, bytes.Repeat([]byte{7}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cmd := exec.Command(bin)
	cmd.Env = []string{
		"GATEHOUSE_MODE=local", "GATEHOUSE_PUBLIC_URL=" + base, "GATEHOUSE_LISTEN_ADDR=127.0.0.1:" + fmt.Sprint(port),
		"GATEHOUSE_OIDC_ISSUER=" + idp.URL, "GATEHOUSE_OIDC_CLIENT_ID=bff", "GATEHOUSE_OIDC_CLIENT_SECRET=client-secret-value",
		"GATEHOUSE_SESSION_STORE=memory", "GATEHOUSE_INSECURE_COOKIES=true", "GATEHOUSE_DATA_KEY_FILE=" + keyFile,
	}
	var stdout syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()

	waitHealthy(t, base+"/healthz", done, &stdout)
	if n := idpCalls.Load(); n != 0 {
		t.Fatalf("the IdP was called %d times before any login", n)
	}

	answer := make(chan int, 1)
	go func() {
		resp, err := http.Get(base + "/auth/login")
		if err != nil {
			answer <- -1
			return
		}
		resp.Body.Close()
		answer <- resp.StatusCode
	}()
	<-inFlight // the login is waiting on IdP discovery
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &stdout, `"msg":"draining"`, done)
	close(release)
	if status := <-answer; status != http.StatusBadGateway {
		t.Fatalf("in-flight login answered %d, want 502 after the drain let it finish", status)
	}
	if err := <-done; err != nil {
		t.Fatalf("exit: %v\n%s", err, stdout.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %s", line)
		}
		if strings.Contains(line, "client-secret-value") {
			t.Errorf("log line leaks the client secret: %s", line)
		}
	}
	if !strings.Contains(stdout.String(), `"msg":"stopped"`) {
		t.Errorf("no stopped line:\n%s", stdout.String())
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitHealthy(t *testing.T, url string, done chan error, out *syncBuffer) {
	t.Helper()
	for i := 0; i < 200; i++ {
		select {
		case err := <-done:
			t.Fatalf("binary exited: %v\n%s", err, out.String())
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("binary never became healthy:\n%s", out.String())
}

func waitLog(t *testing.T, out *syncBuffer, needle string, done chan error) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if strings.Contains(out.String(), needle) {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("no %s in:\n%s", needle, out.String())
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
