package stack

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/offline"
)

// runStack runs the whole program under mocks with Pulumi.<stack>.yaml from
// the repository root, plus overrides ("gatehouse:key" → value, "" removes).
func runStack(t *testing.T, stack string, overrides map[string]string) *offline.Mocks {
	t.Helper()
	root, err := offline.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	m, err := offline.RunStackFile(root, "gatehouse", stack, overrides, Deploy)
	if err != nil {
		t.Fatalf("stack %s under mocks: %v", stack, err)
	}
	return m
}

// only returns the single resource of a type, failing otherwise.
func only(t *testing.T, m *offline.Mocks, token string) offline.Resource {
	t.Helper()
	rs := m.ByType(token)
	if len(rs) != 1 {
		t.Fatalf("want exactly one %s, got %d", token, len(rs))
	}
	return rs[0]
}
