package proxy

import "testing"

// BenchmarkRouteMatch is the per-call routing of /api/<route>/*: split and
// vet the escaped path, then find the route.
func BenchmarkRouteMatch(b *testing.B) {
	routes := map[string]*routeProxy{}
	for _, name := range []string{"todos", "greeting", "reports", "profile", "search", "files", "admin", "audit"} {
		routes[name] = &routeProxy{}
	}
	for _, tc := range []struct{ name, path string }{
		{"short", "/api/todos/items"},
		{"deep with escapes", "/api/files/projects/2026/q3%20report/chapters/07/figures/fig-12.png"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				name, _, ok := splitAPIPath(tc.path)
				if !ok || routes[name] == nil {
					b.Fatal("no route")
				}
			}
		})
	}
}
