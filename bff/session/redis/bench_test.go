package redis_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/bff/session/redis"
	"github.com/gatehouse/gatehouse/internal/devservers"
)

// BenchmarkGet is a session lookup against a real redis-server on loopback:
// one HMGET round trip plus decoding.
func BenchmarkGet(b *testing.B) {
	srv := devservers.RedisT(b)
	s, err := redis.New(newClient(b, srv), redis.Options{KeyPrefix: randomPrefix(b)})
	if err != nil {
		b.Fatal(err)
	}
	id, _ := session.NewID()
	r := sampleRecord(session.Key(id))
	r.SealedTokens = make([]byte, 4300)
	ctx := context.Background()
	if err := s.Create(ctx, r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(ctx, r.Key); err != nil {
			b.Fatal(err)
		}
	}
}
