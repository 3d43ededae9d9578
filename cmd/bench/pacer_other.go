//go:build !linux

package main

import "time"

// tickSource falls back to a time.Ticker where there is no timerfd. Its
// wake-ups are coarser, which inflates the paced latencies.
type tickSource struct{ t *time.Ticker }

func newTickSource(period time.Duration) (*tickSource, error) {
	return &tickSource{t: time.NewTicker(period)}, nil
}

func (t *tickSource) Wait() error {
	<-t.t.C
	return nil
}

func (t *tickSource) Close() error {
	t.t.Stop()
	return nil
}
