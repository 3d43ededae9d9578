package main

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// tickSource delivers a periodic timer through the runtime's network poller.
// A timerfd fires with the kernel's high-resolution timers, and the goroutine
// reading it wakes as any socket reader would. time.Sleep and time.Ticker
// cannot pace an open loop here: while the process is idle the runtime waits
// in epoll with a whole-millisecond timeout, so a timer due in 300µs fires up
// to a millisecond late, and a paced pass would charge that delay to the
// system under test.
type tickSource struct{ f *os.File }

func newTickSource(period time.Duration) (*tickSource, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("bench: timerfd: %w", err)
	}
	spec := unix.NsecToTimespec(period.Nanoseconds())
	if err := unix.TimerfdSettime(fd, 0, &unix.ItimerSpec{Interval: spec, Value: spec}, nil); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("bench: timerfd: %w", err)
	}
	// A non-blocking descriptor makes os.File register it with the poller.
	return &tickSource{f: os.NewFile(uintptr(fd), "timerfd")}, nil
}

// Wait blocks until the timer next fires. The caller counts periods from
// the clock, so a missed expiration loses nothing.
func (t *tickSource) Wait() error {
	var expirations [8]byte
	if _, err := t.f.Read(expirations[:]); err != nil {
		return fmt.Errorf("bench: timerfd read: %w", err)
	}
	return nil
}

func (t *tickSource) Close() error { return t.f.Close() }
