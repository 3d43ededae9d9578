package devservers

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Redis is a running redis-server on a loopback port, in memory only.
type Redis struct {
	*Process
	// Addr is host:port.
	Addr string
}

// URL is the redis:// URL of the server (database 0, no auth).
func (r *Redis) URL() string { return "redis://" + r.Addr + "/0" }

// StartRedis runs a real redis-server on a free loopback port with
// persistence off, and returns once it answers PING.
func StartRedis(ctx context.Context) (*Redis, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := LoopbackAddr(port)
	p, err := Start(ctx, Spec{
		Name: "redis-server",
		Path: "redis-server",
		Args: []string{
			"--port", strconv.Itoa(port),
			"--bind", "127.0.0.1",
			"--save", "",
			"--appendonly", "no",
			"--protected-mode", "yes",
		},
		Ready: redisPing(addr),
	})
	if err != nil {
		return nil, err
	}
	return &Redis{Process: p, Addr: addr}, nil
}

// RedisT starts redis-server for a test and stops it when the test ends.
// It fails the test, never skips it, when redis-server is not installed.
func RedisT(t testing.TB) *Redis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("redis-server is required and not on PATH (Debian: apt-get install redis-server): %v", err)
	}
	r, err := StartRedis(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return r
}

// redisPing speaks just enough RESP to ask PING, so readiness does not
// depend on the client library under test.
func redisPing(addr string) func(context.Context) error {
	return func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		if dl, ok := ctx.Deadline(); ok {
			_ = c.SetDeadline(dl)
		} else {
			_ = c.SetDeadline(time.Now().Add(time.Second))
		}
		if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
			return err
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return err
		}
		if strings.TrimSpace(line) != "+PONG" {
			return fmt.Errorf("redis PING answered %q", strings.TrimSpace(line))
		}
		return nil
	}
}
