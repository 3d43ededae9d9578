package gcpolicy

import (
	"runtime/debug"
	"testing"
)

func TestEnv(t *testing.T) {
	for _, tc := range []struct {
		memoryMiB int
		wantLimit string
	}{
		{512, "409MiB"},  // the edge Lambda
		{1024, "819MiB"}, // the regional task's default
		{2048, "1638MiB"},
	} {
		env := Env(tc.memoryMiB)
		if env["GOGC"] != "off" || env["GOMEMLIMIT"] != tc.wantLimit || len(env) != 2 {
			t.Errorf("Env(%d) = %v, want GOGC=off GOMEMLIMIT=%s", tc.memoryMiB, env, tc.wantLimit)
		}
	}
}

func TestApplyAndRestore(t *testing.T) {
	limit, percent := debug.SetMemoryLimit(-1), debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	restore := Apply(1024)
	if got := debug.SetMemoryLimit(-1); got != 819<<20 {
		t.Errorf("memory limit %d, want %d", got, 819<<20)
	}
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Errorf("GC percent %d, want -1 (off)", got)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Errorf("restored memory limit %d, want %d", got, limit)
	}
	if got := debug.SetGCPercent(percent); got != percent {
		t.Errorf("restored GC percent %d, want %d", got, percent)
	}
}
