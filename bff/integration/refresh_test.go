package integration

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// burst sends n concurrent API calls, spread over the given instances, and
// returns their statuses.
func burst(t *testing.T, b *bfftest.Browser, instances []string, n int) []int {
	t.Helper()
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			res, err := b.APIWith(instances[i%len(instances)], http.MethodGet, "/api/todos/items", "", nil)
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i] = res.Status
		}(i)
	}
	close(start)
	wg.Wait()
	return statuses
}

// TestConcurrentRefresh: many requests on an expiring session cause exactly
// one refresh at the IdP, which rotates refresh tokens, and nobody is logged
// out. Two rounds prove the rotated refresh token was kept.
func TestConcurrentRefresh(t *testing.T) {
	for _, store := range bfftest.Stores {
		t.Run(store, func(t *testing.T) {
			s := bfftest.Start(t, bfftest.Options{Store: store, Audit: audit})
			b := loggedIn(t, s, "alice")
			for round := 1; round <= 2; round++ {
				before := mustStats(t, s)
				s.Clock.Advance(4*time.Minute + 30*time.Second)
				for i, st := range burst(t, b, []string{s.URL}, 12) {
					if st != http.StatusOK {
						t.Fatalf("round %d request %d: status %d", round, i, st)
					}
				}
				after := mustStats(t, s)
				if after.Refresh-before.Refresh != 1 || after.RefreshErrors != before.RefreshErrors {
					t.Fatalf("round %d: %d refresh grants and %d refused, want exactly one and none refused", round, after.Refresh-before.Refresh, after.RefreshErrors-before.RefreshErrors)
				}
				registerTokens(t, s, b)
			}
			if res := api(t, b, s, "GET", "/auth/user", "", nil); res.Status != http.StatusOK {
				t.Fatalf("/auth/user after refreshes: %d", res.Status)
			}
		})
	}
}

// TestRefreshAcrossInstances: two BFF instances sharing one store race on an
// expiring session; the store lease admits one refresh, the other instance
// adopts its tokens, and the user stays signed in.
func TestRefreshAcrossInstances(t *testing.T) {
	for _, store := range []string{"redis", "dynamodb"} {
		t.Run(store, func(t *testing.T) {
			s := bfftest.Start(t, bfftest.Options{Store: store, Audit: audit})
			second := s.NewInstance()
			b := loggedIn(t, s, "alice")
			for round := 1; round <= 2; round++ {
				before := mustStats(t, s)
				s.Clock.Advance(4*time.Minute + 30*time.Second)
				for i, st := range burst(t, b, []string{s.URL, second}, 12) {
					if st != http.StatusOK {
						t.Fatalf("round %d request %d: status %d", round, i, st)
					}
				}
				after := mustStats(t, s)
				if after.Refresh-before.Refresh != 1 || after.RefreshErrors != before.RefreshErrors {
					t.Fatalf("round %d: %d refresh grants and %d refused, want exactly one and none refused", round, after.Refresh-before.Refresh, after.RefreshErrors-before.RefreshErrors)
				}
				registerTokens(t, s, b)
			}
			for _, base := range []string{s.URL, second} {
				if res, err := b.APIWith(base, http.MethodGet, "/auth/user", "", nil); err != nil || res.Status != http.StatusOK {
					t.Fatalf("%s/auth/user after refreshes: %d %v", base, res.Status, err)
				}
			}
		})
	}
}

func registerTokens(t *testing.T, s *bfftest.Stack, b *bfftest.Browser) {
	t.Helper()
	toks := mustTokens(t, s, b.SessionCookie())
	s.Audit.Secret("refreshed access token", toks.AccessToken)
	s.Audit.Secret("rotated refresh token", toks.RefreshToken)
	s.Audit.Secret("refreshed id token", toks.IDToken)
}
