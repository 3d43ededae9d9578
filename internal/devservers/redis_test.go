package devservers

import (
	"context"
	"strings"
	"testing"
)

func TestRedisT(t *testing.T) {
	r := RedisT(t)
	cases := []struct {
		name string
		ok   bool
	}{
		{"answers PING", redisPing(r.Addr)(context.Background()) == nil},
		{"listens on loopback", strings.HasPrefix(r.Addr, "127.0.0.1:")},
		{"URL names the address", r.URL() == "redis://"+r.Addr+"/0"},
		{"is running", !r.Exited()},
	}
	for _, tc := range cases {
		if !tc.ok {
			t.Errorf("redis-server: want it %s", tc.name)
		}
	}
	r.Stop()
	if !r.Exited() {
		t.Error("redis-server still running after Stop")
	}
	if err := redisPing(r.Addr)(context.Background()); err == nil {
		t.Error("PING answered after Stop")
	}
}
