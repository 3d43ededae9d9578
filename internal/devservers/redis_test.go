package devservers

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestRedisT(t *testing.T) {
	r := RedisT(t)
	cases := []struct {
		name string
		ok   bool
	}{
		{"answers PING", redisPing(r.Addr, plainDial)(context.Background()) == nil},
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
	if err := redisPing(r.Addr, plainDial)(context.Background()); err == nil {
		t.Error("PING answered after Stop")
	}
}

func TestRedisTLST(t *testing.T) {
	files, err := NewRedisTLSFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := RedisTLST(t, files)
	verified, err := tlsDial(files.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		dial    dialFunc
		wantErr bool
	}{
		{"TLS verified against its certificate", verified, false},
		{"plaintext is refused", plainDial, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := redisPing(r.Addr, tc.dial)(ctx)
			if (err != nil) != tc.wantErr {
				t.Fatalf("PING err = %v, wantErr %v", err, tc.wantErr)
			}
		})
	}
	if r.URL() != "rediss://"+r.Addr+"/0" {
		t.Errorf("URL = %q, want rediss://", r.URL())
	}
}
