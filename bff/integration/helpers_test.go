package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/internal/devservers"
)

func mustStats(t *testing.T, s *bfftest.Stack) devservers.OIDCStats {
	t.Helper()
	st, err := s.IdP.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func mustTokens(t *testing.T, s *bfftest.Stack, cookie string) session.Tokens {
	t.Helper()
	toks, err := s.SessionTokens(cookie)
	if err != nil {
		t.Fatalf("session tokens: %v", err)
	}
	return toks
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
