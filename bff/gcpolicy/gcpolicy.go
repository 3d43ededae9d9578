// Package gcpolicy is how Gatehouse deploys the BFF's garbage collector:
// GOGC=off with a soft memory limit (GOMEMLIMIT) below the memory of its
// Lambda function or Fargate task, so that the collector runs only as the
// heap nears that limit.
//
// The BFF's live heap is a few megabytes: sessions live in DynamoDB or
// Redis, and a request's buffers are garbage once it is answered. Under
// Go's default (GOGC=100) a heap that small is collected after every few
// megabytes of allocation, which is dozens of cycles a second under load,
// and each cycle delays the requests in flight. BENCHMARKS.md measures the
// effect on the proxy path's tail latency. A live heap that does grow toward
// the limit is still collected, and the runtime then caps the collector at
// half the CPU rather than letting the process be killed for memory.
package gcpolicy

import (
	"fmt"
	"runtime/debug"
)

// LimitPercent is the share of the function's or task's memory given to the
// Go runtime as its soft limit. The rest is headroom for what the limit
// does not bound: the binary's mapped pages and the kernel's socket buffers.
const LimitPercent = 80

// Env is the Go runtime environment for a BFF with memoryMiB of memory.
func Env(memoryMiB int) map[string]string {
	return map[string]string{
		"GOGC":       "off",
		"GOMEMLIMIT": fmt.Sprintf("%dMiB", LimitMiB(memoryMiB)),
	}
}

// LimitMiB is the soft memory limit for memoryMiB of memory.
func LimitMiB(memoryMiB int) int { return memoryMiB * LimitPercent / 100 }

// Apply sets the policy on the running process, as the runtime would from
// Env at start, and returns a function that restores the previous settings.
func Apply(memoryMiB int) (restore func()) {
	limit := debug.SetMemoryLimit(int64(LimitMiB(memoryMiB)) << 20)
	percent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}
