package reliability

import (
	"fmt"
	"io"
	"net"
	"sync"
)

// Relay forwards TCP connections from a loopback port to a target. Down
// makes the port refuse connections and resets the open ones, so an outage
// is exact: no request reaches the target while it is down, and none sent
// before is left queued to be served after it comes back, as it would be
// with a process merely paused.
type Relay struct {
	Addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
}

// StartRelay listens on a free loopback port and forwards to target.
func StartRelay(target string) (*Relay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("reliability: relay: %w", err)
	}
	r := &Relay{Addr: ln.Addr().String(), target: target, conns: map[net.Conn]struct{}{}}
	r.serve(ln)
	return r, nil
}

func (r *Relay) serve(ln net.Listener) {
	r.ln = ln
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go r.forward(c)
		}
	}()
}

func (r *Relay) forward(c net.Conn) {
	up, err := net.Dial("tcp", r.target)
	if err != nil {
		reset(c)
		return
	}
	if !r.track(c, up) {
		reset(c)
		reset(up)
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
	r.untrack(c, up)
	c.Close()
	up.Close()
}

func (r *Relay) track(cs ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln == nil {
		return false
	}
	for _, c := range cs {
		r.conns[c] = struct{}{}
	}
	return true
}

func (r *Relay) untrack(cs ...net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cs {
		delete(r.conns, c)
	}
}

// Down refuses new connections and resets every open one.
func (r *Relay) Down() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln != nil {
		r.ln.Close()
		r.ln = nil
	}
	for c := range r.conns {
		reset(c)
		delete(r.conns, c)
	}
}

// Up accepts connections on the same port again.
func (r *Relay) Up() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", r.Addr)
	if err != nil {
		return fmt.Errorf("reliability: relay: %w", err)
	}
	r.serve(ln)
	return nil
}

// Close stops the relay for good.
func (r *Relay) Close() { r.Down() }

// reset closes with RST, so the peer sees the connection fail at once.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
