// Package devservers starts the real peers that tests and the local stack
// talk to (redis-server, dynalite, oidc-provider) on free loopback ports, and
// stops them afterwards. Nothing here is faked: each helper runs the real
// program and waits until it answers.
package devservers

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Spec describes a child process to run.
type Spec struct {
	// Name labels errors and logs, e.g. "redis-server".
	Name string
	// Path is the program; looked up in PATH when it has no slash.
	Path string
	Args []string
	// Dir is the working directory. Defaults to the current one.
	Dir string
	// Env is added to the current environment.
	Env []string
	// Ready is polled until it returns nil or StartTimeout passes.
	Ready func(ctx context.Context) error
	// StartTimeout defaults to 20s.
	StartTimeout time.Duration
}

// Process is a running child. Stop it when done; Stop is idempotent.
type Process struct {
	Name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	once sync.Once
	err  error
}

// Start runs spec and waits until it is ready. On failure the child is
// stopped and the error carries the tail of its output.
func Start(ctx context.Context, spec Spec) (*Process, error) {
	if spec.StartTimeout == 0 {
		spec.StartTimeout = 20 * time.Second
	}
	path, err := LookPath(spec.Path)
	if err != nil {
		if spec.Name == spec.Path {
			return nil, fmt.Errorf("devservers: %w", err)
		}
		return nil, fmt.Errorf("devservers: %s: %w", spec.Name, err)
	}
	out := &syncBuffer{}
	cmd := exec.Command(path, spec.Args...)
	cmd.Dir = spec.Dir
	cmd.Env = append(os.Environ(), spec.Env...)
	cmd.Stdout, cmd.Stderr = out, out
	// A process group lets Stop reach grandchildren (npm wrappers, workers).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("devservers: start %s: %w", spec.Name, err)
	}
	p := &Process{Name: spec.Name, cmd: cmd, out: out, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()

	deadline := time.Now().Add(spec.StartTimeout)
	for {
		select {
		case <-p.done:
			return nil, fmt.Errorf("devservers: %s exited before it was ready (%v):\n%s", spec.Name, p.err, out.Tail(2048))
		default:
		}
		probeCtx, cancel := context.WithTimeout(ctx, time.Second)
		err := spec.Ready(probeCtx)
		cancel()
		if err == nil {
			return p, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			p.Stop()
			return nil, fmt.Errorf("devservers: %s not ready after %s: %v\n%s", spec.Name, spec.StartTimeout, err, out.Tail(2048))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop sends SIGTERM to the process group, then SIGKILL after 5s.
func (p *Process) Stop() {
	p.once.Do(func() {
		pgid := -p.cmd.Process.Pid
		_ = syscall.Kill(pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(pgid, syscall.SIGKILL)
			<-p.done
		}
	})
}

// Signal sends sig to the process group (fault-injection tests pause or kill peers).
func (p *Process) Signal(sig syscall.Signal) error {
	return syscall.Kill(-p.cmd.Process.Pid, sig)
}

// Output returns what the child has printed so far.
func (p *Process) Output() string { return p.out.String() }

// Exited reports whether the child has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("devservers: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// LoopbackAddr is "127.0.0.1:<port>".
func LoopbackAddr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// DialReady is a Ready probe that succeeds once addr accepts TCP connections.
func DialReady(addr string) func(context.Context) error {
	return func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		return c.Close()
	}
}

// HTTPReady is a Ready probe that succeeds once url answers 200 OK.
func HTTPReady(url string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s answered %d", url, resp.StatusCode)
		}
		return nil
	}
}

// NodeDir is the folder holding the npm packages the peers need
// (internal/devservers/node). `make deps` installs them.
func NodeDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "node")
}

// NodeModule returns the path of an installed npm package's file under
// NodeDir, or an error telling how to install it.
func NodeModule(rel string) (string, error) {
	p := filepath.Join(NodeDir(), "node_modules", rel)
	if _, err := os.Stat(p); err != nil {
		return "", missingNodeModule(rel)
	}
	return p, nil
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

func (b *syncBuffer) Tail(n int) string {
	s := b.String()
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
