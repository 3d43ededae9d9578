package main

import (
	"runtime"
	"syscall"
	"time"
)

// usage is a process's resource counters at one moment. A pass sums the
// two processes' (the world's client and upstream, and the proxy under
// test), so differences between scenarios isolate what the proxy layer costs.
type usage struct {
	CPU        time.Duration
	Mallocs    uint64
	AllocBytes uint64
	GCs        uint32
}

func readUsage() usage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return usage{
		CPU:        time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		Mallocs:    ms.Mallocs,
		AllocBytes: ms.TotalAlloc,
		GCs:        ms.NumGC,
	}
}

func (u usage) add(o usage) usage {
	return usage{
		CPU:        u.CPU + o.CPU,
		Mallocs:    u.Mallocs + o.Mallocs,
		AllocBytes: u.AllocBytes + o.AllocBytes,
		GCs:        u.GCs + o.GCs,
	}
}

func (u usage) sub(before usage) usage {
	return usage{
		CPU:        u.CPU - before.CPU,
		Mallocs:    u.Mallocs - before.Mallocs,
		AllocBytes: u.AllocBytes - before.AllocBytes,
		GCs:        u.GCs - before.GCs,
	}
}
